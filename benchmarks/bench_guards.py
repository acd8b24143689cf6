"""What each guard costs a training step: calls per step, time per call, time per step.

Every check the library makes lives in autograd_lib/guards.py and runs on every step: this
counts the calls one XOR step (2-8-2, batch 4) and one digits-sized step (64-256-256-10, batch
64) make to each (with cProfile, whose own overhead is left out of the times), times each check
alone on that step's own arguments (timeit, best of 7), and prints calls x time per step, next
to the whole step. The last row is the tape holding what it recorded read-only (Tape.hold, once
per entry) and letting go after backward (Tape.release), timed over one step's own entries.
The checks are a budget, not a target: the table says where it goes.
"""

from __future__ import annotations

import cProfile
import inspect
import pstats
import timeit

import numpy as np

from autograd_lib import (MLP, Tensor, guards, matmul, no_grad, softmax_ce, tape, train_step,
                          xor_data)
from autograd_lib.tape import tape_reset


def step_of(model, X, y, lr):
    return lambda: train_step(model, X, y, lr)


def calls_per_step(step, steps=200):
    """``{guard name: calls per step}``, from one profiled run of ``steps`` steps."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(steps):
        step()
    profile.disable()
    names = {name for name, fn in vars(guards).items()
             if inspect.isfunction(fn) and fn.__module__ == guards.__name__}
    counts = {}
    for (path, _, name), (*_, callers) in pstats.Stats(profile).stats.items():
        if path == guards.__file__ and name in names:
            # Calls from outside the guards only: check_matmul's own check_tensor calls are
            # part of check_matmul's time.
            outside = sum(c[0] for (where, *_), c in callers.items() if where != guards.__file__)
            if outside:
                counts[name] = outside / steps
    return counts


def arguments(model, X, y):
    """A call of each guard a step makes, on that step's own arguments."""
    W1, b1 = model.W1, model.b1
    with no_grad():
        h = matmul(X, W1)
    tape_reset()
    loss_tape = tape.Tape()
    with loss_tape:
        loss = softmax_ce(model(X), y)
    return {
        "check_matmul": lambda: guards.check_matmul(X, W1),
        "check_add_bias": lambda: guards.check_add_bias(h, b1),
        "check_tensor": lambda: guards.check_tensor("relu", "x", X),
        "check_labels": lambda: guards.check_labels(y, (len(y), model.sizes[-1])),
        "refuse_walked": lambda: guards.refuse_walked("matmul", loss_tape),
        "warn_if_long": lambda: guards.warn_if_long(loss_tape),
        "check_backward": lambda: guards.check_backward(loss, loss_tape),
        "check_params": lambda: guards.check_params("sgd_step", model.params),
        "check_lr": lambda: guards.check_lr("sgd_step", 0.5),
        "tensors_in": lambda: guards.tensors_in("zero_grad", [model.params]),
        "refuse_held": lambda: guards.refuse_held("sgd_step", model.params),
    }


def hold_and_release(model, X, y):
    """One step's ``Tape.hold`` calls (one per entry) and its ``Tape.release``."""
    tape_reset()
    softmax_ce(model(X), y)
    recorded = tape.current_tape()
    entries = list(recorded.entries)
    tape_reset()

    def run():
        for e in entries:
            recorded.hold(e.inputs, e.out)
        recorded.release()
    return run


def best_time(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=7)) / number


def table(title, model, X, y, lr, number):
    step = step_of(model, X, y, lr)
    for _ in range(20):
        step()
    counts = calls_per_step(step)
    whole = best_time(step, number)
    calls = arguments(model, X, y)  # after the steps, which change the parameters
    print(f"{title}: one step {whole * 1e6:.1f} us")
    print(f"  {'guard':<16}{'calls/step':>11}{'us/call':>9}{'us/step':>9}{'share':>7}")
    total = 0.0
    for name in sorted(counts, key=counts.get, reverse=True):
        per_call = best_time(calls[name], 20 * number) if name in calls else float("nan")
        per_step = counts[name] * per_call
        total += 0 if np.isnan(per_step) else per_step
        print(f"  {name:<16}{counts[name]:>11.0f}{per_call * 1e6:>9.2f}{per_step * 1e6:>9.2f}"
              f"{per_step / whole:>7.1%}")
    print(f"  {'all guards':<16}{'':>11}{'':>9}{total * 1e6:>9.2f}{total / whole:>7.1%}")
    held = best_time(hold_and_release(model, X, y), 20 * number)
    print(f"  {'hold + release':<16}{counts.get('refuse_walked', 0):>11.0f}{'':>9}"
          f"{held * 1e6:>9.2f}{held / whole:>7.1%}\n")


def main():
    X, y = xor_data()
    table("XOR 2-8-2, batch 4", MLP(2, 8, 2, seed=0), X, y, 0.5, 500)
    rng = np.random.default_rng(0)
    Xd = Tensor(rng.standard_normal((64, 64)))
    yd = rng.integers(0, 10, size=64)
    table("64-256-256-10, batch 64", MLP(64, [256, 256], 10, seed=0), Xd, yd, 0.01, 50)


if __name__ == "__main__":
    main()
