"""Figures for the XOR chapter and its playground.

Every ``draw_*`` function draws on a matplotlib ``Axes`` it is given, so the
same pictures serve the book's static figures, the live playground and the
precomputed grid. matplotlib is imported inside the functions that need it:
``import autograd_lib`` itself needs only NumPy.

Forward passes made here for plotting run inside ``no_grad()``: they record
nothing, so plotting between a forward pass and its ``backward`` is safe and
costs no tape memory.
"""

from __future__ import annotations

import io

import numpy as np

from ..data import xor_data
from ..tape import no_grad
from ..tensor import Tensor

LIM = (-0.5, 1.5)
"""The square of the input plane the boundary plots cover, on both axes."""

CMAP = "RdBu_r"
"""P(class 1) colour map: blue for class 0, red for class 1, white at 0.5."""

HIDDEN_COLOR = "#e8b000"
"""Hidden units' lines: gold, visible on both red and blue."""

CLASS_STYLE = {0: dict(marker="o", color="#1f4e9c", label="class 0"),
               1: dict(marker="s", color="#b2182b", label="class 1")}


# ---- numbers behind the pictures ------------------------------------------------

def prob_class1(model, points):
    """P(class 1) under ``model`` for each row of ``points``: ``(P, 2) -> (P,)``.

    Runs ``model``'s own forward inside ``no_grad()``, so nothing is recorded.
    ``softmax(z)[1] = 1 / (1 + exp(z0 - z1)) = (1 + tanh((z1 - z0) / 2)) / 2``,
    written with tanh so that huge logits give 0 or 1, not an overflow.
    """
    with no_grad():
        logits = model(Tensor(np.asarray(points, dtype=model.params[0].dtype))).data
    with np.errstate(invalid="ignore", over="ignore"):
        return 0.5 * (1.0 + np.tanh(0.5 * (logits[:, 1].astype(np.float64) - logits[:, 0])))


def grid_points(lim=LIM, n=100):
    """An ``n x n`` grid over ``lim x lim``: returns ``(xs, ys, points)`` with points ``(n*n, 2)``."""
    xs = np.linspace(lim[0], lim[1], n)
    gx, gy = np.meshgrid(xs, xs)
    return xs, xs, np.column_stack([gx.ravel(), gy.ravel()])


def hidden_preactivations(model, X=None):
    """First-layer pre-activations ``X @ W1 + b1`` on the XOR inputs: ``(4, H)``."""
    if X is None:
        X, _ = xor_data()
    data = X.data if isinstance(X, Tensor) else np.asarray(X)
    return data @ model.W1.data + model.b1.data


def dead_units(model, X=None):
    """Boolean ``(H,)``: which first-layer ReLU units are dead on the data.

    A ReLU unit whose pre-activation is ``<= 0`` on every training input outputs
    0 for all of them, so its VJP mask is all zero: none of its weights gets a
    gradient again, and SGD can never bring it back. tanh units never die
    (tanh's slope is never exactly 0), so for tanh this is all ``False``.
    """
    pre = hidden_preactivations(model, X)
    if model.activation != "relu":
        return np.zeros(pre.shape[1], dtype=bool)
    return ~(pre > 0).any(axis=0)


def _plain_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:g}")


def _null_formatter():
    from matplotlib.ticker import NullFormatter

    return NullFormatter()


# ---- one Axes each ----------------------------------------------------------------

def draw_loss(ax, history, color="C0", label=None):
    """The loss per epoch on a log scale.

    ``history.loss`` has shape ``(epochs + 1,)``: entry ``e`` is measured after
    ``e`` SGD steps. A diverged run (``history.diverged``) ends in NaN or inf;
    the finite part is drawn and the divergence is marked with a red line.
    """
    loss = np.asarray(history.loss, dtype=np.float64)
    epochs = np.arange(len(loss))
    finite = np.isfinite(loss)
    ax.plot(epochs[finite], np.maximum(loss[finite], 1e-12), color=color, lw=1.5, label=label)
    ax.set_yscale("log")
    # Plain labels like 0.01 instead of mathtext 10^-2: mathtext parsing costs ~40 ms per redraw.
    ax.yaxis.set_major_formatter(_plain_formatter())
    ax.yaxis.set_minor_formatter(_null_formatter())
    if history.diverged:
        e = history.diverged_at
        ax.axvline(e, color="red", ls="--", lw=1)
        ax.text(e, 0.5, f" diverged\n at epoch {e}", color="red", fontsize=8,
                transform=ax.get_xaxis_transform(), ha="right" if e > 0.6 * max(len(loss), 2) else "left")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (log scale)")
    ax.set_title("training loss", y=1.0, pad=4)
    ax.grid(True, which="major", alpha=0.3)


def draw_accuracy(ax, history):
    """Correct predictions out of ``history.n_samples`` per epoch (a step curve)."""
    correct = np.asarray(history.correct)
    ax.step(np.arange(len(correct)), correct, where="post", color="C2", lw=1.5)
    ax.set_ylim(-0.2, history.n_samples + 0.2)
    ax.set_yticks(range(history.n_samples + 1))
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"correct (of {history.n_samples})")
    ax.set_title("accuracy", y=1.0, pad=4)
    ax.grid(True, alpha=0.3)


