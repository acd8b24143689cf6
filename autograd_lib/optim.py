"""Optimisers: plain stochastic gradient descent."""

from __future__ import annotations

from .plugin import pluggable


@pluggable
def sgd_step(params, lr):
    """``p.data -= lr * p.grad`` for every parameter in the list ``params``, in place.

    A parameter whose ``grad`` is still ``None`` did not affect the loss; its
    gradient is zero, so it is left as it is. The gradients are left alone too:
    ``zero_grad`` clears them before the next backward.
    """
    if not lr > 0:
        raise ValueError(f"sgd_step: the learning rate must be positive, got {lr}")
    for p in params:
        if p.grad is not None:
            p.data -= lr * p.grad
