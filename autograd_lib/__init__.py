"""autograd_lib: a small vector autograd in Python and NumPy.

Tensors are 2-D; each op records itself on a tape; ``backward`` walks the
tape in reverse, applying each op's vector-Jacobian product from
``VJP_RULES``.

The modules here are the library a reader of the course builds (tensor, tape,
ops, gradcheck, optim, model, data). The course's own machinery (checks,
plots, playground, workbook tools) lives apart, in ``autograd_lib.course``.
"""

from .data import Standardizer, batches, digits, split, two_moons, xor_data
from .gradcheck import GradCheckReport, gradient_check, numeric_gradient
from .model import (MLP, FitHistory, History, confusion_matrix, evaluate, fit,
                    predict, train, train_epoch, train_on_batch, train_step)
from .ops import (add_bias, add_bias_vjp, argmax_rows, matmul, matmul_vjp,
                  relu, relu_vjp, sigmoid, sigmoid_vjp, softmax_ce,
                  softmax_ce_vjp, tanh, tanh_vjp)
from .optim import (SGD, Adam, AdamW, Optimizer, adam_update, adamw_update,
                    momentum_update, sgd_step)
from .tape import (VJP_RULES, Tape, backward, current_tape, no_grad, record,
                   tape_reset)
from .tensor import Tensor, he_init, zero_grad

__version__ = "0.3.0"

__all__ = [
    "Tensor", "he_init", "zero_grad",
    "Tape", "current_tape", "tape_reset", "record", "backward", "no_grad",
    "VJP_RULES",
    "matmul", "add_bias", "relu", "tanh", "sigmoid", "softmax_ce",
    "argmax_rows", "matmul_vjp", "add_bias_vjp", "relu_vjp", "tanh_vjp",
    "sigmoid_vjp", "softmax_ce_vjp",
    "numeric_gradient", "gradient_check", "GradCheckReport",
    "sgd_step", "MLP", "History", "train", "train_step", "xor_data",
    "Optimizer", "SGD", "Adam", "AdamW",
    "momentum_update", "adam_update", "adamw_update",
    "train_on_batch", "train_epoch", "fit", "FitHistory",
    "evaluate", "predict", "confusion_matrix",
    "two_moons", "digits", "split", "Standardizer", "batches",
]
