"""Chapter 3's checks: the VJP rules, from each op's spec."""

from __future__ import annotations

import numpy as np

from ... import gradcheck, tape
from ...tape import Tape, VJP_RULES, no_grad
from ...tensor import Tensor
from ..op_specs import SPECS, spec
from . import core
from .core import (Failed, Task, _call, _difference, _first_match, _kind, _mentions, _same, _shapes, _short,
                   _verdict)


def _record_op(op, arrays, grad, kwargs):
    with Tape() as recorded:
        inputs = [Tensor(a, requires_grad=g, dtype=np.float64, name=n)
                  for a, g, n in zip(arrays, grad, spec(op).inputs)]
        out = spec(op).forward(*inputs, **kwargs)
    return recorded.entries[-1], out


def _numeric_vjp(op, arrays, k, dout, kwargs, h=1e-6):
    """Central differences of ``sum(dout * op(arrays))`` with respect to ``arrays[k]``."""
    values = [np.array(a, dtype=np.float64) for a in arrays]

    def f():
        with no_grad():
            return float(np.sum(dout * spec(op).forward(
                *[Tensor(v, dtype=np.float64) for v in values], **kwargs).data))

    grad = np.zeros_like(values[k])
    for idx in np.ndindex(*values[k].shape):
        saved = values[k][idx]
        values[k][idx] = saved + h
        plus = f()
        values[k][idx] = saved - h
        minus = f()
        values[k][idx] = saved
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def _check_vjp(op):
    def run(fn):
        rng = np.random.default_rng(sum(map(ord, op)))
        for c in spec(op).cases(rng):
            entry, out = _record_op(op, c.arrays, c.grad, c.kwargs)
            dout = c.dout_scale * np.ones((1, 1)) if op == "softmax_ce" else rng.standard_normal(out.shape)
            names = spec(op).inputs
            case = (f"{c.name}: " + _shapes(**{n: a for n, a in zip(names, c.arrays)}, dout=dout)
                    + (f", labels {c.kwargs['y'].tolist()}" if "y" in c.kwargs else ""))
            saved_before = {k: v.copy() for k, v in entry.saved.items() if isinstance(v, np.ndarray)}
            given = dout.copy()  # the reader's function may keep the one it is given, or change it
            grads = _call(fn, case, entry, given, raised=[
                (_mentions("mismatch in its core dimension"),
                 "NumPy could not multiply these shapes: a transpose is missing or misplaced. "
                 "Write each factor's shape under it; the result must have the input's shape."),
                (_mentions("'Tensor' object has no attribute"),
                 "an input is a Tensor, not an array: it has no .T or NumPy methods of its own, and "
                 "its numbers are in its data."),
                (_mentions("unsupported operand type", "Tensor"),
                 "a Tensor met an array in arithmetic: a Tensor's numbers are in its data."),
                (_mentions("operands could not be broadcast"),
                 "two arrays of different shapes met in an elementwise operation; check each "
                 "array's shape against the docstring."),
                (_kind(KeyError), "entry.saved holds only what the forward saved: "
                 f"{sorted(entry.saved) or 'nothing'} for {op}, and your code asked for another key.")])
            _check_structure(op, entry, grads, case)
            for k, (name, wanted) in enumerate(zip(names, c.grad)):
                g = grads[k]
                shape = entry.inputs[k].shape
                if g is None:
                    if wanted:
                        raise Failed(case, f"d{name} is None, but {name} requires a gradient",
                                     f"None is only for an input that needs no gradient.")
                    continue
                if np.shape(g) != shape:
                    raise Failed(case, f"d{name} has shape {np.shape(g)}; {name} has shape {shape}",
                                 _shape_hint(op, k, np.shape(g), shape, dout.shape))
                if not np.array_equal(given, dout):
                    raise Failed(case, "your function changed dout in place",
                                 "dout belongs to backward: it is the output's adjoint, and it may "
                                 "be another tensor's too. A rule computes new arrays from it (or "
                                 "returns it as it is), and leaves its numbers alone.")
                if not wanted:
                    continue
                expected = (_numeric_vjp(op, c.arrays, k, dout, c.kwargs) if c.numeric
                            else spec(op).vjp(entry, dout)[k])
                if not _same(g, expected):
                    mistakes = [(h, w) for h, i, w in spec(op).mistakes(entry, dout) if i == k and h]
                    reference = "float64 central differences" if c.numeric else "the library"
                    raise Failed(case, _difference(f"d{name}", g, expected) + f" (expected: {reference})",
                                 _first_match(g, mistakes))
            for key, before in saved_before.items():
                if not np.array_equal(entry.saved[key], before):
                    raise Failed(case, f"entry.saved[{key!r}] was changed by your VJP",
                                 "it was changed in place: the tape's saved arrays must stay as the "
                                 "forward left them.")
        _check_used_twice(op, fn)
    return run


