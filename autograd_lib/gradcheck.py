"""The gradient check: compare backward's gradients with central differences.

For every entry ``p`` of every parameter, the numerical derivative is
``(L(p + h) - L(p - h)) / (2h)``, with an error of order ``h**2`` from the
Taylor series and of order ``eps / h`` from rounding. It is compared with
the analytical gradient from one ``backward``.

Near a ReLU kink the loss is not differentiable: if ``p +- h`` moves a ReLU
input across 0, the central difference averages two different slopes and
disagrees with backward even though backward is right. The check records,
for each entry, whether its perturbation flipped any ReLU, so such entries
are reported as kinks rather than as bugs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .plugin import pluggable
from .tape import backward, current_tape, tape_reset
from .guards import float_dtype, tensors_in
from .tensor import Tensor


@dataclass
class EntryCheck:
    """One parameter entry whose gradient disagreed beyond the tolerance."""

    param: str
    index: tuple
    analytic: float
    numeric: float
    error: float
    at_kink: bool

    def __str__(self):
        where = "ReLU kink" if self.at_kink else "MISMATCH"
        return (f"{self.param}{list(self.index)}: analytic "
                f"{self.analytic:+.6f}, numeric {self.numeric:+.6f}, "
                f"err {self.error:.2e} ({where})")


@dataclass
class GradCheckReport:
    """What :func:`~autograd_lib.gradient_check` found.

    ``analytic``, ``numeric`` and ``errors`` hold one array per parameter,
    of the parameter's shape; ``kinks`` says which entries flipped a ReLU
    when perturbed. ``problems`` lists what makes the whole check fail
    beyond single entries (NaN, a loss that is not deterministic).
    """

    tol: float
    h: float
    dtype: np.dtype
    names: list
    analytic: list
    numeric: list
    errors: list
    kinks: list
    failures: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def n_total(self):
        return sum(e.size for e in self.errors)

    @property
    def n_within(self):
        return self.n_total - len(self.failures)

    @property
    def max_error(self):
        """The largest error, or NaN if any error is NaN."""
        return float(np.max([e.max() for e in self.errors]))

    @property
    def mismatches(self):
        """The failures that no ReLU kink explains; each is a wrong VJP.

        A NaN error is always a mismatch, even at a kink.
        """
        return [f for f in self.failures
                if not (f.at_kink and np.isfinite(f.error))]

    @property
    def ok(self):
        """Every entry within tolerance or at a kink, and no other problem."""
        return not self.mismatches and not self.problems

    def summary(self):
        n, total = self.n_within, self.n_total
        line = (f"gradient check: {n}/{total} entries within "
                f"{self.tol:.0e} tolerance (max err = {self.max_error:.3g}, "
                f"pass = {100 * n // total}%)")
        if self.failures:
            n_kink = len(self.failures) - len(self.mismatches)
            line += (f"\n  outside tolerance: {n_kink} at a ReLU kink, "
                     f"{len(self.mismatches)} real mismatch(es)")
        return "\n".join([line] + [f"  FAILED: {problem}"
                                   for problem in self.problems])

    def __str__(self):
        return "\n".join([self.summary()] + [f"  {f}" for f in self.failures])


def relative_error(analytic, numeric):
    """``|a - n| / max(1, |a|, |n|)``: absolute when small, else relative."""
    largest = np.maximum(np.abs(analytic), np.abs(numeric))
    return np.abs(analytic - numeric) / np.maximum(1.0, largest)


def default_step(dtype):
    """``eps ** (1/3)``: balances truncation (h**2) and rounding (eps/h)."""
    return float(np.finfo(dtype).eps ** (1 / 3))


@pluggable
def numeric_gradient(f, p, h):
    """Central differences of ``f()`` with respect to every entry of ``p``.

    ``f`` takes no arguments and returns a float computed from ``p.data``
    (among other things). Returns an array of ``p``'s shape: its entry
    ``idx`` estimates the slope of ``f`` along that entry alone, from a
    step of ``h`` to either side, every other entry held fixed. ``p.data``
    is left exactly as it was found.
    """
    grad = np.zeros(p.shape)
    for idx in np.ndindex(*p.shape):
        saved = p.data[idx]
        p.data[idx] = saved + h
        plus = f()
        p.data[idx] = saved - h
        minus = f()
        p.data[idx] = saved
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def gradient_check(loss_fn, params, h=None, tol=None, dtype=np.float64):
    """Check ``backward`` against central differences for every entry.

    Args:
        loss_fn: called with no arguments, runs the forward pass on the
            current tape and returns the ``(1, 1)`` loss tensor.
        params: the tensors to check; their ``data`` is cast to ``dtype``
            for the check and restored afterwards, and their ``grad`` is
            reset.
        h: the step; default ``eps(dtype) ** (1/3)``.
        tol: the largest :func:`~autograd_lib.gradcheck.relative_error`
            that passes; default 1e-6 in float64, 5e-2 in float32.
        dtype: the precision of the check, float64 by default.

    Returns:
        A :class:`~autograd_lib.GradCheckReport`; ``print(report)`` shows
        the summary line and each entry outside the tolerance. A NaN
        anywhere fails, and a ``loss_fn`` that gives two different losses
        for the same parameters is reported as such, since no gradient can
        be checked against it.
    """
    if not callable(loss_fn):
        raise TypeError(
            f"gradient_check: loss_fn must be a function that runs the "
            f"forward pass and returns the loss, like lambda: "
            f"softmax_ce(model(X), y); got a {type(loss_fn).__name__} (pass "
            f"the function, not the loss it computed)")
    dtype = float_dtype("gradient_check", dtype)
    h = default_step(dtype) if h is None else h
    if tol is None:
        tol = 1e-6 if dtype == np.float64 else 5e-2
    for label, value in (("h", h), ("tol", tol)):
        number = isinstance(value, (int, float, np.floating))
        if not (number and np.isfinite(value) and value > 0):
            raise ValueError(
                f"gradient_check: {label} must be a positive finite "
                f"number, got {value!r}")
    h, tol = float(h), float(tol)
    params = tensors_in("gradient_check", [params])
    if not params:
        raise ValueError(
            "gradient_check: params is empty, so there is nothing to "
            "check; pass the tensors whose gradients you want checked, "
            "e.g. model.params")
    originals = [p.data for p in params]
    try:
        for p in params:
            p.data = p.data.astype(dtype)
            p.grad = None
        tape_reset()
        loss = _checked_loss(loss_fn)
        base_value = float(loss.data[0, 0])
        backward(loss)
        base_kinks = _kink_states()
        analytic = [np.zeros(p.shape) if p.grad is None
                    else p.grad.astype(np.float64) for p in params]
        problems = []
        again = _run(loss_fn)[0]
        if not _same(base_value, again):
            problems.append(
                f"loss_fn is not deterministic: it gave {base_value!r} and "
                f"then {again!r} for the same parameters, so no finite "
                f"difference can be trusted")
        numeric, kinks = [], []
        for p in params:
            flipped = np.zeros(p.shape, dtype=bool)
            f = _flip_recorder(loss_fn, p, base_kinks, flipped)
            numeric.append(numeric_gradient(f, p, h))
            kinks.append(flipped)
        errors = [relative_error(a, n) for a, n in zip(analytic, numeric)]
        if not all(np.isfinite(e).all() for e in errors):
            problems.append("some gradients are NaN or infinite (see the "
                            "entries marked nan)")
        names = [p.name or f"param{i}" for i, p in enumerate(params)]
        failures = [
            EntryCheck(name, idx, float(a[idx]), float(n[idx]),
                       float(e[idx]), bool(k[idx]))
            for name, a, n, e, k in zip(names, analytic, numeric, errors,
                                        kinks)
            for idx in np.ndindex(*e.shape) if not e[idx] <= tol
        ]
        return GradCheckReport(tol, h, dtype, names, analytic, numeric,
                               errors, kinks, failures, problems)
    finally:
        for p, data in zip(params, originals):
            p.data = data
            p.grad = None
        tape_reset()


def _checked_loss(loss_fn):
    loss = loss_fn()
    if not isinstance(loss, Tensor) or loss.shape != (1, 1):
        got = loss.shape if isinstance(loss, Tensor) else type(loss).__name__
        raise ValueError(
            f"gradient_check: loss_fn must return a (1, 1) loss Tensor; got "
            f"{got}")
    return loss


def _kink_states():
    return [e.kink for e in current_tape() if e.kink is not None]


def _run(loss_fn):
    tape_reset()
    loss = _checked_loss(loss_fn)
    value, kinks = float(loss.data[0, 0]), _kink_states()
    tape_reset()  # nothing walks this tape: let numeric_gradient write
    return value, kinks


def _flip_recorder(loss_fn, p, base_kinks, flipped):
    """``f`` for :func:`numeric_gradient`: the loss, noting in ``flipped``
    which entry's perturbation moved a ReLU input across its kink.

    The perturbed entry is the one where ``p.data`` differs from its value
    now, so the order of the evaluations does not matter.
    """
    base = p.data.copy()

    def f():
        value, kinks = _run(loss_fn)
        moved = np.flatnonzero(p.data != base)
        if moved.size == 1 and _differ(base_kinks, kinks):
            flipped.flat[moved[0]] = True
        return value

    return f


def _same(a, b):
    return a == b or (np.isnan(a) and np.isnan(b))


def _differ(a, b):
    return any(not np.array_equal(x, y) for x, y in zip(a, b))
