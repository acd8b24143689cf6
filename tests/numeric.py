"""Float64 central differences for checking one op's VJP in isolation."""

import numpy as np

from autograd_lib import VJP_RULES, Tensor, current_tape, tape_reset


def op_vjp(op, arrays, dout, **kwargs):
    """Run ``op`` on float64 tensors made from ``arrays`` and apply its VJP to ``dout``."""
    tape_reset()
    inputs = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    out = op(*inputs, **kwargs)
    entry = current_tape()[-1]
    return out, VJP_RULES[entry.op](entry, dout)


def numeric_vjp(op, arrays, dout, h=1e-6, **kwargs):
    """Central differences of ``sum(dout * op(arrays))`` with respect to each array."""
    def f(values):
        tape_reset()
        out = op(*[Tensor(v, dtype=np.float64) for v in values], **kwargs)
        return float(np.sum(dout * out.data))

    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a, dtype=np.float64)
        for idx in np.ndindex(*a.shape):
            plus = [v.astype(np.float64) for v in arrays]
            minus = [v.astype(np.float64) for v in arrays]
            plus[i][idx] += h
            minus[i][idx] -= h
            g[idx] = (f(plus) - f(minus)) / (2 * h)
        grads.append(g)
    return grads
