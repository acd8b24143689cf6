"""The ops: each forward sits directly above its VJP.

A VJP (vector-Jacobian product) takes ``dout = dL/d(out)`` and returns
``dL/d(input)`` for each input, as a tuple, without ever building the
Jacobian. A rule may return ``dout`` itself: backward never changes an
array a rule returned. Each forward records ``(op, inputs, out, saved)`` on the
tape, and each VJP is registered in ``VJP_RULES`` under its op's name,
where ``backward`` finds it.
"""

from __future__ import annotations

import numpy as np

from .guards import check_add_bias, check_labels, check_matmul, check_tensor
from .tape import LIBRARY_RULES, VJP_RULES, record
from .tensor import Tensor


# ---- matmul: (B, N) @ (N, M) -> (B, M) --------------------------------------

def matmul(a, b):
    """``a @ b``: ``(B, N) @ (N, M) -> (B, M)``. VJP: :func:`matmul_vjp`."""
    check_matmul(a, b)
    out = Tensor._from_op(a.data @ b.data, a.requires_grad or b.requires_grad)
    record("matmul", (a, b), out)
    return out


def matmul_vjp(entry, dout):
    """VJP of ``out = a @ b``: returns ``(da, db)``, one per input.

    ``a`` is ``(B, N)`` and ``b`` is ``(N, M)``, the Tensors in
    ``entry.inputs``; ``dout``, the loss's gradient with respect to ``out``,
    is ``(B, M)``. ``da`` has a's shape and ``db`` has b's. An input that
    needs no gradient gets ``None``.
    """
    a, b = entry.inputs
    da = dout @ b.data.T if a.requires_grad else None
    db = a.data.T @ dout if b.requires_grad else None
    return da, db


VJP_RULES["matmul"] = matmul_vjp


# ---- add_bias: (B, M) + (1, M) -> (B, M) ------------------------------------

def add_bias(a, bias):
    """``a + bias``, the bias row added to every row: ``(B, M) + (1, M)``.

    The result is ``(B, M)``. Its VJP is :func:`add_bias_vjp`.
    """
    check_add_bias(a, bias)
    requires_grad = a.requires_grad or bias.requires_grad
    out = Tensor._from_op(a.data + bias.data, requires_grad)
    record("add_bias", (a, bias), out)
    return out


def add_bias_vjp(entry, dout):
    """VJP of ``out = a + bias`` (bias added to each row): ``(da, dbias)``.

    ``dout`` and ``da`` are ``(B, M)``; ``dbias`` has the bias's shape
    ``(1, M)``: the forward copied one bias row into all B rows.
    """
    a, bias = entry.inputs
    da = dout if a.requires_grad else None
    dbias = dout.sum(axis=0, keepdims=True) if bias.requires_grad else None
    return da, dbias


VJP_RULES["add_bias"] = add_bias_vjp


# ---- relu: elementwise max(0, x) --------------------------------------------

def relu(x):
    """``max(0, x)`` elementwise: ``(B, M) -> (B, M)``.

    Saves the mask ``x > 0`` for its VJP, :func:`relu_vjp`, and as the
    entry's ``kink``. At exactly ``x == 0`` the derivative is taken as 0 (a
    valid subgradient, and the convention of the C library this course
    follows).
    """
    check_tensor("relu", "x", x)
    mask = x.data > 0
    out = Tensor._from_op(np.maximum(x.data, 0), x.requires_grad)
    record("relu", (x,), out, saved={"mask": mask}, kink=mask)
    return out


def relu_vjp(entry, dout):
    """VJP of ``out = max(0, x)``: returns ``(dx,)``, ``dx`` of x's shape.

    ``dout`` and ``dx`` are ``(B, M)``. The forward saved
    ``entry.saved["mask"]``, True where ``x`` was positive; at exactly 0
    the slope is taken as 0.
    """
    return (dout * entry.saved["mask"],)


VJP_RULES["relu"] = relu_vjp


# ---- tanh: elementwise, smooth ----------------------------------------------

def tanh(x):
    """``tanh(x)`` elementwise: ``(B, M) -> (B, M)``.

    Its VJP, :func:`tanh_vjp`, needs only the output, so nothing is saved.
    """
    check_tensor("tanh", "x", x)
    out = Tensor._from_op(np.tanh(x.data), x.requires_grad)
    record("tanh", (x,), out)
    return out


