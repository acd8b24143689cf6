"""Chapter 7's checks: batches, train_epoch."""

from __future__ import annotations

import numpy as np

from ... import data, model, optim
from ...model import MLP
from ...tape import Tape
from ...tensor import Tensor
from .core import Failed, Task, _call, _difference, _first_match, _mentions, _same, _short


def _numbered(n, n_classes=3):
    # Row i is (i, 100 + i, -i) and its label i % n_classes: a batch shows where each row came from.
    X = Tensor(np.column_stack([np.arange(n), 100 + np.arange(n), -np.arange(n)]), name="X")
    return X, np.arange(n) % n_classes


def _check_batches(fn):
    for n, batch_size, seed in [(10, 4, 5), (3, 1, 6), (5, 64, 7)]:
        case = f"X ({n}, 3) float32 with y, batch_size {batch_size}, default_rng({seed})"
        X, y = _numbered(n)
        rng, twin = np.random.default_rng(seed), np.random.default_rng(seed)
        result = _call(fn, case, X, y, batch_size, rng, raised=[
            (_mentions("slice indices must be integers"), "a slice bound is not an int: batch_size "
             "is one, and so are the positions made from it by + and *, but not those made by /.")])
        expected = data.batches.library(X, y, batch_size, twin)
        try:
            pairs = list(result)
        except TypeError:
            raise Failed(case, f"it returned {_short(result)}",
                         "batches returns a list of pairs (X_batch, y_batch), one per batch.") from None
        if not all(isinstance(pair, tuple) and len(pair) == 2 for pair in pairs):
            raise Failed(case, "an item of the result is not a pair (X_batch, y_batch)",
                         "each batch must go into the list as one pair, not as two items.")
        for X_batch, y_batch in pairs:
            if not isinstance(X_batch, Tensor):
                raise Failed(case, f"an X_batch is {_short(X_batch)}",
                             "each X_batch must be a new Tensor of the chosen rows, for the model to "
                             "take.")
            if X_batch.dtype != X.dtype:
                raise Failed(case, f"an X_batch is {X_batch.dtype}; X is {X.dtype}",
                             "the Tensor made for the batch did not keep X's dtype (a new Tensor is "
                             "float32 unless told otherwise).")
            rows = X_batch.data[:, 0].astype(int)
            if not np.array_equal(X_batch.data, X.data[rows]) or not np.array_equal(
                    np.asarray(y_batch), y[rows]):
                raise Failed(case, "a batch pairs rows of X with labels of other rows",
                             "X and y were ordered by different permutations (or slices): each sample "
                             "must keep its own label.")
        sizes = [len(y_batch) for _, y_batch in pairs]
        ids = np.concatenate([X_batch.data[:, 0].astype(int) for X_batch, _ in pairs]) if pairs \
            else np.array([], int)
        want = [len(b) for _, b in expected]
        if sorted(ids.tolist()) != list(range(n)):
            dropped = sum(sizes) < n and all(size == batch_size for size in sizes)
            raise Failed(case, f"the batches hold samples {sorted(ids.tolist())}; every one of 0 to "
                         f"{n - 1} must appear exactly once (batch sizes: yours {sizes}, expected {want})",
                         "the last, smaller batch was dropped: it must be there too." if dropped
                         else "samples repeat or go missing: the batches were not cut from one "
                         "permutation.")
        if sizes != want:
            raise Failed(case, f"the batch sizes are {sizes}; expected {want}",
                         f"the batches are not consecutive pieces of batch_size ({batch_size}), the "
                         f"last one smaller.")
        order = [int(i) for i in ids]
        if n > 3 and order == sorted(order):
            raise Failed(case, f"the samples come in their original order, {order}",
                         "the samples were never shuffled.")
        if rng.bit_generator.state == np.random.default_rng(seed).bit_generator.state:
            raise Failed(case, "rng was not used: its state is as it was before the call",
                         "the order came from somewhere other than the Generator you were given: "
                         "np.random or a new default_rng would give every epoch the same order, or "
                         "one no seed can repeat.")
        expected_order = [int(i) for X_batch, _ in expected for i in X_batch.data[:, 0]]
        if order != expected_order:
            raise Failed(case, f"the samples come in the order {order}; expected {expected_order}",
                         "the order was drawn from rng in another way than one permutation of the "
                         "n indices, so a seed does not give the library's batches.")
        if rng.bit_generator.state != twin.bit_generator.state:
            raise Failed(case, "rng has drawn more numbers than one permutation needs",
                         "rng drew more than one permutation, so the next epoch's order will differ "
                         "from the library's.")


