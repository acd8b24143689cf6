"""A multilayer perceptron, and the loops that train and measure it.

``train_step`` and ``train`` are the full-batch SGD of the XOR chapter;
``train`` also takes an optimiser object. ``train_on_batch``,
``train_epoch`` and ``fit`` train on minibatches with an optimiser, as the
digits chapter does; ``evaluate``, ``predict`` and ``confusion_matrix``
measure the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import batches
from .ops import add_bias, argmax_rows, matmul, relu, softmax_ce, tanh
from .guards import (check_confusion, check_fit, check_mlp, check_model,
                     check_model_input, check_optimizer, check_train)
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
        sizes, dtype = check_mlp(n_in, n_hidden, n_out, activation,
                                 ACTIVATIONS, seed, dtype)
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
        check_model_input(self, X)
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
    check_model("train_step", model)
    tape_reset()
    zero_grad(model.params)
    logits = model(X)
    loss = softmax_ce(logits, y)
    backward(loss)
    sgd_step(model.params, lr)
    return loss, logits


def train(model, X, y, lr=None, epochs=500, optimizer=None):
    """Full-batch training for ``epochs`` steps, recording loss and accuracy.

    Each step is :func:`train_step` with learning rate ``lr`` (0.5 if not
    given), plain SGD; or, with an ``optimizer`` over ``model.params``
    (``Adam(model.params, lr=0.01)``, say), :func:`train_on_batch`, which
    steps with it: the optimiser then holds the learning rate, and ``lr``
    stays unset. Returns a :class:`~autograd_lib.History` with
    ``epochs + 1`` entries (epoch 0 is before any step). Training stops
    early, without raising, if the loss becomes NaN or infinite: that run
    diverged, and ``History.diverged_at`` says when.
    """
    epochs, labels = check_train(model, X, y, lr, epochs, optimizer)
    if optimizer is None:
        lr = 0.5 if lr is None else lr

        def step():
            return train_step(model, X, labels, lr)
    else:
        def step():
            return train_on_batch(model, optimizer, X, labels)
    loss_hist = np.empty(epochs + 1)
    correct = np.empty(epochs + 1, dtype=np.int64)
    diverged_at = None
    # Overflows are expected on the way to divergence, reported below.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs + 1):
            if epoch < epochs:
                loss, logits = step()
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


def train_on_batch(model, optimizer, X, y):
    """One step of ``optimizer`` on the batch ``X`` ``(B, n_in)``, ``y``.

    :func:`train_step` with an optimiser object: a fresh tape,
    ``optimizer.zero_grad()``, the forward pass and the loss, backward,
    ``optimizer.step()``. Returns the ``(1, 1)`` loss and the
    ``(B, n_out)`` logits, both from before the step.
    """
    check_optimizer("train_on_batch(model, optimizer, X, y)", optimizer)
    tape_reset()
    optimizer.zero_grad()
    logits = model(X)
    loss = softmax_ce(logits, y)
    backward(loss)
    optimizer.step()
    return loss, logits


@pluggable
def train_epoch(model, optimizer, X, y, batch_size, rng):
    """One epoch: one optimiser step per minibatch of ``(X, y)``.

    The batches come from :func:`~autograd_lib.batches` with
    ``batch_size`` and the Generator ``rng``, a new order each epoch; each
    is one :func:`train_on_batch`. Returns the epoch's mean loss over its
    samples, as a float: each batch's mean loss weighted by its size, so a
    smaller last batch counts for what it holds.
    """
    total = 0.0
    for X_batch, y_batch in batches(X, y, batch_size, rng):
        loss, _ = train_on_batch(model, optimizer, X_batch, y_batch)
        total += loss.item() * len(y_batch)
    return total / len(y)


def predict(model, X):
    """The class ``model`` gives each row of ``X``: ``(B, n_in) -> (B,)``.

    Runs inside ``no_grad()``: nothing is recorded on the tape.
    """
    check_model("predict", model)
    with no_grad():
        return argmax_rows(model(X))


def evaluate(model, X, y):
    """Mean loss and accuracy of ``model`` on ``X`` ``(B, n_in)``, ``y``.

    Returns two floats, ``(loss, accuracy)``, accuracy the fraction of rows
    classified correctly; runs inside ``no_grad()``.
    """
    check_model("evaluate", model)
    labels = np.asarray(y)
    with no_grad():
        logits = model(X)
        loss = softmax_ce(logits, labels).item()
    return loss, float(np.mean(argmax_rows(logits) == labels))


def confusion_matrix(y_true, y_pred, n_classes):
    """Counts ``(n_classes, n_classes)``: row = true class, column = guess.

    ``y_true`` and ``y_pred`` hold one class index each per sample; entry
    ``[i, j]`` counts the samples of class ``i`` classified as ``j``, so
    the diagonal holds the correct ones.
    """
    true, pred, n_classes = check_confusion(y_true, y_pred, n_classes)
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (true, pred), 1)
    return counts


@dataclass
class FitHistory:
    """Per-epoch record of :func:`fit`: loss and accuracy, train and val.

    Each array has one entry per epoch, entry ``e`` measured after ``e``
    epochs on the whole split (so entry 0 is the untrained network).
    ``best_epoch`` is the epoch with the lowest validation loss;
    ``stopped_early`` says whether early stopping ended the run before
    its last epoch.
    """

    train_loss: np.ndarray
    train_accuracy: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    best_epoch: int
    stopped_early: bool

    @property
    def epochs(self):
        """How many epochs ran."""
        return len(self.val_loss) - 1

    def table(self, epochs):
        """A text table of both splits' loss and accuracy at ``epochs``."""
        lines = [f"{'epoch':<8}{'train loss':<12}{'train acc':<11}"
                 f"{'val loss':<12}val acc"]
        for e in epochs:
            if e <= self.epochs:
                lines.append(
                    f"{e:<8}{self.train_loss[e]:<12.4f}"
                    f"{self.train_accuracy[e]:<11.2%}"
                    f"{self.val_loss[e]:<12.4f}{self.val_accuracy[e]:.2%}")
        return "\n".join(lines)


