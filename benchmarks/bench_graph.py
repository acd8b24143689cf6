"""Time the backward stepper from slider move to new picture, headlessly.

Setting the live stepper's slider ``value`` from Python fires the same
observer a move in JupyterLab fires: it draws that step of backward with
``graph_figure`` and puts the PNG into the Image widget before returning. So
the time of one assignment is the time a reader waits while dragging. The
median over every step of the walk (twice round) is compared with the target,
0.3 s, for the two tapes the chapters step through: the XOR network's
(chapter 2) and that of f(x) = 3x^2 - 4x + 5 (chapter 3). Also timed: making
the precomputed stepper, which the book build pays once per chapter.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402

from autograd_lib import (MLP, Tape, Tensor, add_bias, matmul,  # noqa: E402
                          softmax_ce, xor_data)
from autograd_lib.course.graph import (backward_stepper,  # noqa: E402
                                       backward_steps, static_stepper)

TARGET = 0.3


def xor_tape():
    X, y = xor_data()
    with Tape() as tape:
        loss = softmax_ce(MLP(2, 8, 2, seed=0)(X), y)
    return loss, tape


def polynomial_tape():
    def scalar(v, name, grad=False):
        return Tensor([[v]], requires_grad=grad, dtype=np.float64, name=name)

    x = scalar(3.0, "x", True)
    with Tape() as tape:
        loss = add_bias(add_bias(matmul(matmul(x, x), scalar(3.0, "a")),
                                 matmul(x, scalar(-4.0, "b"))), scalar(5.0, "c"))
    return loss, tape


def time_moves(stepper):
    """Move the slider to every step and back to 0, twice; the seconds each move took."""
    times = []
    for _ in range(2):
        for number in [*range(1, stepper.slider.max + 1), 0]:
            start = time.perf_counter()
            stepper.slider.value = number  # fires the redraw, like a move in the browser
            times.append(time.perf_counter() - start)
    return times


def main():
    print(f"{'slider move -> new picture':<34}{'median':>9}{'min':>9}{'max':>9}{'target':>9}"
          f"{'precomputed':>13}")
    ok = True
    for name, make in (("XOR network (chapter 2)", xor_tape), ("3x^2 - 4x + 5 (chapter 3)", polynomial_tape)):
        loss, tape = make()
        steps = backward_steps(loss, tape)
        stepper = backward_stepper(steps)
        time_moves(stepper)  # warm-up: fonts, caches
        times = time_moves(stepper)
        start = time.perf_counter()
        static_stepper(steps)
        built = time.perf_counter() - start
        median = statistics.median(times)
        ok &= median <= TARGET
        print(f"{name:<34}{median:>8.3f}s{min(times):>8.3f}s{max(times):>8.3f}s{TARGET:>8.1f}s"
              f"{built:>12.2f}s  {'ok' if median <= TARGET else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
