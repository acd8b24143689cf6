"""Tensors: a 2-D row-major array, its gradient, and He initialisation.

Every value in autograd_lib is a matrix of shape ``(rows, cols)``. A batch of
``B`` inputs with ``N`` features is ``(B, N)``; a bias is ``(1, M)``; a loss
is ``(1, 1)``. Keeping everything 2-D means every op has one shape rule.
"""

from __future__ import annotations

import numpy as np

from .plugin import pluggable

DEFAULT_DTYPE = np.float32


class Tensor:
    """A 2-D array of numbers that can carry a gradient.

    Attributes:
        data: ``(rows, cols)`` NumPy array, C-contiguous (row-major).
            Assigning to it (``t.data = ...``, ``t.data -= ...``) counts as
            a change of the tensor: see ``version``.
        grad: ``None`` until a backward pass first writes to it; afterwards
            an array of the same shape and dtype as ``data``.
        requires_grad: whether backward should compute a gradient for it.
        name: optional label, shown in the tape and in gradient checks.
        is_leaf: ``True`` for a tensor you made, ``False`` for an op's output.
        version: how many times ``data`` has been assigned; the tape keeps
            it for every input, so that backward can refuse a tensor that
            was changed since an op read it.
        incomplete_grad: the ``grad`` array a backward pass left half done
            (it stopped with an error midway), else ``None``; backward and
            the optimisers refuse it until the gradient is zeroed.
    """

    __slots__ = ("_data", "grad", "requires_grad", "name", "is_leaf",
                 "version", "incomplete_grad")

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        if isinstance(data, Tensor):
            raise TypeError(
                "Tensor(...) got a Tensor; use .data to copy its values")
        dtype = DEFAULT_DTYPE if dtype is None else dtype
        _refuse_lossy(data)
        array = np.array(data, dtype=dtype, order="C")
        if array.ndim != 2:
            raise ValueError(
                f"Tensor data must be 2-D (rows, cols); got shape "
                f"{array.shape}. Reshape it, e.g. x.reshape(1, -1) for one "
                f"row.")
        if not np.issubdtype(array.dtype, np.floating):
            raise TypeError(
                f"Tensor data must be floating point; got dtype "
                f"{array.dtype}")
        self._data = array
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.is_leaf = True
        self.version = 0
        self.incomplete_grad = None

    @classmethod
    def _from_op(cls, array, requires_grad):
        # Ops build their outputs from arrays they just made: no copy, no
        # checks.
        t = object.__new__(cls)
        t._data = array
        t.grad = None
        t.requires_grad = requires_grad
        t.name = None
        t.is_leaf = False
        t.version = 0
        t.incomplete_grad = None
        return t

    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, array):
        if not isinstance(array, np.ndarray) or array.ndim != 2:
            raise ValueError(
                f"Tensor data must be a 2-D NumPy array; got "
                f"{_describe(array)}")
        self._data = array
        self.version += 1

    @property
    def shape(self):
        """``(rows, cols)``."""
        return self._data.shape

    @property
    def rows(self):
        return self._data.shape[0]

    @property
    def cols(self):
        return self._data.shape[1]

    @property
    def dtype(self):
        return self._data.dtype

    def item(self):
        """The value of a ``(1, 1)`` tensor as a Python float."""
        if self._data.shape != (1, 1):
            raise ValueError(
                f"item() needs a (1, 1) tensor; this one is "
                f"{self._data.shape}")
        return float(self._data[0, 0])

    def __repr__(self):
        label = f"{self.name}: " if self.name else ""
        grad = "None" if self.grad is None else "set"
        return (f"<Tensor {label}shape={self.shape} dtype={self.dtype} "
                f"requires_grad={self.requires_grad} grad={grad}>")


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