def fit(model, optimizer, train_data, val_data, epochs, batch_size=64,
        seed=0, patience=None, progress=None):
    """Train on minibatches for up to ``epochs`` epochs, measuring each.

    ``train_data`` and ``val_data`` are pairs ``(X, y)``. Each epoch is
    one :func:`train_epoch` with ``batch_size``, its order drawn from one
    ``numpy.random.default_rng(seed)``; then :func:`evaluate` measures both
    splits. With ``patience``, training stops once the validation loss has
    not improved for ``patience`` epochs, and the parameters of the best
    epoch are put back: early stopping. ``progress`` wraps the range of
    epochs, e.g. ``tqdm`` for a progress bar. Returns a
    :class:`FitHistory`.
    """
    epochs, patience = check_fit(model, optimizer, train_data, val_data,
                                 epochs, seed, patience, progress)
    rng = np.random.default_rng(seed)
    record = [evaluate(model, *train_data) + evaluate(model, *val_data)]
    best_epoch, best = 0, [p.data.copy() for p in model.params]
    epoch_range = range(1, epochs + 1)
    for epoch in progress(epoch_range) if progress else epoch_range:
        train_epoch(model, optimizer, *train_data, batch_size, rng)
        record.append(evaluate(model, *train_data)
                      + evaluate(model, *val_data))
        if record[epoch][2] < record[best_epoch][2]:
            best_epoch, best = epoch, [p.data.copy() for p in model.params]
        elif patience is not None and epoch - best_epoch >= patience:
            break
    stopped_early = len(record) <= epochs
    if patience is not None:
        for p, saved in zip(model.params, best):
            p.data[...] = saved
    tape_reset()
    columns = np.array(record).T
    return FitHistory(*columns, best_epoch=best_epoch,
                      stopped_early=stopped_early)
