"""Time one SGD step of autograd_lib against the same step written by hand in NumPy.

Both sides do the same arithmetic on the same float32 arrays; the hand-written
one has no tape, no Tensor objects and no checks. The ratio is the price of
the library's bookkeeping. Run with ``make bench``.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from autograd_lib import MLP, Tensor, train_step


def handwritten_step(X, y, params, lr):
    """Forward, backward and SGD for a ReLU MLP, ``params = [W1, b1, W2, b2, ...]``."""
    layers = list(zip(params[0::2], params[1::2]))
    inputs, pres = [X], []
    for W, b in layers[:-1]:
        pres.append(inputs[-1] @ W + b)
        inputs.append(np.maximum(pres[-1], 0))
    W, b = layers[-1]
    z = inputs[-1] @ W + b
    shifted = z - z.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(z.shape[0])
    loss = -(shifted[rows, y] - np.log(total[:, 0])).sum() / z.shape[0]
    dout = exp / total
    dout[rows, y] -= 1
    dout /= z.shape[0]
    grads = []
    for i in range(len(layers) - 1, -1, -1):
        W, _ = layers[i]
        grads.append((inputs[i].T @ dout, dout.sum(axis=0, keepdims=True)))
        if i > 0:
            dout = (dout @ W.T) * (pres[i - 1] > 0)
    for (W, b), (dW, db) in zip(layers, reversed(grads)):
        W -= lr * dW
        b -= lr * db
    return loss


def best_time(fn, number, repeat):
    """The fastest of ``repeat`` runs, per call: the least disturbed by the machine."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def compare(name, batch, sizes, number, repeat, seed=0):
    n_in, *n_hidden, n_out = sizes
    rng = np.random.default_rng(seed)
    X_arr = rng.standard_normal((batch, n_in)).astype(np.float32)
    y = rng.integers(0, n_out, size=batch)
    model = MLP(n_in, n_hidden, n_out, seed=seed)
    X = Tensor(X_arr)
    # A tiny learning rate keeps both networks near their start for every repeat.
    lr = 1e-6
    hand = [p.data.copy() for p in model.params]
    lib_time = best_time(lambda: train_step(model, X, y, lr), number, repeat)
    hand_time = best_time(lambda: handwritten_step(X_arr, y, hand, lr), number, repeat)
    ratio = lib_time / hand_time
    print(f"{name:<34}{lib_time * 1e6:>12.1f} us{hand_time * 1e6:>12.1f} us{ratio:>8.2f}x")
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    print(f"{'one training step':<34}{'autograd_lib':>15}{'by hand':>15}{'ratio':>9}")
    compare("XOR 2-8-2, batch 4", 4, (2, 8, 2), 2000 // scale, 15 // min(scale, 5))
    compare("MLP 784-1024-1024-10, batch 512", 512, (784, 1024, 1024, 10), 10 // scale or 1, 7)


if __name__ == "__main__":
    main()
