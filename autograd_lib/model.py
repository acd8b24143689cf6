"""A multilayer perceptron and the training loop the XOR chapter runs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ops import add_bias, argmax_rows, matmul, relu, softmax_ce, tanh
from .optim import sgd_step
from .plugin import pluggable
from .tape import backward, no_grad, tape_reset
from .tensor import DEFAULT_DTYPE, Tensor, he_init, zero_grad

ACTIVATIONS = {"relu": relu, "tanh": tanh}


class MLP:
    """A multilayer perceptron: ``(B, n_in) -> (B, n_out)`` logits.

    ``n_hidden`` is one width or a list of widths, one per hidden layer.
    With one hidden layer the network is ``act(X @ W1 + b1) @ W2 + b2``.
    Weights are He-initialised from ``numpy.random.default_rng(seed)``;
    biases start at zero. ``params`` is ``[W1, b1, W2, b2, ...]``, also
    reachable as attributes ``model.W1`` and so on.
    """

    def __init__(self, n_in, n_hidden, n_out, activation="relu", seed=0,
                 dtype=DEFAULT_DTYPE):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got "
                f"{activation!r}")
        hidden = [n_hidden] if np.ndim(n_hidden) == 0 else list(n_hidden)
        sizes = [n_in, *hidden, n_out]
        for n in sizes:
            if int(n) != n or n < 1:
                raise ValueError(
                    f"layer sizes must be positive integers, got {sizes}")
        rng = np.random.default_rng(seed)
        self.activation = activation
        self.sizes = sizes
        self.layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:]), 1):
            W = Tensor(np.zeros((fan_in, fan_out)), True, dtype, f"W{i}")
            he_init(W, fan_in, rng)
            b = Tensor(np.zeros((1, fan_out)), True, dtype, f"b{i}")
            setattr(self, f"W{i}", W)
            setattr(self, f"b{i}", b)
            self.layers.append((W, b))
        self.params = [p for layer in self.layers for p in layer]
        self._act = ACTIVATIONS[activation]

    def hidden(self, X):
        """The last hidden layer's output: ``(B, n_in) -> (B, sizes[-2])``."""
        h = X
        for W, b in self.layers[:-1]:
            h = self._act(add_bias(matmul(h, W), b))
        return h

    def __call__(self, X):
        """The logits: ``(B, n_in) -> (B, n_out)``."""
        W, b = self.layers[-1]
        return add_bias(matmul(self.hidden(X), W), b)

    @property
    def n_params(self):
        return sum(p.data.size for p in self.params)


@dataclass
class History:
    """Per-epoch record of a training run.

    ``loss[e]`` and ``correct[e]`` are measured on the parameters after
    ``e`` SGD steps, so index 0 is the untrained network. If the loss
    stopped being finite, ``diverged_at`` is that epoch and the arrays end
    there.
    """

    loss: np.ndarray
    correct: np.ndarray
    n_samples: int
    diverged_at: int | None = None

    @property
    def diverged(self):
        return self.diverged_at is not None

    @property
    def accuracy(self):
        """Fraction of samples classified correctly, per epoch."""
        return self.correct / self.n_samples

    @property
    def final_loss(self):
        return float(self.loss[-1])

    def table(self, epochs=(0, 50, 100, 200, 500)):
        """A text table of loss and accuracy at the chosen epochs."""
        lines = [f"{'epoch':<8}{'loss':<12}accuracy"]
        for e in epochs:
            if e < len(self.loss):
                lines.append(f"{e:<8}{self.loss[e]:<12.6f}"
                             f"{self.correct[e]}/{self.n_samples}")
        if self.diverged:
            lines.append(f"diverged at epoch {self.diverged_at}: the loss "
                         f"became {self.loss[-1]}")
        return "\n".join(lines)


@pluggable
def train_step(model, X, y, lr):
    """One SGD step on the whole batch ``X`` ``(B, n_in)``, labels ``(B,)``.

    Starts a fresh tape, clears the old gradients, runs the forward pass
    and the loss, walks back, and updates ``model.params``. Returns the
    ``(1, 1)`` loss and the ``(B, n_out)`` logits, both from before the
    update.
    """
    tape_reset()
    zero_grad(model.params)
    logits = model(X)
    loss = softmax_ce(logits, y)
    backward(loss)
    sgd_step(model.params, lr)
    return loss, logits


def train(model, X, y, lr=0.5, epochs=500):
    """Full-batch SGD for ``epochs`` steps, recording loss and accuracy.

    Returns a :class:`~autograd_lib.History` with ``epochs + 1`` entries
    (epoch 0 is before any step). Training stops early, without raising, if
    the loss becomes NaN or infinite: that run diverged, and
    ``History.diverged_at`` says when.
    """
    if int(epochs) != epochs or epochs < 0:
        raise ValueError(
            f"epochs must be a non-negative integer, got {epochs}")
    epochs = int(epochs)
    labels = np.asarray(y)
    loss_hist = np.empty(epochs + 1)
    correct = np.empty(epochs + 1, dtype=np.int64)
    diverged_at = None
    # Overflows are expected on the way to divergence, reported below.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs + 1):
            if epoch < epochs:
                loss, logits = train_step(model, X, labels, lr)
            else:
                with no_grad():
                    logits = model(X)
                    loss = softmax_ce(logits, labels)
            value = float(loss.data[0, 0])
            loss_hist[epoch] = value
            correct[epoch] = int((argmax_rows(logits) == labels).sum())
            if not np.isfinite(value):
                diverged_at = epoch
                break
    tape_reset()
    end = epoch + 1
    return History(loss_hist[:end], correct[:end], len(labels), diverged_at)
