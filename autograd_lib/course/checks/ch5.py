"""Chapter 5's checks: sgd_step, train_step."""

from __future__ import annotations

import numpy as np

from ... import model, optim, tape
from ...model import MLP
from ...ops import softmax_ce
from ...tape import Tape
from ...tensor import Tensor
from .core import Failed, Task, _call, _difference, _first_match, _mentions, _same, _short


def _check_sgd_step(fn):
    rng = np.random.default_rng(0)
    params = [Tensor(rng.standard_normal(s), requires_grad=True, name=n)
              for n, s in [("W1", (2, 8)), ("b1", (1, 8)), ("W2", (8, 2)), ("b2", (1, 2))]]
    for p in params[:3]:
        p.grad = rng.standard_normal(p.shape).astype(np.float32)
    lr = 0.1
    before = [p.data.copy() for p in params]
    versions = {p.name: p.version for p in params}
    grads = [None if p.grad is None else p.grad.copy() for p in params]
    case = "sgd_step([W1, b1, W2, b2], lr=0.1), float32; b2.grad is None (b2 did not affect the loss)"
    _call(fn, case, params, lr, raised=[
        (_mentions("NoneType"), "a parameter whose grad is None did not affect the loss, and your "
         "code stepped it anyway.")])
    for p, old, g in zip(params, before, grads):
        if g is None:
            if not np.array_equal(p.data, old):
                raise Failed(case, "b2.data changed although b2.grad is None",
                             "a parameter with no gradient must stay as it is.")
            continue
        if p.grad is None or not np.array_equal(p.grad, g):
            raise Failed(case, f"{p.name}.grad changed",
                         "the step changed a gradient: zero_grad clears them before the next backward, "
                         "and the step must leave them alone.")
        expected = old - lr * g
        if not _same(p.data, expected, 1e-6):
            mistakes = [("the step went uphill: along the gradient instead of against it.", old + lr * g),
                        ("the step is the whole gradient: the learning rate never scaled it.", old - g),
                        ("the step is lr alone: the gradient never came into it.", old - lr)]
            raise Failed(case, _difference(f"{p.name}.data", p.data, expected), _first_match(p.data, mistakes))
        if p.data.dtype != old.dtype:
            raise Failed(case, f"{p.name}.data became {p.data.dtype}; it was {old.dtype}",
                         "the update made a new array of another dtype; an in-place update keeps it.")
        if p.version != versions[p.name] + 1:
            raise Failed(case, f"{p.name}'s numbers changed but its version did not count it "
                         f"(version {versions[p.name]} before the step, {p.version} after)",
                         "the step wrote into the array behind the tensor's back (through p.data[...]): "
                         "chapter 2's version counter, which lets backward refuse a tensor changed "
                         "after the forward pass, never saw it. An update of the attribute itself "
                         "counts.")


def _check_train_step(fn):
    X = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]], name="X")
    y = np.array([0, 1, 1, 0])
    mine, ref = MLP(2, 8, 2, seed=3), MLP(2, 8, 2, seed=3)
    # The reader's three steps share one tape, as a training loop's do (their tape_reset() calls
    # replace it, not the caller's): a step that starts no fresh tape finds the last one, walked.
    with Tape():
        for step in range(1, 4):
            case = f"step {step} of three on XOR: MLP(2, 8, 2, seed=3), lr 0.5"
            result = _step(fn, case, mine, X, y)
            with Tape():
                loss, logits = model.train_step.library(ref, X, y, 0.5)
            if not isinstance(result, tuple) or len(result) != 2:
                raise Failed(case, f"it returned {_short(result)}",
                             "train_step returns a pair, the loss and the logits: train() records the "
                             "loss and counts correct answers from the logits.")
            your_loss, your_logits = result
            if not isinstance(your_loss, Tensor) or your_loss.shape != (1, 1) or not _same(your_loss.data, loss.data):
                raise Failed(case, f"the returned loss is {_short(your_loss)}"
                             + (f" = {your_loss.item():.6f}, expected {loss.item():.6f}"
                                if isinstance(your_loss, Tensor) and your_loss.shape == (1, 1) else ""),
                             "the loss returned must be the (1, 1) tensor softmax_ce gave, computed "
                             "before the update.")
            if not isinstance(your_logits, Tensor) or not _same(your_logits.data, logits.data):
                raise Failed(case, f"the returned logits are {_short(your_logits)}, not model(X) before the step",
                             "the logits returned must be the forward pass's own, from before the update.")
            for p, q in zip(mine.params, ref.params):
                if not _same(p.data, q.data, 1e-5):
                    moved = any(not np.array_equal(w.data, w0) for w, w0 in zip(mine.params, _start(3)))
                    hint = None
                    if step > 1 and _same(p.data, _without_zero_grad(step)[p.name], 1e-5):
                        hint = ("the old gradients were never cleared: backward adds into .grad, so "
                                "every step also repeated all earlier ones.")
                    elif not moved:
                        hint = ("the weights did not move: the step ran without the gradients backward "
                                "fills (backward after the step, or zero_grad between backward and the "
                                "step, say).")
                    raise Failed(case, _difference(f"{p.name}.data after the step", p.data, q.data), hint)


def _step(fn, case, net, X, y):
    return _call(fn, case, net, X, y, 0.5, raised=[
        (_mentions("already walked"), "the step did not start a fresh tape: the last step's "
         "backward walked it, and a tape is walked once."),
        (_mentions("changed in place"), "the weights were updated before backward ran: the step "
         "changes them in place, and backward needs the values the forward pass used."),
        (_mentions("held read-only by the tape"), "the step came before backward: until backward "
         "has walked the tape, the tape holds the weights read-only, because backward needs the "
         "values the forward pass used."),
        (_mentions("already called on this tape"), "the step did not start a fresh tape, so its "
         "backward met the last step's walked one.")])


def _start(seed):
    return [p.data.copy() for p in MLP(2, 8, 2, seed=seed).params]


def _without_zero_grad(steps):
    # The weights after `steps` steps that never clear the gradients.
    X = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([0, 1, 1, 0])
    net = MLP(2, 8, 2, seed=3)
    with Tape():
        for _ in range(steps):
            tape.tape_reset()
            tape.backward.library(softmax_ce(net(X), y))
            optim.sgd_step.library(net.params, 0.5)
    return {p.name: p.data for p in net.params}


TASKS = [
    Task("5.1", "sgd_step", "05_xor", "four parameters in float32, one without a gradient, "
         "updated in place; gradients left alone", _check_sgd_step),
    Task("5.2", "train_step", "05_xor", "three steps on XOR against the library's: the same loss, "
         "logits and weights after every step", _check_train_step),
]

LADDERS = {
    "5.1": ("Each parameter moves against its gradient, by lr times it, in place; a parameter "
            "without a gradient stays where it is, and the gradients stay too.",
            "p <- p - lr grad for every p in params whose grad is not None. Change the numbers "
            "through the tensor's data attribute (an in-place operator on p.data), so that the "
            "tensor counts the change in its version; writing into p.data[...] slips past that "
            "count."),
    "5.2": ("One training step is five things, in order: a fresh tape, cleared gradients, the "
            "forward pass and the loss, backward, the update. Return the loss and the logits from "
            "before the update.",
            "Each is a function you have: tape_reset; zero_grad of the model's parameters; the "
            "model called on X, then softmax_ce of its logits and y; backward of the loss; "
            "sgd_step of the parameters with lr."),
}