def _refuse_lossy(data):
    """Refuse data that conversion to floats would change without a word:
    a mask dropped, an imaginary part dropped, None or text turned into
    numbers, rows of different lengths."""
    if isinstance(data, np.ma.MaskedArray):
        raise TypeError(
            "Tensor data is a masked array; a Tensor has no mask, so the "
            "hidden values would be used as if they were data. Fill them "
            "(data.filled(0.0)) or drop those rows first.")
    try:
        kind = np.asarray(data).dtype.kind
    except ValueError:
        raise ValueError(
            "Tensor data rows must all have the same length; this data is "
            "ragged. Make every row as long as the others.") from None
    if kind == "c":
        raise TypeError(
            "Tensor data is complex; its imaginary part would be dropped. "
            "Pass data.real, data.imag or abs(data), whichever you mean.")
    if kind in "OUSV":
        raise TypeError(
            "Tensor data must be numbers; this data holds Python objects or "
            "text (None, say, for a missing value). Replace them with "
            "numbers, or drop those rows.")


@pluggable
def he_init(t, fan_in, rng):
    """Fill ``t.data`` in place with He-initialised weights, N(0, 2/fan_in).

    Scaling by sqrt(2 / fan_in) keeps the variance of ReLU activations
    about constant from layer to layer (He et al. 2015). ``rng`` must be a
    ``numpy.random.Generator``, so that every random number has a seed; the
    weights are ``rng.standard_normal(t.shape)`` scaled, so a seed always
    gives the same ones. Returns ``t``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"he_init needs a numpy.random.Generator, got "
            f"{type(rng).__name__}; use numpy.random.default_rng(seed)")
    if fan_in < 1:
        raise ValueError(f"fan_in must be at least 1, got {fan_in}")
    std = np.sqrt(2.0 / fan_in)
    t.data[...] = rng.standard_normal(t.shape) * std
    return t


@pluggable
def zero_grad(*tensors):
    """Set the gradients of ``tensors`` to zero before the next backward.

    Without this, backward would add the new gradients to the old ones. A
    buffer that exists is zeroed in place, so training reuses the same
    memory every step; a gradient never written stays ``None``. Accepts
    tensors or lists of them: ``zero_grad(W, b)``, ``zero_grad(model.params)``.
    """
    for p in tensors_in("zero_grad", tensors):
        if p.grad is not None:
            p.grad.fill(0)


def tensor_label(t):
    """How error messages name a tensor: ``'W1' (2, 8)``, or ``of shape
    (4, 8)`` for one without a name."""
    return f"'{t.name}' {t.shape}" if t.name else f"of shape {t.shape}"


def refuse_incomplete(caller, *tensors):
    """Raise if a ``grad`` is one a failed backward pass left half done.

    A gradient zeroed in place, set to ``None`` or replaced since then is
    whole again, and its mark is dropped.
    """
    for t in tensors:
        g = t.incomplete_grad
        if g is None:
            continue
        if g is t.grad and g.any():
            raise RuntimeError(
                f"{caller}: the gradient of the tensor {tensor_label(t)} is "
                f"incomplete: the last backward() stopped with an error "
                f"after adding only part of it. Call zero_grad on the "
                f"parameters (or optimizer.zero_grad()), then run the "
                f"forward pass and backward() again.")
        t.incomplete_grad = None


def tensors_in(caller, args):
    """The Tensors in ``args``, each a Tensor or a list or tuple of them.

    Anything else is refused with what to pass instead: ``caller`` names the
    function in the message.
    """
    found = []
    for arg in args:
        for t in arg if isinstance(arg, (list, tuple)) else (arg,):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"{caller} takes Tensors or lists of them, like "
                    f"{caller}(W, b) or {caller}(model.params); got "
                    f"{_what(t)}")
            found.append(t)
    return found


def _what(value):
    if isinstance(value, np.ndarray):
        return ("a NumPy array, which has no gradient: pass the Tensor "
                "whose .data it is")
    if hasattr(value, "params"):
        return (f"a model ({type(value).__name__}): pass its parameters, "
                f"model.params")
    if hasattr(value, "__next__"):
        return (f"a {type(value).__name__}, which can be read only once: "
                f"pass a list, list(...)")
    return f"a {type(value).__name__}"