def draw_points(ax, X=None, y=None, size=60):
    """The four XOR points, marked by class (circles: 0, squares: 1)."""
    if X is None:
        X, y = xor_data()
    data = X.data if isinstance(X, Tensor) else np.asarray(X)
    labels = np.asarray(y)
    for c, style in CLASS_STYLE.items():
        pts = data[labels == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=size, edgecolors="white", linewidths=1.2, zorder=5, **style)


def draw_boundary(ax, model, lim=LIM, n=100, points=True):
    """The model's P(class 1) over the plane, its 0.5 contour and the XOR points.

    A grid of ``n x n`` inputs, shape ``(n*n, 2)``, goes through ``model``'s
    forward in one batch; the result is reshaped to ``(n, n)`` and shown as an
    image (blue = class 0, red = class 1). Returns the image artist (for a colour bar).
    """
    xs, ys, pts = grid_points(lim, n)
    p = prob_class1(model, pts).reshape(n, n)
    image = ax.imshow(np.nan_to_num(p, nan=0.5), origin="lower", extent=(lim[0], lim[1], lim[0], lim[1]),
                      cmap=CMAP, vmin=0, vmax=1, interpolation="bilinear", aspect="equal", alpha=0.85)
    if not np.isfinite(p).all():
        ax.text(0.5, 0.5, "weights are nan/inf:\nno boundary", transform=ax.transAxes,
                ha="center", va="center", fontsize=9, color="#b2182b")
    if np.isfinite(p).all() and p.min() < 0.5 < p.max():
        ax.contour(xs, ys, p, levels=[0.5], colors="black", linewidths=2.0)
    if points:
        draw_points(ax)
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("decision boundary, P(class 1)", y=1.0, pad=4)
    return image


def hidden_line(w, b, lim=LIM):
    """The segment of the line ``w[0] x1 + w[1] x2 + b = 0`` inside ``lim x lim``.

    Returns ``(x1s, x2s)``, two arrays of 2 points each, or ``None`` if the line
    misses the square (or ``w`` is zero).
    """
    lo, hi = lim
    if abs(w[1]) >= abs(w[0]) and w[1] != 0:
        x1 = np.array([lo, hi])
        x2 = -(w[0] * x1 + b) / w[1]
    elif w[0] != 0:
        x2 = np.array([lo, hi])
        x1 = -(w[1] * x2 + b) / w[0]
    else:
        return None
    # Clip the segment to the square: parametrise and keep t where both coordinates fit.
    ts = np.linspace(0, 1, 201)
    px, py = x1[0] + ts * (x1[1] - x1[0]), x2[0] + ts * (x2[1] - x2[0])
    inside = (px >= lo) & (px <= hi) & (py >= lo) & (py <= hi)
    if not inside.any():
        return None
    i, j = np.flatnonzero(inside)[[0, -1]]
    return np.array([px[i], px[j]]), np.array([py[i], py[j]])


def draw_hidden_lines(ax, model, lim=LIM, arrows=True):
    """Each first-layer unit's line ``W1[:, j] . x + b1[j] = 0`` in the input plane.

    ``W1`` is ``(2, H)`` and ``b1`` is ``(1, H)``. Unit ``j`` is active
    (pre-activation > 0) on the side its arrow points to. Live units are solid
    gold lines; dead ReLU units (see :func:`dead_units`) are dotted grey.
    Returns the number of dead units.
    """
    W, b = model.W1.data.astype(np.float64), model.b1.data[0].astype(np.float64)
    dead = dead_units(model)
    starts, dirs = [], []
    for j in range(W.shape[1]):
        seg = hidden_line(W[:, j], b[j], lim)
        if seg is None:
            continue
        if dead[j]:
            ax.plot(*seg, color="0.35", ls=":", lw=1.3)
        else:
            ax.plot(*seg, color=HIDDEN_COLOR, ls="-", lw=1.3)
            mid = np.array([seg[0].mean(), seg[1].mean()])
            starts.append(mid)
            dirs.append(W[:, j] / np.linalg.norm(W[:, j]))
    if arrows and starts:
        s, d = np.array(starts), np.array(dirs) * 0.12 * (lim[1] - lim[0])
        ax.quiver(s[:, 0], s[:, 1], d[:, 0], d[:, 1], angles="xy", scale_units="xy", scale=1,
                  color=HIDDEN_COLOR, width=0.007, headwidth=3, headlength=3)
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    return int(dead.sum())


# ---- whole figures ----------------------------------------------------------------

def settings_text(lr, hidden, activation, epochs, seed):
    """One line naming the settings of a run, used in titles and captions."""
    return f"lr = {lr:.3g}, hidden = {hidden}, {activation}, {epochs} epochs, seed {seed}"


