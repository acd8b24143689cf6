"""Time one epoch on the digits with autograd_lib against the same epoch by hand in NumPy.

The network is the 64-256-256-10 ReLU MLP, trained with plain SGD on minibatches of 64 from the
chapter's training split (standardised, 1,078 images, so 17 batches, the last of 54). Both sides
draw the same batch order from the same seed, gather each batch the same way and do the same
float32 arithmetic; the hand-written one has no tape, no Tensor objects, no optimiser object and
no checks. The ratio of the two, measured in one run, is the price of the library's bookkeeping
on a real workload, and must stay at most 1.2. Run with ``make bench``.
"""

from __future__ import annotations

import argparse
import sys
import timeit

import numpy as np

from autograd_lib import MLP, SGD, Standardizer, digits, split, train_epoch
from bench_step import handwritten_step

SIZES = (64, 256, 256, 10)
BATCH = 64
LR = 0.01
TARGET = 1.2


def handwritten_epoch(X, y, params, lr, rng):
    """The same epoch by hand: a permutation from ``rng``, then one SGD step per batch."""
    order = rng.permutation(len(y))
    total = 0.0
    for start in range(0, len(y), BATCH):
        index = order[start:start + BATCH]
        total += handwritten_step(X[index], y[index], params, lr) * len(index)
    return total / len(y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="epochs timed per side (best taken)")
    args = parser.parse_args()
    (X_train, y_train), _, _ = split(*digits(), seed=0)
    X = Standardizer(X_train)(X_train)
    model = MLP(SIZES[0], list(SIZES[1:-1]), SIZES[-1], seed=0)
    optimizer = SGD(model.params, lr=LR)
    hand = [p.data.copy() for p in model.params]
    lib_rng, hand_rng = np.random.default_rng(0), np.random.default_rng(0)
    # Interleaved, so that both sides meet the same machine; the best of each is compared.
    lib_times, hand_times = [], []
    for _ in range(args.repeat):
        lib_times.append(timeit.timeit(
            lambda: train_epoch(model, optimizer, X, y_train, BATCH, lib_rng), number=1))
        hand_times.append(timeit.timeit(
            lambda: handwritten_epoch(X.data, y_train, hand, LR, hand_rng), number=1))
    for p, q in zip(model.params, hand):
        np.testing.assert_allclose(p.data, q, rtol=1e-4, atol=1e-5)
    lib, by_hand = min(lib_times), min(hand_times)
    ratio = lib / by_hand
    # Each epoch next to its neighbour on the other side: how the ratio spreads on this machine.
    paired = np.array(lib_times) / np.array(hand_times)
    low, middle, high = np.percentile(paired, [25, 50, 75])
    n_batches = -(-len(y_train) // BATCH)
    print(f"one digits epoch: 64-256-256-10, SGD, {len(y_train)} images in {n_batches} batches of "
          f"{BATCH}")
    print(f"{'autograd_lib':<16}{lib * 1e3:>9.2f} ms")
    print(f"{'by hand (NumPy)':<16}{by_hand * 1e3:>9.2f} ms")
    print(f"{'ratio':<16}{ratio:>9.2f}x   target at most {TARGET}x: "
          f"{'ok' if ratio <= TARGET else 'TOO SLOW'}")
    print(f"{'epoch by epoch':<16}{middle:>9.2f}x   median of {len(paired)} neighbouring pairs "
          f"(middle half {low:.2f}-{high:.2f})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
