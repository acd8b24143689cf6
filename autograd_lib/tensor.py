"""Tensors: a 2-D row-major array, its gradient, and He initialisation.

Every value in autograd_lib is a matrix of shape ``(rows, cols)``. A batch of
``B`` inputs with ``N`` features is ``(B, N)``; a bias is ``(1, M)``; a loss
is ``(1, 1)``. Keeping everything 2-D means every op has one shape rule.
"""

from __future__ import annotations

import numpy as np

from .guards import (check_data, check_flag, check_grad, check_init_args,
                     check_item, check_name, tensor_data, tensor_repr,
                     tensors_in)
from .plugin import pluggable

DEFAULT_DTYPE = np.float32


class Tensor:
    """A 2-D array of numbers, ``data`` ``(rows, cols)``, and its gradient.

    ``grad`` is ``None`` until backward writes it, then an array of data's
    shape and dtype. Assigning ``data`` counts up ``version``, which the
    tape checks (and while a tape holds ``data``, it is read-only);
    ``is_leaf`` is ``False`` for an op's output.
    """

    __slots__ = ("_data", "_grad", "requires_grad", "name", "is_leaf",
                 "version")

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self._data = tensor_data(data, dtype)  # a checked, row-major copy
        self._grad = None
        self.requires_grad = check_flag("Tensor", "requires_grad",
                                        requires_grad)
        self.name = check_name(name)
        self.is_leaf = True
        self.version = 0

    @classmethod
    def _from_op(cls, array, requires_grad):
        # An op's output: the op has just made the array, so no copy.
        t = object.__new__(cls)
        t._data, t._grad, t.requires_grad = array, None, requires_grad
        t.name, t.is_leaf, t.version = None, False, 0
        return t

    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, array):
        self._data = check_data(array, self._data)
        self.version += 1

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, array):
        self._grad = check_grad(self, array)

    shape = property(lambda self: self._data.shape, doc="(rows, cols)")
    rows = property(lambda self: self._data.shape[0])
    cols = property(lambda self: self._data.shape[1])
    dtype = property(lambda self: self._data.dtype)

    def item(self):
        """The value of a ``(1, 1)`` tensor as a Python float."""
        return float(check_item(self)[0, 0])

    def __repr__(self):
        return tensor_repr(self)


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