def _check_train_epoch(fn):
    for optimizer_class, hyper, batch_size in [(optim.SGD, dict(lr=0.1, momentum=0.9), 4),
                                               (optim.Adam, dict(lr=0.01), 10)]:
        rng = np.random.default_rng(0)
        X = Tensor(rng.standard_normal((10, 3)), dtype=np.float64, name="X")
        y = rng.integers(0, 3, 10)
        mine, ref = (MLP(3, 5, 3, seed=4, dtype=np.float64) for _ in range(2))
        opt, ref_opt = optimizer_class(mine.params, **hyper), optimizer_class(ref.params, **hyper)
        rng, twin = np.random.default_rng(2), np.random.default_rng(2)
        label = f"{optimizer_class.__name__}({', '.join(f'{k}={v}' for k, v in hyper.items())})"
        for epoch in (1, 2):
            case = (f"epoch {epoch} of two, MLP(3, 5, 3) float64, 10 samples, batch_size {batch_size}, "
                    f"{label}, one default_rng(2) for both epochs")
            alternatives = _epoch_alternatives(ref, optimizer_class, hyper, X, y, batch_size, twin)
            before = rng.bit_generator.state
            with Tape():
                result = _call(fn, case, mine, opt, X, y, batch_size, rng, raised=[
                    (_mentions("'tuple' object has no attribute"),
                     "train_on_batch returns a pair, the loss and the logits, and your code used the "
                     "pair as if it were the loss.")])
                expected = model.train_epoch.library(ref, ref_opt, X, y, batch_size, twin)
            if isinstance(result, Tensor):
                raise Failed(case, f"it returned {_short(result)}",
                             "the epoch's loss is a Python float, not a Tensor.")
            if not isinstance(result, (float, np.floating)) or not np.isfinite(result):
                raise Failed(case, f"it returned {_short(result) if not isinstance(result, float) else result}",
                             "train_epoch returns the epoch's mean loss, a float.")
            if rng.bit_generator.state == before:
                raise Failed(case, "rng was not used: its state is as it was before the call",
                             "the batches did not come from the Generator you were given: a new one "
                             "inside would give every epoch the same order.")
            for p, q in zip(mine.params, ref.params):
                if not _same(p.data, q.data, 1e-9):
                    hint = _first_match(p.data, [
                        ("that is one step on all the samples at once, not one optimiser step per "
                         "minibatch.", alternatives["full batch"][p.name]),
                        ("that is two optimiser steps per minibatch: train_on_batch already steps "
                         "the optimiser, so one more step() after it moves every weight twice.",
                         alternatives["two steps"][p.name]),
                        ("those are plain SGD steps: the optimiser you were given never stepped, "
                         "so its momentum or Adam's scaling is missing (train_step steps with "
                         "sgd_step; train_on_batch steps with the optimiser).",
                         alternatives["plain SGD"][p.name])])
                    raise Failed(case, _difference(f"{p.name}.data after the epoch", p.data, q.data), hint)
            if not _same(result, expected, 1e-9):
                hint = _first_match(result, [
                    ("that is the plain mean of the batches' losses: the last batch is smaller, and "
                     "counted as much as a full one.", alternatives["unweighted"]),
                    ("that is the sum over the samples, not their mean.", alternatives["sum"]),
                    ("that is the last batch's loss, not the mean over the whole epoch.",
                     alternatives["last"])])
                raise Failed(case, f"it returned {result:.6g}; expected {expected:.6g}, the mean loss "
                             f"over the epoch's samples", hint)


def _copy_rng(rng):
    """A Generator that will draw what ``rng`` draws next, leaving ``rng`` as it is."""
    copy = np.random.Generator(type(rng.bit_generator)())
    copy.bit_generator.state = rng.bit_generator.state
    return copy


def _epoch_alternatives(ref, optimizer_class, hyper, X, y, batch_size, rng):
    """What known mistakes would give on this epoch, from copies of ``ref``: loss summaries and weights."""
    def copy_model():
        net = MLP(3, 5, 3, seed=4, dtype=np.float64)
        for p, q in zip(net.params, ref.params):
            p.data[...] = q.data
        return net

    losses, sizes = [], []
    with Tape():
        net = copy_model()
        opt = optimizer_class(net.params, **hyper)
        parts = data.batches.library(X, y, batch_size, _copy_rng(rng))
        for X_batch, y_batch in parts:
            loss, _ = model.train_on_batch(net, opt, X_batch, y_batch)
            losses.append(loss.item())
            sizes.append(len(y_batch))
        full = copy_model()
        model.train_on_batch(full, optimizer_class(full.params, **hyper), X, y)
        twice = copy_model()
        twice_opt = optimizer_class(twice.params, **hyper)
        plain = copy_model()
        for X_batch, y_batch in parts:
            model.train_on_batch(twice, twice_opt, X_batch, y_batch)
            twice_opt.step()
            model.train_step(plain, X_batch, y_batch, hyper["lr"])
    weighted = np.array(losses) * sizes
    return {"unweighted": float(np.mean(losses)), "sum": float(weighted.sum()), "last": losses[-1],
            "full batch": {p.name: p.data for p in full.params},
            "two steps": {p.name: p.data for p in twice.params},
            "plain SGD": {p.name: p.data for p in plain.params}}


TASKS = [
    Task("7.1", "batches", "07_digits", "three cases against the library's: every sample once with its "
         "label, the last batch smaller, the order from rng.permutation", _check_batches),
    Task("7.2", "train_epoch", "07_digits", "two epochs each with SGD with momentum and with Adam, one "
         "Generator for both epochs, against the library's: the weights and the weighted mean loss",
         _check_train_epoch),
]

LADDERS = {
    "7.1": ("Shuffle the sample indices once with rng, then cut the shuffled order into consecutive "
            "pieces of batch_size; each piece picks the same rows of X and entries of y.",
            "order = rng.permutation of the B sample indices; pieces order[0:s], order[s:2s], ..., "
            "the last maybe shorter; each batch is a new Tensor of X's rows at the piece (in X's "
            "dtype) and the labels at the piece."),
    "7.2": ("An epoch is one optimiser step per minibatch. Its loss is the mean over samples, so "
            "each batch's mean loss counts with the weight of its size.",
            "For each (X_batch, y_batch) of batches(X, y, batch_size, rng): train_on_batch(model, "
            "optimizer, X_batch, y_batch) returns a pair, (loss, logits); add loss.item() times "
            "len(y_batch) to a total. Return total / len(y), a float."),
}
