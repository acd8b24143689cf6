"""Misuse, as a careless reader commits it: every case is refused or made right.

Each case is one thing a reader might write. It is *refused* when the library raises, from a
``raise`` of its own (not from deep inside NumPy), an error whose message names the problem in
the reader's terms (``says``); or it is *correct* when it runs and gives the right answer. A write
into an array the tape holds is refused by NumPy itself, at the reader's own line, since the tape
holds it read-only: such a case (``held``) passes when that error comes from the reader's line and
the course's explanation of it (``explain_read_only``) names the tape and the way on.
Anything else fails the test, as *raw* (an error raised elsewhere, or one that does not say what
it should), *silent* (a misuse that ran) or *wrong*. The cases are generated per argument from
families of wrong values where that is natural, and written out where the mistake is specific.
"""

from __future__ import annotations

import threading
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import autograd_lib
from autograd_lib import (MLP, SGD, Adam, AdamW, Standardizer, Tape, Tensor, add_bias, argmax_rows,
                          backward, batches, confusion_matrix, current_tape, evaluate, fit,
                          gradient_check, he_init, matmul, no_grad, predict, relu, sgd_step,
                          softmax_ce, split, tanh, tape_reset, train, train_epoch, train_on_batch,
                          train_step, two_moons, xor_data, zero_grad)

from autograd_lib.guards import explain_read_only

LIBRARY = Path(autograd_lib.__file__).resolve().parent


@dataclass
class Case:
    name: str
    run: object
    says: tuple = ()  # for a refusal: what the message must contain (case-insensitive)
    check: object = None  # for a correct result: called with what run returned
    held: bool = False  # refused by NumPy at the reader's write: the tape holds the array

    @property
    def expected(self):
        return "correct" if self.check is not None else "refused"


def refused(name, run, *says):
    return Case(name, run, says=says)


def correct(name, run, check=lambda result: None):
    return Case(name, run, check=check)


def held(name, run):
    return Case(name, run, held=True)


def classify(case):
    """``(class, detail)``: refused, correct, raw, silent or wrong."""
    try:
        result = case.run()
    except Exception as error:  # noqa: BLE001 - classifying is the point
        if case.expected == "correct":
            return "wrong", f"raised {type(error).__name__}: {error}"
        frame = traceback.extract_tb(error.__traceback__)[-1]
        if case.held:
            why = explain_read_only(error) or ""
            if (Path(frame.filename).resolve() == Path(__file__).resolve()
                    and "held read-only by the tape" in why and "backward(loss) first" in why):
                return "refused", why
            return "raw", f"{type(error).__name__} from {frame.filename}:{frame.lineno}: {error}"
        ours = (Path(frame.filename).resolve().is_relative_to(LIBRARY)
                and (frame.line or "").lstrip().startswith("raise"))
        message = str(error).lower()
        missing = [s for s in case.says if s.lower() not in message]
        if not ours:
            return "raw", f"{type(error).__name__} from {frame.filename}:{frame.lineno}: {error}"
        if missing:
            return "raw", f"message lacks {missing}: {error}"
        return "refused", str(error)
    if case.expected == "refused":
        return "silent", f"ran and returned {result!r}"
    try:
        case.check(result)
    except (AssertionError, pytest.fail.Exception) as failure:
        return "wrong", str(failure)
    return "correct", ""


# ---- what the cases are made from ---------------------------------------------------------------

def W(shape=(2, 3), dtype=np.float32, name="W"):
    return Tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape) / 10, True, dtype,
                  name)


def x_batch(rows=4, cols=2, dtype=np.float32):
    return Tensor(np.linspace(-1, 1, rows * cols).reshape(rows, cols), dtype=dtype, name="X")


def net(seed=0):
    return MLP(2, 3, 2, seed=seed)


def xor():
    return xor_data()


def with_grads(params):
    for p in params:
        p.grad = np.ones(p.shape, dtype=p.dtype)
    return params


def rng():
    return np.random.default_rng(0)


def generator_of(items):
    return (t for t in items)


