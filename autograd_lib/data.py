"""Data sets for the course, and the tools to split, standardise and batch.

Inputs are Tensors ``(n_samples, n_features)``, one sample per row; labels
are int64 arrays ``(n_samples,)`` of class indices. Every random choice comes
from a seeded ``numpy.random.Generator``, so a seed always gives the same
data, split and batches.
"""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np

from .guards import (check_batches, check_fractions, check_samples,
                     check_seed, check_standardizer, check_two_moons,
                     refuse_empty_parts)
from .plugin import pluggable
from .tensor import DEFAULT_DTYPE, Tensor


def xor_data(dtype=DEFAULT_DTYPE):
    """The four XOR points: ``X``, a ``(4, 2)`` Tensor, and ``y``, 4 ints.

    Class 1 when exactly one input is 1. No line through the plane separates
    {(0,0), (1,1)} from {(0,1), (1,0)}.
    """
    X = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype, name="X")
    y = np.array([0, 1, 1, 0])
    return X, y


def two_moons(n_samples=200, noise=0.1, seed=0, dtype=DEFAULT_DTYPE):
    """Two interleaving half circles: ``X`` ``(n_samples, 2)``, ``y`` int64.

    Class 0 is the upper half of the unit circle; class 1 is the lower half,
    moved to centre ``(1, 0.5)``, so that each moon reaches into the other's
    hollow. Class 0 gets ``n_samples // 2`` points, class 1 the rest, evenly
    spaced along each arc; they are shuffled, then moved by Gaussian noise
    of standard deviation ``noise``, all from
    ``numpy.random.default_rng(seed)``. ``X`` is a Tensor and ``y`` an array
    ``(n_samples,)``. The construction of scikit-learn's ``make_moons``.
    """
    check_two_moons(n_samples, noise)
    rng = _seeded_rng("two_moons", seed)
    n_upper = int(n_samples) // 2
    upper = np.linspace(0, np.pi, n_upper)
    lower = np.linspace(0, np.pi, int(n_samples) - n_upper)
    points = np.concatenate([
        np.stack([np.cos(upper), np.sin(upper)], axis=1),
        np.stack([1 - np.cos(lower), 0.5 - np.sin(lower)], axis=1),
    ])
    labels = np.repeat(np.array([0, 1], dtype=np.int64),
                       [n_upper, len(lower)])
    order = rng.permutation(len(labels))
    points = points[order] + noise * rng.standard_normal(points.shape)
    return Tensor(points, dtype=dtype, name="X"), labels[order]


def digits(dtype=DEFAULT_DTYPE):
    """1,797 handwritten digits of 8x8 pixels: ``X`` ``(1797, 64)``, ``y``.

    Each row of the Tensor ``X`` is one image, its pixels row by row, values
    0 (white) to 16 (black); ``X.data.reshape(-1, 8, 8)`` gives the images
    back for plotting. ``y`` is an int64 array ``(1797,)`` of the digits 0
    to 9, about 180 of each. The data (the test set of the UCI "Optical
    Recognition of Handwritten Digits", by E. Alpaydin and C. Kaynak, CC BY
    4.0) ship with ``autograd_lib`` as ``digits.csv.gz``, the same file
    scikit-learn's ``load_digits`` reads: one image per line, its 64 pixels
    and then its label. Nothing is downloaded.
    """
    packed = resources.files(__package__).joinpath("digits.csv.gz")
    with packed.open("rb") as raw, gzip.open(raw, "rt") as lines:
        table = np.loadtxt(lines, delimiter=",")
    X = Tensor(table[:, :-1], dtype=dtype, name="X")
    return X, table[:, -1].astype(np.int64)


def split(X, y, fractions=(0.6, 0.2, 0.2), seed=0):
    """Shuffle the samples and cut them into parts: train, validation, test.

    ``X`` is a ``(B, N)`` Tensor and ``y`` its ``B`` labels; returns one
    pair ``(X_part, y_part)`` per fraction, in order. The split is
    stratified: each class is shuffled and cut on its own, so every part
    has each class in about the proportions of the whole, and a part's size
    is within a few samples of ``fraction * B``. The shuffles come from
    ``numpy.random.default_rng(seed)``.
    """
    labels = check_samples("split", X, y)
    bounds = check_fractions(fractions)
    rng = _seeded_rng("split", seed)
    parts = [[] for _ in bounds]
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        cuts = np.round(bounds[:-1] * len(members)).astype(int)
        for part, chunk in zip(parts, np.split(members, cuts)):
            part.append(chunk)
    indices = [rng.permutation(np.concatenate(part)) for part in parts]
    refuse_empty_parts(indices, fractions)
    return tuple(_take(X, labels, index) for index in indices)


class Standardizer:
    """Scales each column to mean 0 and standard deviation 1 on train data.

    ``Standardizer(X_train)`` measures ``mean`` and ``std`` of each column
    of the ``(B, N)`` training Tensor, both ``(1, N)``. Calling it on any
    ``(B', N)`` Tensor, training, validation or test, applies those same
    statistics: ``(X - mean) / std``. Measuring them on the training data
    alone keeps the validation and test data unseen. A column constant in
    the training data (the digits' corner pixels are always 0) has ``std``
    0: it is shifted but not scaled (its ``scale`` is 1), so nothing is
    divided by zero.
    """

    def __init__(self, X_train):
        check_standardizer("Standardizer", X_train)
        # Statistics in float64: a float32 sum over many rows loses digits.
        data = X_train.data.astype(np.float64)
        self.mean = data.mean(axis=0, keepdims=True)
        self.std = data.std(axis=0, keepdims=True)
        constant = (data.max(axis=0, keepdims=True)
                    == data.min(axis=0, keepdims=True))
        self.scale = np.where(constant, 1.0, self.std)

    def __call__(self, X):
        """``(X - mean) / scale``: a new Tensor of ``X``'s shape and dtype."""
        check_standardizer("a Standardizer", X, self.mean.shape[1])
        return Tensor((X.data - self.mean) / self.scale, dtype=X.dtype,
                      name=X.name)


@pluggable
def batches(X, y, batch_size, rng):
    """The samples in minibatches, in an order shuffled by ``rng``.

    ``X`` is a ``(B, N)`` Tensor and ``y`` its ``B`` labels; returns a
    list of pairs ``(X_batch, y_batch)``, ``(batch_size, N)`` and
    ``(batch_size,)``, the last smaller if ``batch_size`` does not divide
    ``B``. Every sample is in exactly one batch, with its own label: one
    permutation, ``rng.permutation(B)``, orders both. ``rng`` is a
    ``numpy.random.Generator``: make it once with
    ``numpy.random.default_rng(seed)`` and pass it every epoch, and each
    epoch gets a new order while the whole run stays the same for a seed.
    """
    labels = check_batches(X, y, batch_size, rng)
    order = rng.permutation(X.rows)
    parts = []
    for start in range(0, X.rows, batch_size):
        index = order[start:start + batch_size]
        X_batch = Tensor(X.data[index], dtype=X.dtype, name=X.name)
        parts.append((X_batch, labels[index]))
    return parts


def _take(X, labels, index):
    return Tensor(X.data[index], dtype=X.dtype, name=X.name), labels[index]


def _seeded_rng(owner, seed):
    return np.random.default_rng(check_seed(owner, seed))