def settings_phrase(settings):
    """Some of a run's settings in words, e.g. ``{"epochs": 500, "seed": 0}`` -> "500 epochs, seed 0"."""
    words = {"lr": lambda v: f"lr {v:g}", "hidden": lambda v: f"{v} hidden units",
             "activation": str, "epochs": lambda v: f"{v} epochs", "seed": lambda v: f"seed {v}"}
    return ", ".join(words[k](settings[k]) for k in ("activation", "lr", "hidden", "epochs", "seed")
                     if k in settings)


def outcome_text(history, model=None):
    """A short plain-text verdict on a run (the caption says more)."""
    if history.diverged:
        return f"diverged at epoch {history.diverged_at}"
    text = f"loss {history.final_loss:.4f}, {history.correct[-1]}/{history.n_samples} correct"
    if model is not None and model.activation == "relu":
        dead = int(dead_units(model).sum())
        if dead:
            text += f", {dead} dead"
    return text


def playground_figure(model, history, title=None, fig=None, figsize=(9.6, 3.3), dpi=80,
                      hidden_lines=True):
    """The playground's picture: loss, decision boundary with hidden lines, accuracy.

    Args:
        model: a trained :class:`~autograd_lib.MLP` with 2 inputs and 2 classes.
        history: its :class:`~autograd_lib.History`.
        title: the figure's title (e.g. :func:`settings_text` plus the outcome).
        fig: a ``matplotlib.figure.Figure`` to clear and reuse (faster than a
            new one); by default a new Figure not registered with pyplot, so
            it never piles up in pyplot's list of open figures.
    Returns:
        The Figure, with three Axes.
    """
    from matplotlib.figure import Figure

    if fig is None:
        fig = Figure(figsize=figsize, dpi=dpi)
    else:
        fig.clear()
    ax_loss, ax_bound, ax_acc = fig.subplots(1, 3, gridspec_kw=dict(width_ratios=[1.25, 1, 1.25]))
    fig.subplots_adjust(left=0.075, right=0.985, bottom=0.15, top=0.78, wspace=0.42)
    draw_loss(ax_loss, history)
    draw_boundary(ax_bound, model, n=80)
    if hidden_lines:
        draw_hidden_lines(ax_bound, model)
    draw_accuracy(ax_acc, history)
    for ax in (ax_loss, ax_bound, ax_acc):
        ax.title.set_fontsize(10)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def figure_png(fig, dpi=None, colors=None):
    """The PNG bytes of ``fig``, without pyplot.

    ``colors``: if given, quantise to that many colours with Pillow (the
    precomputed grid uses this to keep each picture near 10-20 KB).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    buf = io.BytesIO()
    if colors is None:
        fig.savefig(buf, format="png", dpi=dpi if dpi is not None else fig.dpi)
        return buf.getvalue()
    from PIL import Image

    if dpi is not None:
        fig.set_dpi(dpi)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    image.convert("RGB").quantize(colors=colors).save(buf, format="png", optimize=True)
    return buf.getvalue()


def draw_landscape(axes, grid, vmin=None, vmax=None):
    """Final loss over learning rate x hidden size, one heatmap per activation.

    ``grid`` is a :class:`~autograd_lib.course.playground.Runs` over activation,
    learning rate and hidden size (:func:`~autograd_lib.course.playground.train_grid`);
    ``axes`` holds one Axes per activation. Colour is the final loss on a
    log scale; each cell shows the accuracy k/4; diverged runs are marked
    "nan". Returns the image artist of the last heatmap (for a colour bar).
    """
    from matplotlib.colors import LogNorm

    activations, lrs, hiddens = (grid.axes[k] for k in ("activation", "lr", "hidden"))
    table = {act: grid.final_losses(act) for act in activations}
    finite = np.concatenate([t[np.isfinite(t)] for t in table.values()])
    vmin = vmin if vmin is not None else max(float(finite.min()), 1e-6)
    vmax = vmax if vmax is not None else float(finite.max())
    image = None
    for ax, act in zip(np.ravel(axes), activations):
        losses = table[act]
        shown = np.where(np.isfinite(losses), np.clip(losses, vmin, vmax), np.nan)
        image = ax.imshow(shown, origin="lower", cmap="viridis", aspect="auto",
                          norm=LogNorm(vmin=vmin, vmax=vmax))
        for i, lr in enumerate(lrs):
            for j, h in enumerate(hiddens):
                hist = grid.get(activation=act, lr=lr, hidden=h)[1]
                label = "nan" if hist.diverged else f"{hist.correct[-1]}/{hist.n_samples}"
                bright = np.isfinite(shown[i, j]) and np.log(shown[i, j] / vmin) > 0.6 * np.log(vmax / vmin)
                ax.text(j, i, label, ha="center", va="center", fontsize=7,
                        color="black" if bright else "white")
        ax.set_xticks(range(len(hiddens)), [str(h) for h in hiddens])
        ax.set_yticks(range(len(lrs)), [f"{lr:g}" for lr in lrs])
        ax.set_xlabel("hidden units")
        ax.set_ylabel("learning rate")
        ax.set_title(f"{act}: final loss after {grid.fixed['epochs']} epochs", fontsize=10)
    return image
