"""One spec per op: everything the course knows about an op besides its code.

The op's forward and VJP live side by side in ``autograd_lib/ops.py``; its
spec here holds the rest, in one place: the names of its inputs, the cases
its VJP is checked on (batch 1, width 1, its kink), the mistakes readers make
in its VJP (each with the wrong gradient it gives, to recognise it), the graph
that uses a tensor twice, the first two steps of its hint ladder, and its task
number. The checks of chapter 3, the op tests in ``tests/test_ops.py`` and the
mutants in ``scripts/mutants.py`` read them from here, so adding an op is its
code in ``ops.py``, its spec here and its export in ``autograd_lib/__init__.py``
(see CONTRIBUTING.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import ops
from ..tensor import Tensor


@dataclass
class VJPCase:
    """One call of an op: its inputs (arrays), which need a gradient, extra arguments, dout."""

    name: str
    arrays: list
    grad: list
    kwargs: dict = field(default_factory=dict)
    dout_scale: float = 1.0
    numeric: bool = True


@dataclass(frozen=True)
class OpSpec:
    """What the course knows of one op; its code is ``ops.<name>`` and ``ops.<name>_vjp``.

    ``cases(rng)`` gives the :class:`VJPCase` list a VJP is checked on;
    ``mistakes(entry, dout)`` gives ``[(hint, input index, wrong gradient or None)]``;
    ``used_twice(x)`` builds a loss that uses the tensor ``x`` (of shape ``x_shape``)
    twice, ``used_twice_text`` says how; ``hints`` are the first two steps of the
    hint ladder (the idea, then the math with shapes); ``task`` is the workbook task
    that has the reader write the VJP, or None.
    """

    name: str
    inputs: tuple
    cases: object
    mistakes: object
    used_twice: object
    used_twice_text: str
    hints: tuple
    task: str | None = None
    x_shape: tuple = (1, 3)

    @property
    def forward(self):
        return getattr(ops, self.name)

    @property
    def vjp(self):
        return getattr(ops, f"{self.name}_vjp")


def spec(name):
    """The spec of the op ``name``; an op without one is an error that says what to add."""
    try:
        return SPECS[name]
    except KeyError:
        raise KeyError(f"no spec for the op {name!r}: add one to autograd_lib/course/op_specs.py "
                       f"(the specs there: {sorted(SPECS)})") from None


def _off_kink(rng, shape):
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 1e-2, 0.5, x)


def _elementwise_cases(rng, scale=1.0):
    r = rng.standard_normal
    return [VJPCase("batch 1", [scale * r((1, 4))], [True]),
            VJPCase("width 1", [scale * r((6, 1))], [True]),
            VJPCase("random", [2 * scale * r((5, 4))], [True])]


def _elementwise_twice(op):
    return lambda x: ops.softmax_ce(ops.add_bias(op(x), x), np.array([1]))


# ---- matmul -------------------------------------------------------------------------------------

def _matmul_cases(rng):
    r = rng.standard_normal
    return [VJPCase("batch 1", [r((1, 3)), r((3, 2))], [True, True]),
            VJPCase("width 1", [r((4, 1)), r((1, 3))], [True, True]),
            VJPCase("non-square", [r((4, 3)), r((3, 5))], [True, True]),
            VJPCase("square", [r((3, 3)), r((3, 3))], [True, True]),
            VJPCase("a without requires_grad (like the data X)", [r((4, 3)), r((3, 2))],
                    [False, True])]


def _matmul_mistakes(entry, dout):
    a, b = (t.data for t in entry.inputs)
    square = "with square matrices a missing transpose still multiplies, so only the values give it away"
    return [
        (f"your da multiplies dout by b untransposed; {square}.", 0,
         dout @ b if dout.shape[1] == b.shape[0] else None),
        (f"your db multiplies a untransposed by dout; {square}.", 1,
         a @ dout if a.shape[1] == dout.shape[0] else None),
        ("your db is the transpose of the right one: the factors are in the wrong order.", 1,
         (a.T @ dout).T),
        ("your da is divided by the batch size: matmul has no mean in it (only the loss has).", 0,
         dout @ b.T / dout.shape[0]),
        ("your db is divided by the batch size: matmul has no mean in it (only the loss has).", 1,
         a.T @ dout / dout.shape[0]),
        ("your da is the transpose of the right one: the factors are in the wrong order.", 0,
         (dout @ b.T).T),
    ]


def _matmul_twice(x):
    return ops.softmax_ce(ops.matmul(x, x), np.array([2, 0, 1]))


# ---- add_bias -----------------------------------------------------------------------------------

def _add_bias_cases(rng):
    r = rng.standard_normal
    return [VJPCase("batch 1", [r((1, 4)), r((1, 4))], [True, True]),
            VJPCase("width 1", [r((5, 1)), r((1, 1))], [True, True]),
            VJPCase("batch 4", [r((4, 3)), r((1, 3))], [True, True])]


def _add_bias_mistakes(entry, dout):
    B = dout.shape[0]
    return [
        ("your dbias is the MEAN of dout's rows: the bias was added to every row, so every "
         "row's gradient counts in full.", 1, dout.mean(axis=0, keepdims=True)),
        ("your dbias is dout's first row only: every row used the bias, so all rows' gradients "
         "add up.", 1, dout[:1]),
        ("your da is dout divided by B: adding a bias does not change how the loss depends on "
         "a, so its gradient passes through unchanged.", 0, dout / B),
    ]


def _add_bias_twice(x):
    return ops.softmax_ce(ops.add_bias(ops.tanh(x), x), np.array([1]))


# ---- relu ---------------------------------------------------------------------------------------

def _relu_cases(rng):
    # Away from the kink, where central differences hold, and then exactly on it.
    return [VJPCase("batch 1", [_off_kink(rng, (1, 4))], [True]),
            VJPCase("width 1", [_off_kink(rng, (6, 1))], [True]),
            VJPCase("random", [_off_kink(rng, (5, 4))], [True]),
            VJPCase("inputs exactly 0", [np.array([[-1.0, 0.0, 2.0, 0.0], [0.0, 3.0, -0.5, 0.0]])],
                    [True], numeric=False)]


def _relu_mistakes(entry, dout):
    x = entry.inputs[0].data
    return [
        ("your dx is max(dout, 0): that applies relu to the gradient. The slope that matters "
         "is relu's at the INPUT, which the forward saved.", 0, np.maximum(dout, 0)),
        ("at x == 0 exactly your dx passes dout through (x >= 0?); the library takes the slope "
         "at the kink as 0, as the C library does. It matters: XOR's input (0, 0) puts every "
         "hidden unit exactly at 0 at the start.", 0, dout * (x >= 0)),
        ("your dx is the mask alone: the slope, 0 or 1, was never multiplied by the gradient "
         "arriving from above.", 0, (x > 0).astype(float)),
        ("your dx keeps dout where the input was NOT positive: the mask is inverted.",
         0, dout * (x <= 0)),
        ("your dx multiplies dout by the input x itself; relu's slope is 0 or 1, not x.",
         0, dout * x),
    ]


# ---- tanh and sigmoid: smooth, their slopes written with their outputs -------------------------

def _tanh_mistakes(entry, dout):
    x, y = entry.inputs[0].data, entry.out.data
    return [
        ("your dx squares the INPUT x; tanh's slope is 1 - tanh(x)^2, in terms of its OUTPUT.",
         0, dout * (1 - x * x)),
        ("your dx takes tanh of the output again: entry.out.data is already tanh(x).",
         0, dout * (1 - np.tanh(y) ** 2)),
        ("your dx is the slope alone: it was never multiplied by dout, the gradient arriving "
         "from above.", 0, 1 - y * y),
        ("your dx uses (1 - y) squared; tanh's slope is 1 minus the square of y.",
         0, dout * (1 - y) ** 2),
        ("your dx uses y (1 - y), the slope of the logistic sigmoid, not of tanh.",
         0, dout * y * (1 - y)),
    ]


def _sigmoid_mistakes(entry, dout):
    x, y = entry.inputs[0].data, entry.out.data
    return [
        ("your dx uses the INPUT x; sigmoid's slope is y (1 - y), in terms of its OUTPUT y.",
         0, dout * x * (1 - x)),
        ("your dx takes sigmoid of the output again: entry.out.data is already sigmoid(x).",
         0, dout * (1 / (1 + np.exp(-y))) * (1 - 1 / (1 + np.exp(-y)))),
        ("your dx uses 1 - y^2, the slope of tanh, not of the sigmoid.", 0, dout * (1 - y * y)),
        ("your dx is the slope alone: it was never multiplied by dout, the gradient arriving "
         "from above.", 0, y * (1 - y)),
    ]


# ---- softmax_ce ---------------------------------------------------------------------------------

def _softmax_ce_cases(rng):
    r = rng.standard_normal
    return [VJPCase("batch 1", [r((1, 3))], [True], {"y": np.array([2])}),
            VJPCase("width 1 (one class)", [r((3, 1))], [True], {"y": np.array([0, 0, 0])}),
            VJPCase("batch 4", [2 * r((4, 3))], [True], {"y": np.array([0, 2, 1, 2])}),
            VJPCase("batch 4, dout = 2.5 (the loss scaled downstream)", [r((4, 3))], [True],
                    {"y": np.array([1, 1, 0, 2])}, dout_scale=2.5)]


def _softmax_ce_mistakes(entry, dout):
    p, labels = entry.saved["probs"], entry.saved["labels"]
    onehot = np.eye(p.shape[1])[labels]
    B, scale = p.shape[0], dout[0, 0]
    return [
        ("your dz is B times too large: the loss is a MEAN over the B rows.", 0, scale * (p - onehot)),
        ("your dz ignores dout, the gradient arriving from above: it is 1 when the loss is the end "
         "of the graph, but not when something scales the loss.", 0, (p - onehot) / B),
        ("your dz has the wrong sign: target minus probability instead of probability minus "
         "target.", 0, scale * (onehot - p) / B),
        ("your dz is the probabilities alone: the label's 1 was never taken off each row.",
         0, scale * p / B),
        ("your dz takes 1 off in every row at every row's label (whole columns), not once per row "
         "at that row's own label.", 0, scale * (p - np.isin(np.arange(p.shape[1]), labels)) / B),
    ]


def _softmax_ce_twice(x):
    W = Tensor(np.eye(3), dtype=np.float64)
    return ops.softmax_ce(ops.add_bias(ops.matmul(x, W), x), np.array([1]))


SPECS = {s.name: s for s in [
    OpSpec("matmul", ("a", "b"), _matmul_cases, _matmul_mistakes, _matmul_twice,
           "softmax_ce(matmul(x, x))",
           ("Each input's gradient has that input's shape: a is (B, N), b is (N, M), and dout is "
            "(B, M). From dout and the other input there is one product of each shape.",
            "out = a b, so dL/da_ik = sum_j dout_ij b_kj and dL/db_kj = sum_i a_ik dout_ij: as "
            "matrix products, (B, M) by (M, N) for a and (N, B) by (B, M) for b, with one factor "
            "transposed in each. The inputs are Tensors: their numbers are .data. An input with "
            "requires_grad False gets None."),
           task="3.1", x_shape=(3, 3)),
    OpSpec("add_bias", ("a", "bias"), _add_bias_cases, _add_bias_mistakes, _add_bias_twice,
           "softmax_ce(add_bias(tanh(x), x))",
           ("out = a + bias adds the one bias row to each of the B rows. Moving an entry of a moves "
            "one entry of out; moving an entry of the bias moves a whole column of out.",
            "So da is dout itself, (B, M), and dbias gathers one contribution per "
            "row: dout summed over the batch axis, kept as a row, (1, M)."),
           task="3.2"),
    OpSpec("relu", ("x",), _relu_cases, _relu_mistakes, _elementwise_twice(ops.relu),
           "softmax_ce(add_bias(relu(x), x))",
           ("relu passes its input through where it is positive and gives 0 elsewhere, so its slope "
            "is 1 or 0, entry by entry (0 at exactly 0, the course's convention). The forward "
            "already saved where the input was positive.",
            "dx = dout times [x > 0], entry by entry, shape (B, M): dout where the saved mask is "
            "True, 0 where it is False. A VJP returns a tuple, here of one."),
           task="3.3"),
    OpSpec("tanh", ("x",), _elementwise_cases, _tanh_mistakes, _elementwise_twice(ops.tanh),
           "softmax_ce(add_bias(tanh(x), x))",
           ("The slope of tanh at x is 1 - tanh(x)^2, and tanh(x) is the op's own output, which "
            "the tape already holds.",
            "dx = dout times (1 - y^2), entry by entry, shape (B, M), with y the output, "
            "entry.out.data. A VJP returns a tuple, here of one."),
           task="3.4"),
    OpSpec("sigmoid", ("x",), lambda rng: _elementwise_cases(rng, scale=2.0), _sigmoid_mistakes,
           _elementwise_twice(ops.sigmoid), "softmax_ce(add_bias(sigmoid(x), x))",
           ("Like tanh's, the slope of the sigmoid at x can be written with its own output "
            "sigmoid(x), which the tape already holds.",
            "dx = dout times y (1 - y), entry by entry, shape (B, M), with y the output, "
            "entry.out.data. A VJP returns a tuple, here of one.")),
    OpSpec("softmax_ce", ("z",), _softmax_ce_cases, _softmax_ce_mistakes, _softmax_ce_twice,
           "softmax_ce(x @ I + x)",
           ("For one row, the gradient of -log p_label with respect to the logits is the "
            "probabilities minus the one-hot row of the label. The loss is the mean over B rows, "
            "and everything is scaled by dout, the adjoint that arrives at the loss.",
            "dz = dout[0, 0] (P - onehot(y)) / B, shape (B, C), with P in entry.saved['probs'] "
            "(the tape's own array: work on a copy), the labels in entry.saved['labels'] and "
            "entry.saved['rows'] = 0, ..., B - 1 to pick one entry per row."),
           task="3.5"),
]}
