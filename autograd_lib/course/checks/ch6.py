"""Chapter 6's checks: momentum_update, adam_update, adamw_update."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from .core import Failed, Task, _call, _difference, _first_match, _kind, _same, _short


def _gradients(shape, steps, seed, scales=None):
    """``steps`` seeded gradients of ``shape``, float64; column j scaled by ``scales[j]``."""
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(shape) for _ in range(steps)]
    return [g * np.asarray(scales) for g in grads] if scales is not None else grads


def _run_optimizer_steps(fn, case, p, grads, state, args, per_step):
    """Call ``fn(p, g, state, *args)`` once per gradient, as an optimiser's step does.

    ``g`` lives in one buffer, like ``p.grad``, zeroed in place after each step as
    ``zero_grad`` zeroes it. ``per_step(t, array)`` checks the result of step ``t``.
    """
    grad = np.zeros(p.shape, dtype=p.dtype)
    for t, g in enumerate(grads, start=1):
        grad[...] = g
        array = p.data
        _call(fn, f"{case}, step {t}", p, grad, state, *args, raised=[
            (_kind(KeyError), "the state dict is empty at the first step, and your code read an "
             "entry before making it.")])
        if p.data is not array:
            raise Failed(f"{case}, step {t}", "p.data is a new array after the step",
                         "the step replaced the parameter's array instead of changing it in place: the "
                         "parameter must keep its buffer, its dtype and its place in the model.")
        per_step(t, grad)
        grad.fill(0)


def _momentum_by_hand(grads, lr, momentum, nesterov, p0, variant="right"):
    """``[(p, buf)]`` after each step, in float64, by the equations or by a known mistake."""
    p, buf, first, out = p0.copy(), None, None, []
    for g in grads:
        if variant == "not stored":  # the first buffer stored, every later one only in a local
            first = g.copy() if first is None else first
            buf = first if buf is None else momentum * first + g
        elif variant == "dampened":
            buf = (1 - momentum) * g if buf is None else momentum * buf + (1 - momentum) * g
        elif variant == "forgets":
            buf = g.copy()
        elif variant == "lr inside":
            buf = lr * g if buf is None else momentum * buf + lr * g
        else:
            buf = g.copy() if buf is None else momentum * buf + g
        use_nesterov = {"nesterov ignored": False, "nesterov always": True}.get(variant, nesterov)
        step = g + momentum * buf if use_nesterov else buf
        if variant == "lr inside":
            p = p - (lr * g + momentum * buf if use_nesterov else buf)
        elif variant == "uphill":
            p = p + lr * step
        else:
            p = p - lr * step
        out.append((p, buf))
    return out


_MOMENTUM_HINTS = {
    "dampened": "your buffer is a running average, with the gradient damped by 1 - momentum; "
                "PyTorch's SGD adds the gradient undamped, a running sum that grows to "
                "g / (1 - momentum) on a steady slope.",
    "forgets": "the buffer starts again from g at every step: the velocity of the earlier steps "
               "is never read back from state.",
    "not stored": "the new velocity was computed into a local name and never stored: state still "
                  "holds the first step's buffer, so each step forgets all but the first gradient.",
    "nesterov ignored": "with nesterov=True the step must look ahead, along the gradient plus "
                        "momentum times the buffer; yours stepped along the buffer alone.",
    "nesterov always": "with nesterov=False the step is along the buffer itself; yours took "
                       "Nesterov's look-ahead step.",
    "uphill": "the step went uphill: along the velocity instead of against it.",
}


def _check_momentum_update(fn):
    for shape, momentum, nesterov, dtype, seed in [((2, 3), 0.9, False, np.float64, 0),
                                                   ((2, 3), 0.9, True, np.float64, 1),
                                                   ((1, 4), 0.5, False, np.float32, 2)]:
        lr = 0.1
        kind = "Nesterov momentum" if nesterov else "momentum"
        case = f"{kind} {momentum}, lr {lr}, p {shape} {np.dtype(dtype).name}"
        grads = _gradients(shape, 4, seed)
        p0 = np.random.default_rng(seed + 10).standard_normal(shape)
        p = Tensor(p0, requires_grad=True, dtype=dtype, name="p")
        state = {}
        right = _momentum_by_hand(grads, lr, momentum, nesterov, p0)
        tol = 1e-12 if dtype == np.float64 else 1e-5

        def per_step(t, grad):
            here = f"{case}, step {t}"
            buf = state.get("momentum_buffer")
            if not isinstance(buf, np.ndarray):
                raise Failed(here, f"state['momentum_buffer'] is {_short(buf)} after the step",
                             "the velocity must live in state['momentum_buffer'] (PyTorch's name, the "
                             "one SGD.state shows), where the next step finds it.")
            if np.shares_memory(buf, grad):
                raise Failed(here, "state['momentum_buffer'] is the gradient array g itself",
                             "the buffer shares g's memory: g is p.grad, which zero_grad zeroes in "
                             "place, and the velocity would vanish with it.")
            p_right, buf_right = right[t - 1]
            if not _same(p.data, p_right, tol):
                variants = [v for v in _MOMENTUM_HINTS if not (v == "nesterov ignored" and not nesterov)
                            and not (v == "nesterov always" and nesterov)]
                mistakes = [(_MOMENTUM_HINTS[v], _momentum_by_hand(grads, lr, momentum, nesterov, p0, v)[t - 1][0])
                            for v in variants]
                hint = _first_match(p.data, mistakes) if dtype == np.float64 else None
                raise Failed(here, _difference("p.data", p.data, p_right)
                             + " (expected: the equations, in float64)", hint)
            if not _same(buf, buf_right, tol):
                lr_inside = _momentum_by_hand(grads, lr, momentum, nesterov, p0, "lr inside")[t - 1][1]
                hint = _first_match(buf, [(
                    "your buffer holds lr times the gradients: PyTorch keeps lr out of the buffer "
                    "and applies it in the step. The two agree while lr stays fixed, but not once a "
                    "schedule changes it.", lr_inside)])
                if hint is None and t > 1 and _same(buf, right[0][1], tol):
                    hint = _MOMENTUM_HINTS["not stored"]
                raise Failed(here, _difference("state['momentum_buffer']", buf, buf_right), hint)
            for label, array in (("p.data", p.data), ("state['momentum_buffer']", buf)):
                if array.dtype != np.dtype(dtype):
                    raise Failed(here, f"{label} is {array.dtype}; the parameter is {np.dtype(dtype).name}",
                                 "the buffer or the update is not in the parameter's dtype: a float32 "
                                 "model must stay float32.")

        _run_optimizer_steps(fn, case, p, grads, state, (lr, momentum, nesterov), per_step)


def _adam_by_hand(grads, lr, betas, eps, p0, variant="right"):
    """``[(p, m, v)]`` after each step, in float64, by the equations or by a known mistake."""
    b1, b2 = betas
    p, m, v, out = p0.copy(), np.zeros_like(p0), np.zeros_like(p0), []
    with np.errstate(divide="ignore", invalid="ignore"):
        for t, g in enumerate(grads, start=1):
            if variant == "forgets":
                m, v, t = np.zeros_like(p0), np.zeros_like(p0), 1
            if variant == "betas swapped":
                m, v = (1 - b1) * m + b1 * g, (1 - b2) * v + b2 * g * g
            else:
                m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            c1 = 1 if variant in ("no correction", "only v corrected") else 1 - b1**t
            c2 = 1 if variant in ("no correction", "only m corrected") else 1 - b2**t
            if variant == "t from 0":
                c1, c2 = 1 - b1**(t - 1), 1 - b2**(t - 1)
            denominator = np.sqrt(v / c2 + eps) if variant == "eps inside" else np.sqrt(v / c2) + eps
            p = p - lr * (m / c1) / denominator
            out.append((p, m, v))
    return out


_ADAM_HINTS = {
    "no correction": "no bias correction: m and v start at zero, so early on they are too small, v "
                     "much more than m.",
    "only m corrected": "v is not bias-corrected, only m.",
    "only v corrected": "m is not bias-corrected, only v: the first steps are about ten times too small.",
    "eps inside": "eps went inside the square root; it belongs outside, added to the root.",
    "betas swapped": "the running averages weigh the old value and the new one the wrong way round: "
                     "b1 is the weight of the OLD m.",
    "forgets": "the averages start again at every step: what a step computes is never kept in state "
               "for the next one.",
    "t from 0": "the step count is 0 at the first step; t is 1 there (at t = 0 the correction "
                "divides by zero).",
}


def _check_adam_update(fn):
    for shape, scales, lr, betas, eps, dtype in [
            ((1, 4), [1e-3, 1.0, 1e3, -5.0], 0.01, (0.9, 0.999), 1e-8, np.float64),
            ((2, 2), None, 0.1, (0.5, 0.9), 1e-3, np.float64),
            ((3, 1), None, 0.01, (0.9, 0.999), 1e-8, np.float32)]:
        case = f"p {shape} {np.dtype(dtype).name}, lr {lr}, betas {betas}, eps {eps:g}"
        if scales is not None:
            case += ", gradients of scales 1e-3 to 1e3"
        grads = _gradients(shape, 5, len(case), scales)
        p0 = np.random.default_rng(7).standard_normal(shape)
        p = Tensor(p0, requires_grad=True, dtype=dtype, name="p")
        state = {}
        right = _adam_by_hand(grads, lr, betas, eps, p0)
        tol = 1e-10 if dtype == np.float64 else 1e-5

        def per_step(t, grad):
            here = f"{case}, step {t}"
            missing = [k for k in ("step", "exp_avg", "exp_avg_sq") if k not in state]
            if missing:
                raise Failed(here, f"state has no {', '.join(repr(k) for k in missing)} after the step",
                             "t, m and v must live in state under PyTorch's names, 'step', 'exp_avg' and "
                             "'exp_avg_sq' (Adam.state shows them), where the next step finds them.")
            p_right, m_right, v_right = right[t - 1]
            if state["step"] != t:
                raise Failed(here, f"state['step'] is {state['step']!r} after step {t}",
                             "the step count is off: t is 1 at the first step, and counts every step "
                             "before the bias correction uses it.")
            for k, mine, expected in (("exp_avg", state["exp_avg"], m_right),
                                      ("exp_avg_sq", state["exp_avg_sq"], v_right)):
                if not isinstance(mine, np.ndarray) or np.shares_memory(mine, grad):
                    raise Failed(here, f"state[{k!r}] is {_short(mine)}"
                                 + (", the gradient array itself" if isinstance(mine, np.ndarray) else ""),
                                 f"state[{k!r}] must be an array of its own, zeros like p.data at the "
                                 "first step, changed in place after that.")
                if not _same(mine, expected, tol):
                    b1, b2 = betas
                    hat = expected / (1 - (b1 if k == "exp_avg" else b2) ** t)
                    hint = _first_match(mine, [
                        ("state holds the bias-corrected average instead of the running average "
                         "itself: the correction is new every step and must not be kept.", hat)]) \
                        or _first_match(p.data, [(_ADAM_HINTS[v], _adam_by_hand(grads, lr, betas, eps, p0, v)
                                                  [t - 1][0]) for v in ("betas swapped", "forgets")])
                    raise Failed(here, _difference(f"state[{k!r}]", mine, expected), hint)
            if not _same(p.data, p_right, tol):
                mistakes = [(hint, _adam_by_hand(grads, lr, betas, eps, p0, v)[t - 1][0])
                            for v, hint in _ADAM_HINTS.items()]
                hint = _first_match(p.data, mistakes) if dtype == np.float64 else None
                if not np.all(np.isfinite(p.data)):
                    hint = ("a NaN or an infinity from finite gradients is a division by zero or the "
                            "root of a negative number: a bias correction of 0 or less (a step count of "
                            "0 at the first step, or b times t where the correction raises b to the "
                            "power t), or eps inside the square root, where it cannot keep the divisor "
                            "from 0.")
                raise Failed(here, _difference("p.data", p.data, p_right)
                             + " (expected: the equations, in float64)", hint)
            if p.data.dtype != np.dtype(dtype) or state["exp_avg"].dtype != np.dtype(dtype):
                raise Failed(here, f"p.data is {p.data.dtype} and exp_avg {state['exp_avg'].dtype}; "
                             f"the parameter was {np.dtype(dtype).name}",
                             "m, v or the update are not in the parameter's dtype: a float32 model must "
                             "stay float32.")

        with np.errstate(divide="ignore", invalid="ignore"):  # the verdict says what went wrong
            _run_optimizer_steps(fn, case, p, grads, state, (lr, betas, eps), per_step)


def _adamw_by_hand(grads, lr, betas, eps, weight_decay, p0, variant="right"):
    """``p`` after each AdamW step in float64, by the equations or by a known mistake."""
    b1, b2 = betas
    p, m, v, out = p0.copy(), np.zeros_like(p0), np.zeros_like(p0), []
    for t, g in enumerate(grads, start=1):
        if variant in ("right", "twice"):
            p = p * (1 - lr * weight_decay)
        if variant == "no lr":
            p = p * (1 - weight_decay)
        if variant in ("l2", "twice"):
            g = g + weight_decay * p
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        if variant == "after":
            p = p * (1 - lr * weight_decay)
        out.append(p)
    return out


_ADAMW_HINTS = {
    "l2": "that is Adam with L2: the decay went into the gradient, so Adam's division by sqrt(v_hat) "
          "rescales it. AdamW decays the parameter itself and gives Adam the plain gradient.",
    "twice": "the decay is applied twice, to the parameter and again through the gradient.",
    "after": "the decay came after the Adam step; it comes first, from the parameter before the "
             "step (as PyTorch does): decaying after the step also shrinks the step itself.",
    "no lr": "the decay was not scaled by the learning rate: the parameter shrinks by lr times "
             "weight_decay of itself per step.",
    "adam": "there is no decay: that is a plain Adam step.",
}


def _check_adamw_update(fn):
    lr, betas, eps, weight_decay = 0.05, (0.9, 0.999), 1e-8, 0.5
    # The zero gradient first: there only the decay moves p, so a decay that is missing, or that
    # went into the gradient (where Adam's normalisation rescales it), shows at once.
    for shape, label, scale in [((1, 3), ", a zero gradient: only the decay moves p", 0.0), ((2, 3), "", 1.0)]:
        case = f"p {shape} float64, lr {lr}, weight_decay {weight_decay}{label}"
        grads = [scale * g for g in _gradients(shape, 4, 3)]
        p0 = np.random.default_rng(4).standard_normal(shape)
        p = Tensor(p0, requires_grad=True, dtype=np.float64, name="p")
        state = {}
        right = _adamw_by_hand(grads, lr, betas, eps, weight_decay, p0)

        def per_step(t, grad):
            if not _same(p.data, right[t - 1], 1e-10):
                mistakes = [(hint, _adamw_by_hand(grads, lr, betas, eps, weight_decay, p0, v)[t - 1])
                            for v, hint in _ADAMW_HINTS.items()]
                raise Failed(f"{case}, step {t}", _difference("p.data", p.data, right[t - 1])
                             + " (expected: the equations, in float64)", _first_match(p.data, mistakes))

        _run_optimizer_steps(fn, case, p, grads, state, (lr, betas, eps, weight_decay), per_step)


TASKS = [
    Task("6.1", "momentum_update", "06_optimisers", "four steps each of momentum, Nesterov momentum and "
         "a float32 parameter against the equations in float64: the parameter in place, the buffer a "
         "copy kept in state", _check_momentum_update),
    Task("6.2", "adam_update", "06_optimisers", "five steps each on three parameters, one with gradients "
         "from 1e-3 to 1e3, one float32, against the equations in float64: step, m and v in state, "
         "bias correction, eps", _check_adam_update),
    Task("6.3", "adamw_update", "06_optimisers", "four steps on a parameter with a zero gradient, and "
         "four on one with gradients, against AdamW's equations in float64: the decay decoupled from "
         "the gradient",
         _check_adamw_update),
]

LADDERS = {
    "6.1": ("The velocity remembers the earlier gradients: each step it decays by the factor "
            "momentum and adds the new gradient. It lives in state between calls.",
            "buf_1 = g (a copy), buf_t = momentum buf_(t-1) + g; the step is p <- p - lr buf, or "
            "with Nesterov p <- p - lr (g + momentum buf). state['momentum_buffer'] holds buf: "
            "read it there, change it there, in place."),
    "6.2": ("Adam keeps two running averages for each parameter, of g and of g^2, corrects both "
            "for starting at zero, and steps by their ratio.",
            "t <- t + 1; m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; m_hat = m / (1 - b1^t), "
            "v_hat = v / (1 - b2^t); p <- p - lr m_hat / (sqrt(v_hat) + eps). state holds 'step', "
            "'exp_avg' (m) and 'exp_avg_sq' (v): zeros like p.data at the first step, changed in "
            "place after."),
    "6.3": ("AdamW shrinks the parameter itself a little before each step, then takes a plain "
            "Adam step with the gradient alone.",
            "p <- p (1 - lr weight_decay), from p before the step; then the Adam step "
            "(adam_update) with g itself, unchanged."),
}