def tanh_vjp(entry, dout):
    """VJP of ``y = tanh(x)``: returns ``(dx,)``, ``dx`` of x's shape.

    ``dout`` and ``dx`` are ``(B, M)``. Nothing is saved: the derivative of
    tanh can be written in terms of tanh itself, the output
    ``entry.out.data``.
    """
    y = entry.out.data
    return (dout * (1 - y * y),)


VJP_RULES["tanh"] = tanh_vjp


# ---- sigmoid: elementwise, smooth, into (0, 1) ----------------------------

def sigmoid(x):
    """``1 / (1 + exp(-x))`` elementwise: ``(B, M) -> (B, M)``.

    Its VJP, :func:`sigmoid_vjp`, needs only the output, so nothing is
    saved.
    """
    check_tensor("sigmoid", "x", x)
    # exp of -|x| only, so that no exponent overflows: for x < 0 the
    # sigmoid is exp(x) / (1 + exp(x)), the same number.
    e = np.exp(-np.abs(x.data))
    y = np.where(x.data >= 0, 1, e) / (1 + e)
    out = Tensor._from_op(y.astype(x.dtype, copy=False), x.requires_grad)
    record("sigmoid", (x,), out)
    return out


def sigmoid_vjp(entry, dout):
    """VJP of ``y = sigmoid(x)``: returns ``(dx,)``, ``dx`` of x's shape.

    ``dout`` and ``dx`` are ``(B, M)``. Like tanh's, the sigmoid's slope
    is written with its output: ``y (1 - y)``, ``y = entry.out.data``.
    """
    y = entry.out.data
    return (dout * y * (1 - y),)


VJP_RULES["sigmoid"] = sigmoid_vjp


# ---- softmax_ce: softmax and cross-entropy, (B, C) -> (1, 1) mean loss ------

def softmax_ce(z, y):
    """Mean cross-entropy of ``softmax(z)`` against integer labels ``y``.

    Shapes: ``z`` is ``(B, C)`` logits, ``y`` holds ``B`` class indices in
    ``[0, C)``; the result is a ``(1, 1)`` tensor.

    The forward uses log-sum-exp,
    ``log p = z - max(z) - log(sum(exp(z - max(z))))``, so no exponent
    overflows however large the logits are. Saves the probabilities ``p``
    and the labels for its VJP, :func:`softmax_ce_vjp`.
    """
    check_tensor("softmax_ce", "z", z)
    labels = check_labels(y, z.data.shape)
    zd = z.data
    batch = zd.shape[0]
    shifted = zd - zd.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    # int64 like the labels on every platform (NumPy's default integer is
    # 32-bit in Pyodide, which runs the book's live edition).
    rows = np.arange(batch, dtype=np.int64)
    log_p_true = shifted[rows, labels] - np.log(total[:, 0])
    loss = np.array([[-log_p_true.sum() / batch]], dtype=zd.dtype)
    out = Tensor._from_op(loss, z.requires_grad)
    saved = {"probs": exp / total, "labels": labels, "rows": rows}
    record("softmax_ce", (z,), out, saved=saved)
    return out


def softmax_ce_vjp(entry, dout):
    """VJP of the mean cross-entropy of ``softmax(z)``: returns ``(dz,)``.

    ``dout`` is ``(1, 1)``, the loss's own adjoint (1 unless something
    scales the loss), and ``dz`` has z's shape ``(B, C)``. The forward saved
    the probabilities in ``entry.saved["probs"]`` ``(B, C)``, the labels in
    ``entry.saved["labels"]`` ``(B,)`` and ``entry.saved["rows"] =
    arange(B)``; they belong to the tape and stay as they are.
    """
    saved = entry.saved
    dz = saved["probs"].copy()
    dz[saved["rows"], saved["labels"]] -= 1
    dz *= dout[0, 0] / dz.shape[0]
    return (dz,)


VJP_RULES["softmax_ce"] = softmax_ce_vjp

# The rules above are the library's own; apply_vjp checks what any other
# rule returns before backward adds it in.
LIBRARY_RULES.update(VJP_RULES)


def argmax_rows(t):
    """Index of the largest entry in each row: ``(B, C) -> (B,)`` integers."""
    data = t.data if isinstance(t, Tensor) else np.asarray(t)
    if data.ndim != 2:
        raise ValueError(
            f"argmax_rows needs a 2-D (B, C) array; got shape {data.shape}")
    return data.argmax(axis=1)
