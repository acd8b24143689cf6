"""Optimisers: ``sgd_step``, then SGD with momentum, Adam and AdamW.

``SGD``, ``Adam`` and ``AdamW`` take the arguments of ``torch.optim`` and
follow its update equations. Each holds its parameters in ``params`` and one
dict of state per parameter in ``state``, under PyTorch's names
(``momentum_buffer``; ``step``, ``exp_avg``, ``exp_avg_sq``). The update
of one parameter is a function of its own, next to its optimiser
(``momentum_update``, ``adam_update``, ``adamw_update``), which a reader's
version can replace.

Every update happens in place on ``p.data``, in the parameter's own dtype, as
in PyTorch: the buffers are made like ``p.data``, and Python-float
hyperparameters don't promote a float32 array, so float32 parameters stay
float32 and round as PyTorch's do.
"""

from __future__ import annotations

import numpy as np

from .plugin import pluggable
from .guards import (check_betas, check_flag, check_lr, check_momentum,
                     check_non_negative, check_params, refuse_held)
from .tensor import zero_grad


@pluggable
def sgd_step(params, lr):
    """One step of gradient descent, of size ``lr``, on every parameter.

    ``params`` is a list of Tensors (or any iterable of them, read once),
    changed in place through their ``data`` (so that each one's version
    counts the change), after backward has walked the tape that held them.
    A parameter whose ``grad`` is still ``None`` did not affect the loss;
    its gradient is zero, so it is left as it is. The gradients are left
    alone too: ``zero_grad`` clears them before the next backward.
    """
    params = check_params("sgd_step", params)
    check_lr("sgd_step", lr)
    refuse_held("sgd_step", params)
    for p in params:
        if p.grad is not None:
            p.data -= lr * p.grad


class Optimizer:
    """What every optimiser shares: parameters, learning rate, state.

    ``params`` is a list of Tensors with ``requires_grad=True``, e.g.
    ``model.params``; ``state[i]`` is the dict of ``params[i]``, empty until
    that parameter's first update.
    """

    def __init__(self, params, lr):
        owner = type(self).__name__
        self.params = check_params(owner, params)
        self.lr = check_lr(owner, lr)
        self.state = [{} for _ in self.params]

    def step(self):
        """Update in place every parameter whose ``grad`` is not None.

        Call it after ``backward``: until backward has walked the tape, the
        tape holds the parameters read-only, and a step is refused.
        """
        refuse_held(f"{type(self).__name__}.step", self.params)
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                self.update(p, state)

    def zero_grad(self, set_to_none=True):
        """Clear the parameters' gradients before the next backward.

        As in PyTorch, by default each ``grad`` becomes None, so that
        backward stores the new gradient instead of adding it to a buffer
        of zeros: one pass over every parameter less per step. With
        ``set_to_none=False`` the buffers are zeroed in place instead, as
        :func:`~autograd_lib.zero_grad` does.
        """
        if set_to_none:
            for p in self.params:
                p.grad = None
        else:
            zero_grad(self.params)

    def update(self, p, state):
        """Move one parameter ``p`` that has a gradient; update its state."""
        raise NotImplementedError(
            f"{type(self).__name__} must define update(p, state)")


class SGD(Optimizer):
    """Stochastic gradient descent, with momentum, Nesterov and weight decay.

    For each parameter ``p`` and its gradient ``g``, both ``(N, M)``::

        g = g + weight_decay * p      (L2: the gradient of wd/2 * |p|^2)
        buf = g at the first step, else momentum * buf + g
        g = g + momentum * buf  if nesterov,  else  g = buf
        p = p - lr * g

    With ``momentum=0`` there is no buffer and this is :func:`sgd_step`.
    ``state[i]["momentum_buffer"]`` is ``buf``.
    """

    def __init__(self, params, lr=None, momentum=0.0, nesterov=False,
                 weight_decay=0.0):
        super().__init__(params, lr)
        owner = type(self).__name__
        self.momentum = check_momentum(owner, momentum)
        self.weight_decay = check_non_negative(
            owner, "weight_decay", weight_decay)
        nesterov = check_flag(owner, "nesterov", nesterov)
        if nesterov and momentum == 0:
            raise ValueError(
                f"{owner}: nesterov=True needs momentum > 0; set one, e.g. "
                f"momentum=0.9")
        self.nesterov = nesterov

    def update(self, p, state):
        g = p.grad
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            momentum_update(p, g, state, self.lr, self.momentum,
                            self.nesterov)
        else:
            p.data -= self.lr * g


