"""Chapter 4's checks: numeric_gradient."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from .core import Failed, Task, _call, _difference, _first_match, _same, _short


def _check_numeric_gradient(fn):
    h = 1e-3
    for shape, seed in [((1, 1), 0), ((1, 4), 1), ((3, 2), 2)]:
        rng = np.random.default_rng(seed)
        p = Tensor(rng.uniform(-1.5, 1.5, shape), dtype=np.float64, name="p")
        w = rng.uniform(0.5, 2.0, shape)
        calls = []

        def f():
            calls.append(1)
            return float(np.sum(w * np.sin(p.data)) + 0.5 * np.sum(p.data) ** 2)

        exact = w * np.cos(p.data) + np.sum(p.data)
        before, array = p.data.copy(), p.data
        case = f"p {shape}, f() = sum(w * sin(p)) + (sum(p))**2 / 2, h = {h:g}"
        result = _call(fn, case, f, p, h)
        n_calls = len(calls)
        if not np.array_equal(p.data, before):
            raise Failed(case, "p.data is not what it was before the call",
                         "an entry was moved and never put back, or put back to another value "
                         "than it had.")
        if p.data is not array:
            raise Failed(case, "p.data is a new array after the call",
                         "p.data was replaced by a new array: f() reads p's own array, so entries "
                         "must change in it, in place.")
        if result is None:
            raise Failed(case, "it returned None", "numeric_gradient returns the array of slopes it "
                         "filled.")
        result = np.asarray(result)
        if result.shape != shape:
            raise Failed(case, f"it returned {_short(result)}; p has shape {shape}",
                         "the result must hold one derivative per entry of p, shaped like p.")
        if not _same(result, exact, 1e-5):
            size = int(np.prod(shape))
            mistakes = _numeric_mistakes(f, p, h, exact)
            hint = _first_match(result, mistakes)
            if hint is None and n_calls == size + 1 and size > 1:
                hint = ("f ran once per entry plus once more: that is a one-sided difference, "
                        "while the central one evaluates f on both sides of every entry.")
            raise Failed(case, _difference("the gradient", result, exact) + " (expected: the exact derivative)",
                         hint)


def _numeric_mistakes(f, p, h, exact):
    def diff(kind):
        out = np.zeros(p.shape)
        base = f()
        for idx in np.ndindex(*p.shape):
            saved = p.data[idx]
            p.data[idx] = saved + h
            plus = f()
            p.data[idx] = saved - h
            minus = f()
            p.data[idx] = saved
            out[idx] = {"forward": (plus - base) / h, "backward": (base - minus) / h,
                        "no 2": (plus - minus) / h, "2 * h": (plus - minus) / 2 * h}[kind]
        return out

    def all_at_once():
        saved = p.data.copy()
        p.data[...] = saved + h
        plus = f()
        p.data[...] = saved - h
        minus = f()
        p.data[...] = saved
        return np.full(p.shape, (plus - minus) / (2 * h))

    return [
        ("that is the one-sided difference from p up to p + h, whose error shrinks only like h; "
         "the central difference, from p - h to p + h, cancels the h term.", diff("forward")),
        ("that is the one-sided difference from p - h up to p; the central difference uses both "
         "sides.", diff("backward")),
        ("your result is twice too large: the two points are 2 h apart, not h.", diff("no 2")),
        ("your result is off by a factor of about 4 h^2: in Python, a / 2 * h divides by 2 and then "
         "MULTIPLIES by h, reading left to right.", diff("2 * h")),
        ("every entry was moved at once: that measures the slope along the diagonal, not one "
         "entry's while the others stay fixed.", all_at_once()),
    ]


TASKS = [
    Task("4.1", "numeric_gradient", "04_gradient_check", "three shapes from (1, 1) to (3, 2) "
         "against the exact derivative of a smooth function, to 1e-5 with h = 1e-3, p restored",
         _check_numeric_gradient),
]

LADDERS = {
    "4.1": ("For each entry of p on its own: move it up by h and measure f(), move it down by h "
            "and measure again; the slope is the difference over 2h. Then put the entry back "
            "exactly as it was.",
            "grad[idx] = (f() with p[idx] + h, minus f() with p[idx] - h) / (2 h), for every idx of "
            "np.ndindex(*p.shape). Keep the entry's old value in a variable and write it back after "
            "the two calls, so that p.data ends as it began."),
}