def _check_structure(op, entry, grads, case):
    n = len(entry.inputs)
    example = "(dx,)" if n == 1 else "(da, db)" if op == "matmul" else "(da, dbias)"
    if isinstance(grads, np.ndarray):
        raise Failed(case, f"it returned an array of shape {grads.shape}, not a tuple",
                     f"a VJP returns a tuple with one gradient per input, here {example}"
                     + (" (mind the comma: (dx) is just dx)." if n == 1 else "."))
    if isinstance(grads, (tuple, list)) and any(isinstance(g, Tensor) for g in grads):
        raise Failed(case, "a gradient it returned is a Tensor, not a NumPy array",
                     "VJPs work on numbers: an input's numbers are in its data, and a gradient is a "
                     "plain array.")
    if not isinstance(grads, (tuple, list)) or len(grads) != n:
        got = f"a {type(grads).__name__} of length {len(grads)}" if isinstance(grads, (tuple, list)) \
            else _short(grads)
        raise Failed(case, f"it returned {got}; {op} has {n} input{'s' if n > 1 else ''}",
                     f"a VJP returns one gradient per input, in the order of the inputs: {example}.")


def _shape_hint(op, k, got, want, dout_shape):
    if op == "add_bias" and k == 1:
        if got == (want[1],):
            return "the sum lost its row dimension: the bias is a row, (1, M), and so is its gradient."
        if got == (dout_shape[0], 1) and got != dout_shape:
            return "the sum ran along each row (across the M units), not down the batch."
        return ("the bias was added to every row, so its gradient gathers dout over the batch "
                f"(the rows), shape {want}.")
    if op == "matmul":
        rule = "a's shape (B, N)" if k == 0 else "b's shape (N, M)"
        return f"a gradient has its input's shape, here {rule}: a transpose is missing or misplaced."
    return f"a gradient has the shape of its input, {want}."


def _check_used_twice(op, fn):
    rng = np.random.default_rng(1)
    x_value = rng.standard_normal(spec(op).x_shape)
    loss_of, graph = spec(op).used_twice, spec(op).used_twice_text
    case = f"a tensor used twice, through backward: {graph}, x {x_value.shape}"
    rules = dict(VJP_RULES)
    VJP_RULES[op] = fn
    try:
        with Tape():
            x = Tensor(x_value, requires_grad=True, dtype=np.float64, name="x")
            _call(tape.backward.library, case, loss_of(x))
    finally:
        VJP_RULES.update(rules)

    def f():
        with no_grad():
            return loss_of(Tensor(x_value, dtype=np.float64)).item()

    expected = gradcheck.numeric_gradient.library(f, _Holder(x_value), 1e-6)
    if x.grad is None or not _same(x.grad, expected):
        raise Failed(case, _difference("x.grad", x.grad if x.grad is not None else np.zeros_like(expected),
                                       expected) + " (expected: float64 central differences)")


class _Holder:
    # The smallest thing numeric_gradient can perturb: an object with .data and .shape.
    def __init__(self, array):
        self.data = array
        self.shape = array.shape


def _vjp_task(id, op, checked):
    assert spec(op).task == id, f"op_specs gives {op} the task {spec(op).task}, not {id}"
    return Task(id, f"{op}_vjp", "03_vjps", checked, _check_vjp(op), op)


_VJP_CASES = "against float64 central differences and the library, shapes of batch 1, width 1"


def check_rule(op, fn):
    """Check ``fn`` as the VJP rule of ``op`` and print the verdict; plugs nothing in.

    The cases, the known mistakes and the graph with a tensor used twice come from the op's
    spec (``autograd_lib/course/op_specs.py``), as for the VJP tasks: this is their check, for
    an op that has no task, like the sigmoid of chapter 3's Exercise 1. Returns the
    ``Verdict``.
    """
    s = spec(op)
    task = core.TASKS[s.task] if s.task else Task(
        f"{op}_vjp", f"{op}_vjp", "03_vjps", f"{_VJP_CASES} and 5 x 4, and {s.used_twice_text} through "
        "backward", _check_vjp(op), op)
    verdict = _verdict(task, fn, f"check_rule({op!r}, {task.name})")
    print(verdict)
    return verdict


TASKS = [
    _vjp_task("3.1", "matmul", f"{_VJP_CASES}, non-square and square, an input without "
              "requires_grad, and x @ x through backward"),
    _vjp_task("3.2", "add_bias", f"{_VJP_CASES} and batch 4, dout left as it was, and "
              "add_bias(tanh(x), x) through backward"),
    _vjp_task("3.3", "relu", f"{_VJP_CASES} and 5 x 4, inputs exactly at 0 (slope 0 there), and "
              "add_bias(relu(x), x) through backward"),
    _vjp_task("3.4", "tanh", f"{_VJP_CASES} and 5 x 4, and add_bias(tanh(x), x) through backward"),
    _vjp_task("3.5", "softmax_ce", f"{_VJP_CASES} (one class) and batch 4, an upstream "
              "gradient of 2.5, the saved probabilities left unchanged, and a graph through backward"),
]

LADDERS = {
    **{s.task: s.hints for s in SPECS.values() if s.task},
}