@pluggable
def momentum_update(p, g, state, lr, momentum, nesterov):
    """One step of SGD with momentum on ``p``, in place, from gradient ``g``.

    ``p`` is a Tensor ``(N, M)``, ``g`` an array of its shape and
    ``state`` the parameter's dict, where the velocity lives under
    ``"momentum_buffer"`` from one step to the next, an array in p's dtype;
    with ``nesterov`` the step looks ahead. The buffer is a copy of ``g``,
    never ``g`` itself: ``g`` is often ``p.grad``, which ``zero_grad``
    zeroes in place.
    """
    buf = state.get("momentum_buffer")
    if buf is None:
        buf = state["momentum_buffer"] = g.astype(p.dtype)
    else:
        buf *= momentum
        buf += g
    step = g + momentum * buf if nesterov else buf
    p.data -= lr * step


class Adam(Optimizer):
    """Adam: steps along the gradient's running mean over its running RMS.

    For each parameter ``p`` and its gradient ``g``, both ``(N, M)``, at
    step ``t = 1, 2, ...``, with ``m`` and ``v`` starting at zero::

        g = g + weight_decay * p      (L2, as in torch.optim.Adam)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    The bias corrections undo the start at zero: at ``t = 1``,
    ``m_hat = g`` and ``v_hat = g**2``, so every entry moves by about
    ``lr``, whatever the gradient's scale. ``state[i]`` holds ``step``
    (``t``), ``exp_avg`` (``m``) and ``exp_avg_sq`` (``v``).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0):
        super().__init__(params, lr)
        owner = type(self).__name__
        self.betas = check_betas(owner, betas)
        self.eps = check_non_negative(owner, "eps", eps)
        self.weight_decay = check_non_negative(
            owner, "weight_decay", weight_decay)

    def update(self, p, state):
        g = p.grad
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        adam_update(p, g, state, self.lr, self.betas, self.eps)


@pluggable
def adam_update(p, g, state, lr, betas, eps):
    """One Adam step on ``p``, in place, from gradient ``g`` (any L2 in it).

    ``p`` is a Tensor ``(N, M)`` and ``g`` an array of its shape. ``state``
    is the parameter's dict: ``step`` (``t``, 1 at the first step),
    ``exp_avg`` (``m``) and ``exp_avg_sq`` (``v``), made at the first
    step, zero, like ``p.data``, and changed in place after that.
    ``betas`` are the two averages' decay rates, ``(b1, b2)``, and ``eps``
    keeps the step finite where ``v`` is 0.
    """
    if not state:
        state.update(step=0, exp_avg=np.zeros_like(p.data),
                     exp_avg_sq=np.zeros_like(p.data))
    state["step"] += 1
    b1, b2 = betas
    m, v, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g * g
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    Before each Adam step, which uses the plain gradient ``g``::

        p = p * (1 - lr * weight_decay)

    In Adam with L2 the decay goes through ``m_hat / sqrt(v_hat)`` and is
    scaled down where gradients are large; here every parameter shrinks by
    the same factor.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)

    def update(self, p, state):
        adamw_update(p, p.grad, state, self.lr, self.betas, self.eps,
                     self.weight_decay)


@pluggable
def adamw_update(p, g, state, lr, betas, eps, weight_decay):
    """One AdamW step on ``p``, in place: decay ``p``, then Adam on ``g``.

    The decay shrinks ``p`` by a fraction of itself set by the learning
    rate and ``weight_decay``, from the parameter before the step; the Adam
    step that follows (:func:`adam_update`) gets the plain gradient ``g``,
    so the decay never enters ``m`` and ``v`` (Loshchilov and Hutter, 2019).
    """
    p.data *= 1 - lr * weight_decay
    adam_update(p, g, state, lr, betas, eps)


