"""Data sets for the course."""

from __future__ import annotations

import numpy as np

from .tensor import DEFAULT_DTYPE, Tensor


def xor_data(dtype=DEFAULT_DTYPE):
    """The four XOR points: ``X`` is a ``(4, 2)`` Tensor, ``y`` a length-4 int array.

    Class 1 when exactly one input is 1. No line through the plane separates
    {(0,0), (1,1)} from {(0,1), (1,0)}.
    """
    X = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype, name="X")
    y = np.array([0, 1, 1, 0])
    return X, y
