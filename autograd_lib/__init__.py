"""autograd_lib: a small vector autograd in Python and NumPy.

Tensors are 2-D; each op records itself on a tape; ``backward`` walks the tape
in reverse, applying each op's vector-Jacobian product.
"""

from .data import xor_data
from .gradcheck import GradCheckReport, gradient_check
from .model import MLP, History, train, train_step
from .ops import add_bias, argmax_rows, matmul, relu, softmax_ce, tanh
from .optim import sgd_step
from .tape import backward, current_tape, tape_reset
from .tensor import Tensor, he_init, zero_grad

__version__ = "0.1.0"

__all__ = [
    "Tensor", "he_init", "zero_grad",
    "matmul", "add_bias", "relu", "tanh", "softmax_ce", "argmax_rows",
    "tape_reset", "backward", "current_tape",
    "sgd_step", "gradient_check", "GradCheckReport",
    "MLP", "History", "train", "train_step", "xor_data",
]
