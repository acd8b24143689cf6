"""Tensors: a 2-D row-major array, its gradient, and He initialisation.

Every value in autograd_lib is a matrix of shape ``(rows, cols)``. A batch of
``B`` inputs with ``N`` features is ``(B, N)``; a bias is ``(1, M)``; a loss
is ``(1, 1)``. Keeping everything 2-D means every op has one shape rule.
"""

from __future__ import annotations

import numpy as np

from .guards import (check_data, check_flag, check_grad, check_init_args,
                     check_name, tensor_data, tensors_in)
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
        # A copy, C-ordered, 2-D floats: tensor_data refuses anything else.
        self._data = tensor_data(data,
                                 DEFAULT_DTYPE if dtype is None else dtype)
        self._grad = None
        self.requires_grad = check_flag("Tensor", "requires_grad",
                                        requires_grad)
        self.name = check_name(name)
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


