"""Chapter 1's checks: zero_grad, he_init."""

from __future__ import annotations

import numpy as np

from ... import tensor
from ...tensor import Tensor
from .core import Failed, Task, _call, _difference, _first_match, _kind, _mentions, _short


def _check_he_init(fn):
    for rows, cols, fan_in, seed in [(2, 8, 2, 0), (8, 2, 8, 1), (1, 1, 1, 2), (3, 4, 5, 3)]:
        case = f"a ({rows}, {cols}) float32 tensor, fan_in={fan_in}, default_rng({seed})"
        t = Tensor(np.zeros((rows, cols)), requires_grad=True, name="W")
        array = t.data
        result = _call(fn, case, t, fan_in, np.random.default_rng(seed),
                       raised=[(_kind(TypeError, AttributeError), "he_init(t, fan_in, rng) gets a Tensor t, "
                                "a number fan_in and a numpy.random.Generator rng, whose own "
                                "methods draw the numbers.")])
        expected = tensor.he_init.library(Tensor(np.zeros((rows, cols))), fan_in, np.random.default_rng(seed)).data
        if result is not t:
            raise Failed(case, f"it returned {_short(result)}, not the tensor t it was given",
                         "he_init returns the tensor it filled, so that a call can build and fill a "
                         "weight in one line.")
        if t.data.dtype != array.dtype:
            raise Failed(case, f"t.data became {t.data.dtype}; it was {array.dtype}",
                         "t.data was replaced by a new array of another dtype; writing into the "
                         "existing array keeps it.")
        if np.array_equal(t.data, np.zeros((rows, cols))):
            raise Failed(case, "t.data is still all zeros",
                         "the numbers were drawn but never written into t's own array (a new array "
                         "bound to a local name leaves t as it was).")
        if not np.array_equal(t.data, expected):
            std = np.sqrt(2.0 / fan_in)
            draws = expected / std
            mistakes = [
                ("the numbers were scaled by the variance, 2 / fan_in, instead of the standard "
                 "deviation, its square root.", draws * (2.0 / fan_in)),
                ("He's scale is sqrt(2 / fan_in); sqrt(1 / fan_in) is LeCun's, made for tanh-like "
                 "units, and leaves ReLU activations shrinking layer by layer.", draws * np.sqrt(1.0 / fan_in)),
                ("the scale came from the tensor's number of rows, not from the fan_in argument: the "
                 "caller knows how many inputs each unit adds up, the shape need not tell it.",
                 draws * np.sqrt(2.0 / rows)),
                ("the scale came from the number of columns (that would be fan_out), not from the "
                 "fan_in argument.", draws * np.sqrt(2.0 / cols)),
            ]
            hint = _first_match(t.data, mistakes) or _he_statistics_hint(fn)
            raise Failed(case, _difference("t.data", t.data, expected), hint)


def _he_statistics_hint(fn):
    t = Tensor(np.zeros((400, 300)))
    fn(t, 300, np.random.default_rng(5))
    again = Tensor(np.zeros((400, 300)))
    fn(again, 300, np.random.default_rng(5))
    if not np.array_equal(t.data, again.data):
        return ("the same seed gave different weights: the numbers came from somewhere other "
                "than rng, the Generator you were given (np.random's global state, say).")
    std, target = float(t.data.std()), np.sqrt(2 / 300)
    if abs(std / target - 1) < 0.05 and abs(float(t.data.mean())) < 0.01:
        return ("the distribution is right (std {:.4f}, target {:.4f}) but not the library's numbers: "
                "they were drawn another way than standard normals of t's shape, scaled, so the same "
                "seed gives other weights than the book's.".format(std, target))
    return (f"on a 400 x 300 tensor with fan_in = 300 your weights have mean {t.data.mean():.4f} and "
            f"std {std:.4f}; He wants mean 0 and std sqrt(2 / 300) = {target:.4f}.")




def _check_zero_grad(fn):
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal((3, 4)), requires_grad=True, name="W")
    b = Tensor(rng.standard_normal((1, 4)), requires_grad=True, name="b")
    c = Tensor(rng.standard_normal((2, 2)), requires_grad=True, name="c")
    X = Tensor(rng.standard_normal((5, 3)), name="X")
    for t in (W, b, c):
        t.grad = rng.standard_normal(t.shape).astype(np.float32)
    buffers = {t.name: t.grad for t in (W, b, c)}
    data = {t.name: t.data.copy() for t in (W, b, c, X)}
    case = "zero_grad(W, [b, c], X): three tensors with gradients, given alone and in a list, and X, whose grad is None"
    _call(fn, case, W, [b, c], X, raised=[
        (_mentions("list", "grad"), "zero_grad accepts tensors and lists of tensors, and the given loop "
         "already flattens them: your code treated a list as one tensor."),
        (_mentions("NoneType"), "a tensor whose grad is None has no buffer to zero, and your code "
         "tried to zero it anyway.")])
    for t in (W, b, c):
        if t.grad is None:
            raise Failed(case, f"{t.name}.grad became None",
                         "the buffer was thrown away (set to None) instead of zeroed in place: backward "
                         "would allocate a new one on every step.")
        if t.grad is not buffers[t.name]:
            raise Failed(case, f"{t.name}.grad is a new array, not the old buffer set to zero",
                         "a new zero array was bound to t.grad; the old buffer, which training reuses "
                         "every step, still holds its numbers.")
        if np.any(t.grad != 0):
            raise Failed(case, f"{t.name}.grad is not all zero: {_difference('it', t.grad, 0 * t.grad)}",
                         "the tensors inside the list were skipped." if t is not W else None)
    if X.grad is not None:
        raise Failed(case, f"X.grad became {_short(X.grad)}; it was None",
                     "a gradient that was never written must stay None: a zero buffer was made "
                     "where there was none.")
    for t in (W, b, c, X):
        if not np.array_equal(t.data, data[t.name]):
            raise Failed(case, f"{t.name}.data changed", "the numbers were zeroed, not the gradient.")


TASKS = [
    Task("1.1", "zero_grad", "01_tensors", "tensors alone and in a list zeroed in place, a None "
         "gradient left None, the data untouched", _check_zero_grad),
    Task("1.2", "he_init", "01_tensors", "four tensors from (1, 1) to (8, 2): the same weights as "
         "the library's for the same seed, in place, float32 kept", _check_he_init),
]

LADDERS = {
    "1.1": ("The training loop reuses each tensor's gradient buffer every step. Clear the numbers "
            "inside the buffer, not the name that points to it; a tensor whose grad is None has no "
            "buffer yet, and nothing to clear.",
            "In place means that p.grad is the very same array after the call, every entry 0. A "
            "NumPy array can be filled, or assigned to through a slice of all of it, without making "
            "a new one."),
    "1.2": ("Fill t.data with normal numbers of mean 0 and variance 2 / fan_in: the derivation above "
            "the task shows that this variance keeps ReLU activations at one scale, layer after "
            "layer.",
            "rng.standard_normal(shape) draws N(0, 1); times s it is N(0, s^2). So s is the square "
            "root of 2 / fan_in. Write the numbers into t's existing array, so that t keeps its "
            "dtype, and return t."),
}
