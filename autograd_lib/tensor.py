"""Tensors: a 2-D row-major array, its gradient, and He initialisation.

Every value in autograd_lib is a matrix of shape ``(rows, cols)``. A batch of
``B`` inputs with ``N`` features is ``(B, N)``; a bias is ``(1, M)``; a loss
is ``(1, 1)``. Keeping everything 2-D means every op has one shape rule.
"""

from __future__ import annotations

import numbers

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
            an array of the same shape and dtype as ``data`` (one of
            another float dtype is converted; another shape is refused).
        requires_grad: whether backward should compute a gradient for it.
        name: optional label, shown in the tape and in gradient checks.
        is_leaf: ``True`` for a tensor you made, ``False`` for an op's output.
        version: how many times ``data`` has been assigned; the tape keeps
            it for every input, so that backward can refuse a tensor that
            was changed since an op read it.
    """

    __slots__ = ("_data", "_grad", "requires_grad", "name", "is_leaf",
                 "version")

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        if isinstance(data, Tensor):
            raise TypeError(
                "Tensor(...) got a Tensor; use .data to copy its values")
        dtype = float_dtype("Tensor",
                            DEFAULT_DTYPE if dtype is None else dtype)
        _refuse_lossy(data)
        array = np.array(data, dtype=dtype, order="C")
        if array.ndim != 2:
            raise ValueError(
                f"Tensor data must be 2-D (rows, cols); got shape "
                f"{array.shape}. Reshape it, e.g. x.reshape(1, -1) for one "
                f"row.")
        self._data = array
        self._grad = None
        self.requires_grad = check_flag("Tensor", "requires_grad",
                                        requires_grad)
        self.name = _check_name(name)
        self.is_leaf = True
        self.version = 0

    @classmethod
    def _from_op(cls, array, requires_grad):
        # Ops build their outputs from arrays they just made: no copy, no
        # checks.
        t = object.__new__(cls)
        t._data = array
        t._grad = None
        t.requires_grad = requires_grad
        t.name = None
        t.is_leaf = False
        t.version = 0
        return t

    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, array):
        # t.data -= x hands back the same array, already checked.
        self._data = array if array is self._data else check_data(array)
        self.version += 1

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, array):
        # A gradient has its tensor's shape and dtype (NumPy would promote a
        # float32 parameter's gradient to float64 when the data was float64).
        data = self._data
        if array is not None and not (type(array) is np.ndarray
                                      and array.shape == data.shape
                                      and array.dtype == data.dtype):
            array = check_grad(self, array)
        self._grad = array

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


def float_dtype(owner, dtype):
    """``dtype`` as a NumPy floating-point dtype, or a clear refusal."""
    try:
        found = np.dtype(dtype)
    except TypeError:
        found = None
    if found is None or not np.issubdtype(found, np.floating):
        raise TypeError(
            f"{owner}: dtype must be a floating-point type, like np.float32 "
            f"(the default) or np.float64; got "
            f"{getattr(dtype, '__name__', repr(dtype))}")
    return found


def check_flag(owner, name, value):
    """``value`` as a bool, if it is one: ``"False"`` or ``None`` is not."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{owner}: {name} must be True or False, got "
            f"{type(value).__name__} {value!r}")
    return bool(value)


def _check_name(name):
    if name is not None and not isinstance(name, str):
        raise TypeError(
            f"Tensor: name must be a string, like name=\"W1\", or None; got "
            f"{type(name).__name__} {name!r}")
    return name


def check_data(array):
    """What ``t.data = array`` accepts: what ``Tensor(...)`` would make.

    A plain 2-D NumPy array of floats; anything else is refused with what
    to pass instead, rather than failing in some later op.
    """
    if isinstance(array, Tensor):
        raise TypeError(
            "Tensor data must be a NumPy array, got a Tensor; assign its "
            "values, t.data = other.data.copy()")
    if isinstance(array, np.ma.MaskedArray) or isinstance(array, np.matrix):
        kind = "masked" if isinstance(array, np.ma.MaskedArray) else "matrix"
        raise TypeError(
            f"Tensor data must be a plain NumPy array, got a {kind} array "
            f"(np.{'ma.' if kind == 'masked' else ''}{type(array).__name__}, "
            f"whose {'mask' if kind == 'masked' else 'matrix'} rules the "
            f"ops do not follow); pass np.asarray(...)"
            f"{' after filling the mask' if kind == 'masked' else ''}")
    if not isinstance(array, np.ndarray) or array.ndim != 2:
        raise ValueError(
            f"Tensor data must be a 2-D NumPy array; got "
            f"{_describe(array)}")
    if array.dtype.kind != "f":  # np.issubdtype: the same answer, 30x slower
        raise TypeError(
            f"Tensor data must be floating point, got dtype {array.dtype}; "
            f"convert it, e.g. array.astype(np.float32)")
    return array


def check_grad(t, array):
    """What ``t.grad = array`` accepts: an array of floats of t's shape,
    returned in t's dtype. ``0`` or a scalar is refused: ``None`` clears a
    gradient, and ``zero_grad`` zeroes one."""
    if isinstance(array, Tensor):
        raise TypeError(
            "a grad is a NumPy array, got a Tensor; assign its .data")
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"the grad of the tensor {tensor_label(t)} must be None or an "
            f"array of its shape {t.shape}; got {type(array).__name__} "
            f"{array!r}. To clear a gradient: t.grad = None or zero_grad(t)")
    if array.shape != t.shape:
        raise ValueError(
            f"the grad of the tensor {tensor_label(t)} must have its shape "
            f"{t.shape}; got an array of shape {array.shape}, which would be "
            f"broadcast into the wrong entries")
    if array.dtype.kind != "f":
        raise TypeError(
            f"the grad of the tensor {tensor_label(t)} must be floating "
            f"point, got dtype {array.dtype}")
    return array.astype(t._data.dtype)


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
    if kind in "mM":
        raise TypeError(
            "Tensor data holds dates or times (datetime64 or timedelta64); "
            "as floats they would be counts of days or seconds without a "
            "word. Convert them to the numbers you mean first.")
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
    check_init_args(t, fan_in, rng)
    std = np.sqrt(2.0 / fan_in)
    t.data[...] = rng.standard_normal(t.shape) * std
    return t


def check_init_args(t, fan_in, rng):
    """Refuse what :func:`he_init` cannot fill right: not a Tensor, a
    ``fan_in`` that is not a whole number from 1 up (NaN would fill the
    weights with NaN), or a seed or the global random state in place of a
    ``numpy.random.Generator``."""
    if not isinstance(t, Tensor):
        raise TypeError(
            f"he_init fills a Tensor in place, got {_what(t)}")
    if (not isinstance(fan_in, numbers.Integral) or isinstance(fan_in, bool)
            or fan_in < 1):
        raise ValueError(
            f"he_init: fan_in, the number of inputs each unit adds up, must "
            f"be a whole number of at least 1, like W.rows; got {fan_in!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"he_init needs a numpy.random.Generator, got "
            f"{type(rng).__name__}; use numpy.random.default_rng(seed)")


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
    if isinstance(value, dict):
        return ("a dict: pass its tensors, list(d.values())")
    if hasattr(value, "__next__"):
        return (f"a {type(value).__name__}, which can be read only once: "
                f"pass a list, list(...)")
    return f"a {type(value).__name__}"