def matrix(rows):
    """A np.matrix, without NumPy's warning that the class is on its way out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(rows)


# Values a reader passes where a Tensor belongs.
NOT_A_TENSOR = {
    "None": lambda: None,
    "a NumPy array": lambda: np.ones((2, 3)),
    "a nested list": lambda: [[1.0, 2.0, 3.0]],
    "a float": lambda: 1.5,
    "a string": lambda: "W",
    "a model": lambda: net(),
}

# Values a reader passes where a learning rate belongs.
BAD_LR = {
    "None": None, "a string": "0.1", "True": True, "zero": 0, "negative": -0.1,
    "NaN": float("nan"), "inf": float("inf"), "1e300": 1e300, "a list": [0.1],
    "an array": np.array(0.1), "a complex": 0.1 + 0j,
}

# Values a reader passes where a positive whole number (a width, an epoch count) belongs.
BAD_WHOLE = {
    "zero": 0, "negative": -2, "a float": 2.5, "a string": "8", "None": None, "True": True,
    "NaN": float("nan"),
}

# Values that look like a bool flag but are not.
BAD_FLAG = {"the string 'False'": "False", "the string 'True'": "True", "None": None,
            "a list": [True], "an int 2": 2, "a float": 0.0}


def family(prefix, values, make, *says):
    return [refused(f"{prefix}: {label}", make(value), *says)
            for label, value in values.items()]


CASES = []

# ---- Tensor(...) --------------------------------------------------------------------------------

TENSOR_DATA = {
    "None": (None, "numbers"),
    "text": ([["a", "b"]], "numbers"),
    "a mix of numbers and None": ([[1.0, None]], "numbers"),
    "ragged rows": ([[1.0, 2.0], [3.0]], "same length"),
    "complex numbers": ([[1 + 2j]], "complex"),
    "a masked array": (np.ma.masked_array([[1.0, 2.0]], mask=[[0, 1]]), "mask"),
    "a datetime64 array": (np.array([["2026-01-01"]], dtype="datetime64[D]"), "dates"),
    "a timedelta64 array": (np.array([[3]], dtype="timedelta64[D]"), "dates"),
    "a 0-d value": (np.float32(1.0), "2-d"),
    "a 1-D array": (np.ones(3), "reshape"),
    "a 3-D array": (np.ones((2, 2, 2)), "2-d"),
    "a Tensor": (Tensor([[1.0]]), ".data"),
    "a dict": ({"a": 1.0}, "numbers"),
    "a set": ({1.0, 2.0}, "numbers"),
    "an empty list": ([], "2-d"),
}
CASES += [refused(f"Tensor(data): {label}", (lambda d=data: Tensor(d)), "tensor", says)
          for label, (data, says) in TENSOR_DATA.items()]
CASES += family("Tensor(requires_grad=...)", BAD_FLAG | {"an array": np.array([True, False])},
                lambda v: lambda: Tensor([[1.0]], requires_grad=v), "requires_grad", "true or false")
CASES += family("Tensor(dtype=...)", {"int": int, "int32": np.int32, "object": object,
                                      "complex": complex, "bool": bool, "the string 'float'":
                                      "flaot64", "a number": 3},
                lambda v: lambda: Tensor([[1.0]], dtype=v), "dtype")
CASES += family("Tensor(name=...)", {"a number": 3, "a list": ["W"], "a Tensor": Tensor([[1.0]])},
                lambda v: lambda: Tensor([[1.0]], name=v), "name", "string")
CASES += [
    correct("Tensor(data): booleans become 0.0 and 1.0",
            lambda: Tensor([[True, False]]).data,
            lambda d: np.testing.assert_array_equal(d, [[1.0, 0.0]])),
    correct("Tensor(data): a np.matrix becomes a plain array",
            lambda: Tensor(matrix([[1.0, 2.0]])).data,
            lambda d: (type(d) is np.ndarray) or pytest.fail(type(d).__name__)),
    correct("Tensor(requires_grad=np.bool_(True)) is True",
            lambda: Tensor([[1.0]], requires_grad=np.bool_(True)).requires_grad,
            lambda r: r is True or pytest.fail(repr(r))),
    correct("Tensor(dtype='float64') is float64",
            lambda: Tensor([[1.0]], dtype="float64").dtype,
            lambda d: d == np.float64 or pytest.fail(str(d))),
    correct("Tensor(list of ints) becomes float32",
            lambda: Tensor([[1, 2]]).dtype,
            lambda d: d == np.float32 or pytest.fail(str(d))),
    correct("Tensor copies its input: changing the array later leaves it",
            lambda: (lambda a: (Tensor(a), a.fill(5))[0].data)(np.zeros((1, 2))),
            lambda d: np.testing.assert_array_equal(d, [[0.0, 0.0]])),
]

# ---- t.data = ... and t.grad = ... --------------------------------------------------------------


def set_data(value):
    def run():
        t = W()
        t.data = value
    return run


DATA_SETTER = {
    "a nested list": ([[1.0, 2.0, 3.0]], "numpy array"),
    "a np.matrix": (matrix([[1.0, 2.0, 3.0]]), "matrix"),
    "an integer array": (np.ones((2, 3), dtype=np.int64), "floating"),
    "an object array": (np.array([[1.0, None, 2.0]], dtype=object), "floating"),
    "a string array": (np.array([["a", "b", "c"]]), "floating"),
    "a bool array": (np.ones((2, 3), dtype=bool), "floating"),
    "a complex array": (np.ones((2, 3), dtype=complex), "floating"),
    "a datetime array": (np.zeros((2, 3), dtype="datetime64[D]"), "floating"),
    "a masked array": (np.ma.masked_array(np.ones((2, 3)), mask=np.eye(2, 3)), "mask"),
    "a 1-D array": (np.ones(3), "2-d"),
    "a 3-D array": (np.ones((1, 2, 3)), "2-d"),
    "a Tensor": (Tensor(np.ones((2, 3))), ".data"),
    "None": (None, "numpy array"),
    "a float": (1.0, "numpy array"),
}
CASES += [refused(f"t.data = {label}", set_data(value), "data", says)
          for label, (value, says) in DATA_SETTER.items()]


def set_grad(value):
    def run():
        t = W()
        t.grad = value
    return run


GRAD_SETTER = {
    "0": (0, "none"),
    "a float": (0.5, "none"),
    "a nested list": ([[0.0] * 3] * 2, "array"),
    "an array of the wrong shape": (np.ones((1, 3)), "(2, 3)"),
    "an array of the transposed shape": (np.ones((3, 2)), "(2, 3)"),
    "a 1-D array": (np.ones(6), "(2, 3)"),
    "an integer array": (np.ones((2, 3), dtype=np.int64), "floating"),
    "a Tensor": (Tensor(np.ones((2, 3))), ".data"),
    "a string": ("zero", "none"),
}
CASES += [refused(f"t.grad = {label}", set_grad(value), "grad", says)
          for label, (value, says) in GRAD_SETTER.items()]
CASES += [
    correct("t.grad = None clears it", lambda: (lambda t: (setattr(t, "grad", None), t.grad)[1])(
        with_grads([W()])[0]), lambda g: g is None or pytest.fail(repr(g))),
    correct("t.grad = a float64 array on a float32 tensor keeps float32",
            lambda: (lambda t: (setattr(t, "grad", np.ones((2, 3))), t.grad.dtype)[1])(W()),
            lambda d: d == np.float32 or pytest.fail(str(d))),
    refused("W.grad = 0, then zero_grad(W)",
            lambda: (lambda t: (setattr(t, "grad", 0), zero_grad(t)))(W()), "grad", "none"),
]

# ---- he_init -----------------------------------------------------------------------------------

CASES += family("he_init(t): t is", NOT_A_TENSOR | {"a list of Tensors": [W()]},
                lambda v: lambda: he_init(v, 2, rng()), "he_init", "tensor")
CASES += family("he_init(fan_in)", {"NaN": float("nan"), "inf": float("inf"), "zero": 0,
                                    "negative": -3, "a fraction": 1.5, "a string": "2",
                                    "None": None, "True": True, "an array": np.array([2])},
                lambda v: lambda: he_init(W(), v, rng()), "he_init", "fan_in")
CASES += family("he_init(rng)", {"None": None, "a seed": 0, "np.random": np.random,
                                 "a RandomState": np.random.RandomState(0), "a string": "seed"},
                lambda v: lambda: he_init(W(), 2, v), "he_init", "generator")
CASES += [
    correct("he_init(fan_in=np.int64(2))", lambda: he_init(W(), np.int64(2), rng()).data.std(),
            lambda s: s > 0 or pytest.fail(str(s))),
    correct("he_init keeps the tensor's dtype (float64)",
            lambda: he_init(W(dtype=np.float64), 2, rng()).dtype,
            lambda d: d == np.float64 or pytest.fail(str(d))),
]

# ---- zero_grad ----------------------------------------------------------------------------------

CASES += family("zero_grad(...) of", NOT_A_TENSOR | {
    "a generator": generator_of([W()]), "a dict of Tensors": {"W": W()},
    "a list with None": [W(), None], "a list with an array": [np.ones((2, 3))]},
    lambda v: lambda: zero_grad(v), "zero_grad")
CASES += [
    correct("zero_grad(W, b) zeroes both in place",
            lambda: (lambda ps: (zero_grad(*ps), [p.grad for p in ps])[1])(with_grads([W(), W()])),
            lambda gs: [np.testing.assert_array_equal(g, 0) for g in gs]),
    correct("zero_grad(model.params) zeroes every gradient",
            lambda: (lambda m: (with_grads(m.params), zero_grad(m.params),
                                [p.grad for p in m.params])[2])(net()),
            lambda gs: [np.testing.assert_array_equal(g, 0) for g in gs]),
]

# ---- the ops ------------------------------------------------------------------------------------

OPS_ONE = {"relu": relu, "tanh": tanh}
for op_name, op in OPS_ONE.items():
    CASES += family(f"{op_name}(x): x is", NOT_A_TENSOR, lambda v, op=op: lambda: op(v), op_name,
                    "tensor")
CASES += family("matmul(a, W): a is", NOT_A_TENSOR,
                lambda v: lambda: matmul(v, W((3, 2))), "matmul", "tensor")
CASES += family("matmul(X, b): b is", NOT_A_TENSOR,
                lambda v: lambda: matmul(x_batch(4, 3), v), "matmul", "tensor")
CASES += family("add_bias(a, b): a is", NOT_A_TENSOR,
                lambda v: lambda: add_bias(v, W((1, 3))), "add_bias", "tensor")
CASES += family("add_bias(h, bias): bias is", NOT_A_TENSOR,
                lambda v: lambda: add_bias(W((4, 3)), v), "add_bias", "tensor")
CASES += [
    refused("matmul: inner dimensions differ", lambda: matmul(x_batch(4, 2), W((3, 2))),
            "matmul", "inner"),
    refused("matmul: the weights transposed", lambda: matmul(x_batch(4, 2), W((3, 2)).data.T),
            "matmul", "tensor"),
    refused("add_bias: bias is a column (M, 1)", lambda: add_bias(W((4, 3)), W((3, 1))),
            "add_bias", "(1, 3)"),
    refused("add_bias: bias has B rows", lambda: add_bias(W((4, 3)), W((4, 3))),
            "add_bias", "(1, 3)"),
    refused("add_bias: bias too short", lambda: add_bias(W((4, 3)), W((1, 2))),
            "add_bias", "(1, 3)"),
    refused("add_bias: arguments swapped", lambda: add_bias(W((1, 3)), W((4, 3))),
            "add_bias", "(1, 3)"),
    correct("matmul of float32 and float64 gives float64 (NumPy's rule)",
            lambda: matmul(x_batch(4, 2), W((2, 3), np.float64)).dtype,
            lambda d: d == np.float64 or pytest.fail(str(d))),
]

# ---- softmax_ce ---------------------------------------------------------------------------------

Z = lambda: W((4, 3), name="z")  # noqa: E731 - a factory like the others
LABELS = {
    "None": (None, "labels"),
    "a Tensor": (Tensor([[0.0, 1.0, 2.0, 0.0]]), "plain array"),
    "floats": (np.array([0.0, 1.0, 2.0, 0.0]), "integers"),
    "booleans": (np.array([True, False, True, False]), "integers"),
    "strings": (np.array(["0", "1", "2", "0"]), "integers"),
    "a column (B, 1)": (np.array([[0], [1], [2], [0]]), "1-d"),
    "one-hot rows": (np.eye(3, dtype=np.int64)[[0, 1, 2, 0]], "1-d"),
    "too few": (np.array([0, 1, 2]), "4"),
    "too many": (np.array([0, 1, 2, 0, 1]), "4"),
    "a negative label": (np.array([0, -1, 2, 0]), "[0, 3)"),
    "a label equal to the class count": (np.array([0, 1, 3, 0]), "[0, 3)"),
    "a single int": (2, "1-d"),
}
CASES += [refused(f"softmax_ce(z, y): y is {label}", (lambda y=y: softmax_ce(Z(), y)),
                  "softmax_ce", says) for label, (y, says) in LABELS.items()]
CASES += family("softmax_ce(z, y): z is", NOT_A_TENSOR,
                lambda v: lambda: softmax_ce(v, np.array([0, 1])), "softmax_ce", "tensor")
CASES += [
    refused("softmax_ce: the arguments swapped", lambda: softmax_ce(np.array([0, 1, 2, 0]), Z()),
            "softmax_ce"),
    refused("softmax_ce: an empty batch", lambda: softmax_ce(W((0, 3)), np.array([], dtype=int)),
            "softmax_ce", "empty"),
    correct("softmax_ce: labels as a Python list",
            lambda: softmax_ce(Z(), [0, 1, 2, 0]).item(), lambda v: np.isfinite(v) or pytest.fail()),
    correct("softmax_ce: labels as uint8",
            lambda: softmax_ce(Z(), np.array([0, 1, 2, 0], dtype=np.uint8)).item(),
            lambda v: np.isfinite(v) or pytest.fail()),
    correct("softmax_ce: huge logits give a finite loss",
            lambda: softmax_ce(Tensor([[1e4, -1e4]]), np.array([1])).item(),
            lambda v: abs(v - 2e4) < 1 or pytest.fail(str(v))),
]


def labels_changed_after_forward():
    z = Tensor(np.zeros((2, 2)), requires_grad=True)
    y = np.array([0, 1])
    loss = softmax_ce(z, y)
    y[:] = [1, 0]
    backward(loss)
    return z.grad


CASES.append(correct("y[:] = next labels between forward and backward", labels_changed_after_forward,
                     lambda g: np.testing.assert_allclose(g, [[-0.25, 0.25], [0.25, -0.25]])))
CASES += family("argmax_rows(t): t is", {"a 1-D array": np.ones(3), "None": None,
                                         "a string": "abc", "a 3-D array": np.ones((1, 2, 2))},
                lambda v: lambda: argmax_rows(v), "argmax_rows")


# ---- backward -----------------------------------------------------------------------------------

def forward(model=None, data=None):
    model = model or net()
    X, y = data or xor()
    tape_reset()
    return model, softmax_ce(model(X), y)


def backward_twice():
    _, loss = forward()
    backward(loss)
    backward(loss)


def backward_after_reset():
    _, loss = forward()
    tape_reset()
    backward(loss)


def backward_in_no_grad_loss():
    model, (X, y) = net(), xor()
    with no_grad():
        loss = softmax_ce(model(X), y)
    backward(loss)


def backward_of_a_leaf():
    backward(Tensor([[1.0]], requires_grad=True))


def backward_of_logits():
    model, (X, _) = net(), xor()
    backward(model(X))


def backward_loss_from_another_thread():
    made, done = {}, threading.Event()

    def work():  # a background trainer: it lives on after its forward pass
        made["loss"] = forward()[1]
        made["ready"].set()
        done.wait()

    made["ready"] = threading.Event()
    thread = threading.Thread(target=work)
    thread.start()
    made["ready"].wait()
    try:
        backward(made["loss"])
    finally:
        done.set()
        thread.join()


def backward_loss_from_another_tape_block():
    model, (X, y) = net(), xor()
    with Tape() as tape:  # noqa: F841 - the block's tape, still held
        loss = softmax_ce(model(X), y)
    backward(loss)


def backward_without_grad_params():
    X, y = xor()
    tape_reset()
    z = matmul(X, Tensor(np.ones((2, 2))))
    backward(softmax_ce(z, y))


def param_changed_before_backward():
    model, loss = forward()
    model.W1.data = model.W1.data * 2
    backward(loss)


def param_stepped_before_backward():
    model, loss = forward()
    with_grads(model.params)
    sgd_step(model.params, 0.1)
    backward(loss)


def optimiser_stepped_before_backward(make):
    def run():
        model, loss = forward()
        optimiser = make(model.params)
        with_grads(model.params)
        optimiser.step()
        backward(loss)
    return run


def he_init_before_backward():
    model, loss = forward()
    he_init(model.W2, 8, rng())
    backward(loss)


def written_before_backward(how):
    def run():
        model, (X, y) = net(), xor()
        tape_reset()
        loss = softmax_ce(model(X), y)
        if how == "W1 -= 0.1":
            model.W1.data -= 0.1
        elif how == "W1[...] -= 0.1":
            model.W1.data[...] -= 0.1
        elif how == "W1[0, 0] = 1":
            model.W1.data[0, 0] = 1
        elif how == "np.add out=":
            np.add(model.W2.data, 1, out=model.W2.data)
        elif how == "copyto b1":
            np.copyto(model.b1.data, 0)
        else:
            X.data *= 2
        backward(loss)
    return run


def dropout_by_assigning_data(activation):
    def run():
        model, (X, y) = net(), xor()
        tape_reset()
        h = activation(add_bias(matmul(X, model.W1), model.b1))
        h.data = h.data * np.array([[1.0, 0.0, 1.0]], dtype=np.float32)
        loss = softmax_ce(add_bias(matmul(h, model.W2), model.b2), y)
        backward(loss)
    return run


def output_scaled_in_place_by_augmented_assignment():
    model, (X, y) = net(), xor()
    tape_reset()
    h = tanh(add_bias(matmul(X, model.W1), model.b1))
    h.data *= 2
    backward(softmax_ce(add_bias(matmul(h, model.W2), model.b2), y))


def output_changed_after_the_next_op():
    model, (X, y) = net(), xor()
    tape_reset()
    h = tanh(add_bias(matmul(X, model.W1), model.b1))
    loss = softmax_ce(add_bias(matmul(h, model.W2), model.b2), y)
    h.data = h.data * 0.5
    backward(loss)


def reset_in_the_middle():
    model, (X, y) = net(), xor()
    tape_reset()
    h = model.hidden(X)
    tape_reset()
    backward(softmax_ce(add_bias(matmul(h, model.W2), model.b2), y))


CASES += [
    refused("backward(a float)", lambda: backward(0.5), "backward", "tensor"),
    refused("backward(an array)", lambda: backward(np.ones((1, 1))), "backward", "tensor"),
    refused("backward(the logits), not the loss", backward_of_logits, "backward", "(1, 1)"),
    refused("backward twice on one tape", backward_twice, "backward", "tape_reset"),
    refused("backward after tape_reset", backward_after_reset, "tape_reset"),
    refused("backward of a loss made inside no_grad()", backward_in_no_grad_loss, "no_grad"),
    refused("backward of a leaf tensor", backward_of_a_leaf, "leaf"),
    refused("backward of a loss made in another thread", backward_loss_from_another_thread,
            "thread"),
    refused("backward of a loss made inside a Tape() block that ended",
            backward_loss_from_another_tape_block, "tape()"),
    refused("backward of a loss with no parameter to differentiate", backward_without_grad_params,
            "requires_grad"),
    refused("a parameter assigned between forward and backward", param_changed_before_backward,
            "changed", "W1"),
    refused("sgd_step between forward and backward", param_stepped_before_backward, "sgd_step",
            "held read-only", "backward(loss) first"),
    refused("SGD(momentum).step() between forward and backward",
            optimiser_stepped_before_backward(lambda ps: SGD(ps, lr=0.1, momentum=0.9)),
            "SGD.step", "held read-only"),
    refused("Adam.step() between forward and backward",
            optimiser_stepped_before_backward(lambda ps: Adam(ps)), "Adam.step", "held read-only"),
    refused("AdamW.step() between forward and backward",
            optimiser_stepped_before_backward(lambda ps: AdamW(ps)), "AdamW.step", "held read-only"),
    refused("he_init on a weight between forward and backward", he_init_before_backward,
            "he_init", "held read-only"),
    held("W.data -= x between forward and backward", written_before_backward("W1 -= 0.1")),
    held("W.data[...] -= x between forward and backward", written_before_backward("W1[...] -= 0.1")),
    held("W.data[0, 0] = 1 between forward and backward", written_before_backward("W1[0, 0] = 1")),
    held("np.add(W.data, 1, out=W.data) between forward and backward",
         written_before_backward("np.add out=")),
    held("np.copyto(b.data, 0) between forward and backward", written_before_backward("copyto b1")),
    held("X.data *= 2 (the batch) between forward and backward", written_before_backward("X *= 2")),
    refused("dropout by assigning a tanh output's data", dropout_by_assigning_data(tanh),
            "output", "dropout"),
    refused("dropout by assigning a relu output's data", dropout_by_assigning_data(relu),
            "output", "dropout"),
    held("h.data *= 2 on a tanh output", output_scaled_in_place_by_augmented_assignment),
    refused("an op's output assigned after the next op read it", output_changed_after_the_next_op,
            "output"),
    refused("tape_reset() in the middle of the forward pass", reset_in_the_middle, "tape_reset"),
]


def output_changed_inside_no_grad_is_fine():
    with no_grad():
        h = tanh(x_batch())
    h.data = h.data * 2
    return h.data


def output_changed_after_backward_is_fine():
    model, loss = forward()
    backward(loss)
    logits = current_tape()[-2].out
    logits.data = logits.data * 0
    return model.W1.grad


def gradients_of_mixed_dtypes():
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    x = Tensor(np.ones((3, 2)), dtype=np.float64)
    tape_reset()
    backward(softmax_ce(matmul(x, w), np.array([0, 1, 1])))
    return w.grad


CASES += [
    correct("an output changed inside no_grad()", output_changed_inside_no_grad_is_fine,
            lambda d: np.testing.assert_allclose(d, 2 * np.tanh(x_batch().data), rtol=1e-6)),
    correct("an output changed after backward", output_changed_after_backward_is_fine,
            lambda g: g.shape == (2, 3) or pytest.fail()),
    correct("a float32 parameter times float64 data gets a float32 grad",
            gradients_of_mixed_dtypes, lambda g: g.dtype == np.float32 or pytest.fail(str(g.dtype))),
]


def evaluation_without_no_grad(forwards):
    def run():
        model, (X, _) = net(), xor()
        tape_reset()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(forwards):
                model(X)
        tape_reset()
        return [str(w.message) for w in caught]
    return run


CASES += [
    correct("an evaluation loop of 3,000 forwards with neither no_grad nor tape_reset is warned of",
            evaluation_without_no_grad(3000),
            lambda said: (said and "tape_reset" in said[0] and "no_grad" in said[0])
            or pytest.fail(f"warnings: {said}")),
    correct("100 forwards without tape_reset are not warned of",
            evaluation_without_no_grad(100), lambda said: not said or pytest.fail(str(said))),
]

# ---- sgd_step -----------------------------------------------------------------------------------


def stepped(make_params, lr=0.1):
    """Run sgd_step on ``make_params(ps)`` for fresh ``ps``; return their data after."""
    def run():
        ps = with_grads([W(), W((1, 3), name="b")])
        sgd_step(make_params(ps), lr)
        return [p.data for p in ps]
    return run


def one_step_each(datas):
    np.testing.assert_allclose(datas[0], W().data - 0.1, rtol=1e-6)
    np.testing.assert_allclose(datas[1], W((1, 3)).data - 0.1, rtol=1e-6)


SGD_PARAMS = {
    "one Tensor": (lambda ps: ps[0], "list"),
    "a dict of parameters": (lambda ps: {"W": ps[0], "b": ps[1]}, "dict"),
    "a list with None": (lambda ps: [ps[0], None], "none"),
    "a list with an array": (lambda ps: [ps[0].data], "numpy array"),
    "a model": (lambda ps: net(), "model.params"),
    "a parameter twice": (lambda ps: [ps[0], ps[0]], "more than once"),
    "a list of lists": (lambda ps: [ps], "list"),
    "None": (lambda ps: None, "list"),
    "an empty list": (lambda ps: [], "empty"),
    "a string": (lambda ps: "W", "list"),
}
CASES += [refused(f"sgd_step(params): {label}", stepped(make), "sgd_step", says)
          for label, (make, says) in SGD_PARAMS.items()]
CASES += family("sgd_step(lr)", BAD_LR, lambda v: stepped(list, v), "sgd_step", "lr")
CASES += [
    correct("sgd_step of a generator of parameters", stepped(generator_of), one_step_each),
    correct("sgd_step of filter(...)", stepped(lambda ps: filter(None, ps)), one_step_each),
    correct("sgd_step of a tuple", stepped(tuple), one_step_each),
    correct("sgd_step with lr as np.float32", stepped(list, np.float32(0.1)), one_step_each),
    correct("sgd_step leaves a parameter without a gradient alone",
            lambda: (lambda p: (sgd_step([p], 0.1), p.data)[1])(W()),
            lambda d: np.testing.assert_array_equal(d, W().data)),
]


def grad_wrong_shape_in_step():
    p = W()
    p.grad = np.ones((1, 3), dtype=np.float32)


CASES.append(refused("a (1, 3) grad set by hand on a (2, 3) parameter", grad_wrong_shape_in_step,
                     "grad", "(2, 3)"))

# ---- the optimisers -----------------------------------------------------------------------------

OPTIMISERS = {"SGD": lambda ps, **kw: SGD(ps, **{"lr": 0.1, **kw}),
              "Adam": lambda ps, **kw: Adam(ps, **kw),
              "AdamW": lambda ps, **kw: AdamW(ps, **kw)}
OPT_PARAMS = {
    "a model": (lambda: net(), "model.params"),
    "one Tensor": (lambda: W(), "list"),
    "a dict of parameters": (lambda: {"W": W()}, "dict"),
    "an empty list": (lambda: [], "empty"),
    "a Tensor without requires_grad": (lambda: [Tensor([[1.0]])], "requires_grad"),
    "a parameter twice": (lambda: (lambda p: [p, p])(W()), "more than once"),
    "a list with an array": (lambda: [np.ones((2, 2))], "numpy array"),
    "a list with None": (lambda: [W(), None], "none"),
    "None": (lambda: None, "list"),
}
for opt_name, make_opt in OPTIMISERS.items():
    CASES += [refused(f"{opt_name}(params): {label}", (lambda m=make, o=make_opt: o(m())),
                      opt_name, says) for label, (make, says) in OPT_PARAMS.items()]
    CASES += family(f"{opt_name}(lr)", BAD_LR,
                    lambda v, o=make_opt: lambda: o([W()], lr=v), opt_name, "lr")
    CASES += family(f"{opt_name}(weight_decay)", {"negative": -0.1, "NaN": float("nan"),
                                                  "a string": "0.01", "None": None},
                    lambda v, o=make_opt: lambda: o([W()], weight_decay=v), opt_name,
                    "weight_decay")
    CASES.append(correct(f"{opt_name} of a generator of parameters",
                         lambda o=make_opt: len(o(generator_of([W(), W()])).params),
                         lambda n: n == 2 or pytest.fail(str(n))))
CASES += family("SGD(momentum)", {"negative": -0.1, "one": 1.0, "NaN": float("nan"),
                                  "a string": "0.9", "None": None},
                lambda v: lambda: SGD([W()], lr=0.1, momentum=v), "SGD", "momentum")
CASES += family("SGD(nesterov)", BAD_FLAG,
                lambda v: lambda: SGD([W()], lr=0.1, momentum=0.9, nesterov=v), "SGD", "nesterov")
for opt_name in ("Adam", "AdamW"):
    CASES += family(f"{opt_name}(betas)", {"one number": 0.9, "three numbers": (0.9, 0.99, 0.9),
                                           "a beta of 1": (0.9, 1.0), "negative": (-0.1, 0.9),
                                           "strings": ("0.9", "0.999"), "None": None},
                    lambda v, o=OPTIMISERS[opt_name]: lambda: o([W()], betas=v), opt_name,
                    "betas")
    CASES += family(f"{opt_name}(eps)", {"negative": -1e-8, "NaN": float("nan"),
                                         "a string": "1e-8"},
                    lambda v, o=OPTIMISERS[opt_name]: lambda: o([W()], eps=v), opt_name, "eps")
CASES += [
    refused("SGD(model) without lr", lambda: SGD(net()), "SGD", "model.params"),
    refused("SGD(nesterov=True) without momentum",
            lambda: SGD([W()], lr=0.1, nesterov=True), "SGD", "momentum"),
    correct("SGD(nesterov=np.bool_(False))",
            lambda: SGD([W()], lr=0.1, momentum=0.9, nesterov=np.bool_(False)).nesterov,
            lambda n: n is False or pytest.fail(repr(n))),
]


def optimizer_step_with_a_grad_of_another_shape():
    p = W()
    opt = SGD([p], lr=0.1)
    p.grad = np.ones((2, 1), dtype=np.float32)
    opt.step()


CASES.append(refused("optimizer.step() after a (2, 1) grad was set on a (2, 3) parameter",
                     optimizer_step_with_a_grad_of_another_shape, "grad", "(2, 3)"))

# ---- MLP ----------------------------------------------------------------------------------------

for arg in ("n_in", "n_hidden", "n_out"):
    CASES += family(f"MLP({arg})", BAD_WHOLE,
                    lambda v, arg=arg: lambda: MLP(**{"n_in": 2, "n_hidden": 3, "n_out": 2,
                                                      arg: v}), "MLP", arg)
CASES += family("MLP(activation)", {"a list": ["relu"], "capitalised": "ReLU", "None": None,
                                    "the function relu": relu, "sigmoid": "sigmoid", "a number": 1},
                lambda v: lambda: MLP(2, 3, 2, activation=v), "MLP", "activation")
CASES += family("MLP(seed)", {"a string": "abc", "negative": -1, "a fraction": 1.5, "None": None,
                              "True": True, "a Generator": np.random.default_rng(0)},
                lambda v: lambda: MLP(2, 3, 2, seed=v), "MLP", "seed")
CASES += family("MLP(dtype)", {"int": int, "the string 'int8'": "int8", "complex": complex},
                lambda v: lambda: MLP(2, 3, 2, dtype=v), "dtype")
CASES += family("MLP(n_hidden): a list with", {"a zero": [3, 0], "a string": [3, "4"],
                                               "a float": [3.5], "nothing": []},
                lambda v: lambda: MLP(2, v, 2), "MLP", "n_hidden")
CASES += family("model(X): X is", NOT_A_TENSOR,
                lambda v: lambda: net()(v), "MLP")
CASES += [
    refused("model(X) with 3 columns for a 2-input network", lambda: net()(x_batch(4, 3)),
            "MLP", "n_in=2"),
    correct("MLP(seed=np.int64(3)) is MLP(seed=3)",
            lambda: MLP(2, 3, 2, seed=np.int64(3)).W1.data,
            lambda d: np.testing.assert_array_equal(d, MLP(2, 3, 2, seed=3).W1.data)),
    correct("MLP(n_hidden=(4, 4)) as a tuple", lambda: MLP(2, (4, 4), 2).sizes,
            lambda s: s == [2, 4, 4, 2] or pytest.fail(str(s))),
]

# ---- training -----------------------------------------------------------------------------------


def xor_args():
    X, y = xor()
    return net(), X, y


CASES += [
    refused("train(X, model, y): model and X swapped",
            lambda: (lambda m, X, y: train(X, m, y, epochs=1))(*xor_args()), "train", "model"),
    refused("train(model, y, X): X and y swapped",
            lambda: (lambda m, X, y: train(m, y, X, epochs=1))(*xor_args()), "train"),
    refused("train(None, X, y)", lambda: (lambda m, X, y: train(None, X, y, epochs=1))(*xor_args()),
            "train", "model"),
    refused("train(model, None, y)", lambda: (lambda m, X, y: train(m, None, y))(*xor_args()),
            "train", "x"),
    refused("train(model, X.data, y): an array for X",
            lambda: (lambda m, X, y: train(m, X.data, y))(*xor_args()), "train", "tensor"),
    refused("train(model, X, y[:3]): too few labels",
            lambda: (lambda m, X, y: train(m, X, y[:3]))(*xor_args()), "train", "label"),
    refused("train(model, X, y) with a label out of range",
            lambda: (lambda m, X, y: train(m, X, np.array([0, 1, 2, 0])))(*xor_args()),
            "softmax_ce", "[0, 2)"),
    refused("train with X holding NaN",
            lambda: (lambda m, X, y: train(m, Tensor([[np.nan, 0]] * 4), y))(*xor_args()),
            "train", "nan"),
    refused("train with both lr and an optimizer",
            lambda: (lambda m, X, y: train(m, X, y, lr=0.1, optimizer=SGD(m.params, 0.1)))(
                *xor_args()), "train", "lr"),
    refused("train with an optimizer for another model",
            lambda: (lambda m, X, y: train(m, X, y, optimizer=SGD(net().params, 0.1)))(
                *xor_args()), "train", "model.params"),
    refused("train with optimizer='adam'",
            lambda: (lambda m, X, y: train(m, X, y, optimizer="adam"))(*xor_args()),
            "train", "optimizer"),
]
CASES += family("train(lr)", {k: v for k, v in BAD_LR.items() if k != "None"},
                lambda v: lambda: (lambda m, X, y: train(m, X, y, lr=v, epochs=1))(*xor_args()),
                "train", "lr")
CASES += family("train(epochs)", {"negative": -1, "a fraction": 2.5, "a string": "10",
                                  "None": None, "NaN": float("nan"), "too many": 10**9},
                lambda v: lambda: (lambda m, X, y: train(m, X, y, epochs=v))(*xor_args()),
                "train", "epochs")
CASES += [
    refused("train_step(X, model, y, lr): swapped",
            lambda: (lambda m, X, y: train_step(X, m, y, 0.5))(*xor_args()), "train_step",
            "model"),
    refused("train_step(model, X, y) with lr as a string",
            lambda: (lambda m, X, y: train_step(m, X, y, "0.5"))(*xor_args()), "lr"),
    refused("train_on_batch(model, X, y, opt): argument order",
            lambda: (lambda m, X, y: train_on_batch(m, X, y, SGD(m.params, 0.1)))(*xor_args()),
            "train_on_batch", "optimizer"),
    refused("train_on_batch(model, 'sgd', X, y)",
            lambda: (lambda m, X, y: train_on_batch(m, "sgd", X, y))(*xor_args()),
            "train_on_batch", "optimizer"),
    refused("train_epoch with a seed for rng",
            lambda: (lambda m, X, y: train_epoch(m, SGD(m.params, 0.1), X, y, 2, 0))(*xor_args()),
            "generator"),
    refused("train_epoch with batch_size 0",
            lambda: (lambda m, X, y: train_epoch(m, SGD(m.params, 0.1), X, y, 0, rng()))(
                *xor_args()), "batch_size"),
    correct("train with labels as a list", lambda: (lambda m, X, y: train(
        m, X, [0, 1, 1, 0], epochs=2).loss)(*xor_args()),
        lambda loss: len(loss) == 3 or pytest.fail(str(loss))),
]


def fit_with(**changes):
    def run():
        model, X, y = xor_args()
        args = {"model": model, "optimizer": SGD(model.params, 0.1), "train_data": (X, y),
                "val_data": (X, y), "epochs": 1}
        args.update({k: (v(model, X, y) if callable(v) and k != "progress" else v)
                     for k, v in changes.items()})
        return fit(**args)
    return run


CASES += [
    refused("fit(model, opt, X, y): X and y passed separately",
            lambda: (lambda m, X, y: fit(m, SGD(m.params, 0.1), X, y, 1))(*xor_args()),
            "fit", "train_data", "(X, y)"),
    refused("fit(optimizer, model, ...): swapped",
            lambda: (lambda m, X, y: fit(SGD(m.params, 0.1), m, (X, y), (X, y), 1))(*xor_args()),
            "fit", "model"),
    refused("fit: train_data as a list of three", fit_with(train_data=lambda m, X, y: [X, y, y]),
            "fit", "train_data"),
    refused("fit: val_data is None", fit_with(val_data=None), "fit", "val_data"),
    refused("fit: val_data with too few labels", fit_with(val_data=lambda m, X, y: (X, y[:2])),
            "label"),
    refused("fit: epochs 0", fit_with(epochs=0), "fit", "epochs"),
    refused("fit: patience 0", fit_with(patience=0), "fit", "patience"),
    refused("fit: seed None", fit_with(seed=None), "fit", "seed"),
    refused("fit: seed a string", fit_with(seed="abc"), "fit", "seed"),
    refused("fit: batch_size a float", fit_with(batch_size=2.5), "batch_size"),
    refused("fit: progress is not callable", fit_with(progress="tqdm"), "fit", "progress"),
    refused("fit: optimizer for another model", fit_with(optimizer=lambda m, X, y: SGD(
        net().params, 0.1)), "fit", "model.params"),
    correct("fit: train_data as a list of two",
            fit_with(train_data=lambda m, X, y: [X, y]), lambda h: h.epochs == 1 or pytest.fail()),
]
CASES += [
    refused("evaluate(model, X.data, y)", lambda: (lambda m, X, y: evaluate(m, X.data, y))(
        *xor_args()), "tensor"),
    refused("evaluate(model, X, y[:2])", lambda: (lambda m, X, y: evaluate(m, X, y[:2]))(
        *xor_args()), "label"),
    refused("evaluate(X, model, y): swapped", lambda: (lambda m, X, y: evaluate(X, m, y))(
        *xor_args()), "evaluate", "model"),
    refused("predict(model, X.data)", lambda: (lambda m, X, y: predict(m, X.data))(*xor_args()),
            "tensor"),
    refused("predict(X, model): swapped", lambda: (lambda m, X, y: predict(X, m))(*xor_args()),
            "predict", "model"),
    refused("confusion_matrix with lengths that differ",
            lambda: confusion_matrix([0, 1], [0, 1, 1], 2), "confusion_matrix"),
    refused("confusion_matrix with a class >= n_classes",
            lambda: confusion_matrix([0, 3], [0, 1], 2), "confusion_matrix", "n_classes"),
    refused("confusion_matrix with a negative class",
            lambda: confusion_matrix([0, -1], [0, 1], 2), "confusion_matrix", "n_classes"),
    refused("confusion_matrix with float labels",
            lambda: confusion_matrix([0.0, 1.0], [0, 1], 2), "confusion_matrix", "integer"),
    refused("confusion_matrix with n_classes a string",
            lambda: confusion_matrix([0, 1], [0, 1], "2"), "confusion_matrix", "n_classes"),
    correct("confusion_matrix counts", lambda: confusion_matrix([0, 1, 1], [0, 1, 0], 2),
            lambda c: np.testing.assert_array_equal(c, [[1, 0], [1, 1]])),
]

# ---- the gradient check and the data ------------------------------------------------------------


def tiny_loss(p):
    return lambda: softmax_ce(matmul(x_batch(4, 2, np.float64), p), np.array([0, 1, 1, 0]))


CASES += [
    refused("gradient_check(loss, params) with the loss already computed",
            lambda: (lambda p: gradient_check(tiny_loss(p)(), [p]))(W((2, 2))),
            "gradient_check", "loss_fn"),
    refused("gradient_check: loss_fn returns a float",
            lambda: (lambda p: gradient_check(lambda: tiny_loss(p)().item(), [p]))(W((2, 2))),
            "gradient_check", "(1, 1)"),
    refused("gradient_check: params is a model",
            lambda: gradient_check(lambda: None, net()), "gradient_check", "model.params"),
    refused("gradient_check: params empty", lambda: gradient_check(lambda: None, []),
            "gradient_check", "empty"),
    refused("gradient_check: h = 0", lambda: (lambda p: gradient_check(tiny_loss(p), [p], h=0))(
        W((2, 2))), "gradient_check", "h"),
    refused("gradient_check: tol negative", lambda: (lambda p: gradient_check(
        tiny_loss(p), [p], tol=-1))(W((2, 2))), "gradient_check", "tol"),
    refused("gradient_check: dtype int", lambda: (lambda p: gradient_check(
        tiny_loss(p), [p], dtype=int))(W((2, 2))), "gradient_check", "dtype"),
    correct("gradient_check leaves the parameter's data and dtype as they were",
            lambda: (lambda p: (gradient_check(tiny_loss(p), [p]), p)[1])(W((2, 2))),
            lambda p: (p.dtype == np.float32 and p.grad is None
                       and np.array_equal(p.data, W((2, 2)).data)) or pytest.fail()),
]
CASES += [
    refused("batches with an array X", lambda: batches(np.ones((4, 2)), np.zeros(4, int), 2, rng()),
            "batches", "tensor"),
    refused("batches with labels of the wrong length",
            lambda: batches(x_batch(), np.zeros(3, int), 2, rng()), "batches", "label"),
    refused("batches with a seed for rng", lambda: batches(x_batch(), np.zeros(4, int), 2, 0),
            "batches", "generator"),
    refused("batches with batch_size 0", lambda: batches(x_batch(), np.zeros(4, int), 0, rng()),
            "batches", "batch_size"),
    refused("split with fractions that do not add up to 1",
            lambda: split(x_batch(), np.zeros(4, int), (0.5, 0.2)), "split", "fractions"),
    refused("split with seed None", lambda: split(x_batch(), np.zeros(4, int), seed=None),
            "split", "seed"),
    refused("Standardizer of an array", lambda: Standardizer(np.ones((4, 2))), "standardizer",
            "tensor"),
    refused("Standardizer applied to data of other width",
            lambda: Standardizer(x_batch())(x_batch(4, 3)), "standardizer", "columns"),
    refused("two_moons with a negative noise", lambda: two_moons(noise=-1), "two_moons", "noise"),
    refused("two_moons with 0 samples", lambda: two_moons(n_samples=0), "two_moons", "n_samples"),
    refused("two_moons with seed None", lambda: two_moons(seed=None), "two_moons", "seed"),
    refused("xor_data(dtype=int)", lambda: xor_data(dtype=int), "dtype"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_misuse_is_refused_clearly_or_made_correct(case):
    tape_reset()
    kind, detail = classify(case)
    assert kind == case.expected, f"{case.name}: {kind} ({detail})"


def test_the_suite_has_at_least_300_cases_with_distinct_names():
    names = [c.name for c in CASES]
    assert len(names) >= 300, len(names)
    assert len(set(names)) == len(names), sorted({n for n in names if names.count(n) > 1})


def test_a_write_into_a_held_array_counts_as_refused_only_with_the_tape_named():
    def write_with_no_tape_holding_it():
        a = np.ones(3)
        a.setflags(write=False)
        a[0] = 2
    assert classify(held("read-only, no tape", write_with_no_tape_holding_it))[0] == "raw"
    assert classify(held("ran", lambda: 1))[0] == "silent"


def test_the_classifier_tells_a_raw_error_and_a_silent_misuse_apart():
    assert classify(refused("numpy's own error", lambda: np.ones(2) @ np.ones(3)))[0] == "raw"
    assert classify(refused("ran", lambda: 1))[0] == "silent"
    assert classify(refused("wrong words", lambda: Tensor(None), "no such words"))[0] == "raw"
    assert classify(correct("wrong value", lambda: 1, lambda v: pytest.fail("not 2")))[0] == "wrong"
