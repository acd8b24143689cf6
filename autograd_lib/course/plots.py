"""Figures for the chapters and their playgrounds.

Every ``draw_*`` function draws on a matplotlib ``Axes`` it is given, so the
same pictures serve the book's static figures, the live playgrounds and the
precomputed grids. matplotlib is imported inside the functions that need it:
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
"""The square of the input plane the XOR plots cover, on both axes. Any ``lim`` argument below is
such a pair, used for both axes, or a pair of pairs ``((x_lo, x_hi), (y_lo, y_hi))``."""

CMAP = "RdBu_r"
"""P(class 1) colour map: blue for class 0, red for class 1, white at 0.5."""

HIDDEN_COLOR = "#e8b000"
"""Hidden units' lines: gold, visible on both red and blue."""

MAX_NUMBERED_UNITS = 16
"""Wider layers draw their lines unnumbered: 64 numbers would hide the plane."""

PLAYGROUND_FIGSIZE = (8.0, 2.9)
"""The playground picture's size in inches: at 86 dpi it is 688 px wide, the book's text column,
so its 10-point labels show at 12 px there instead of being scaled down."""

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


def limits(lim):
    """``(xlim, ylim)`` from a ``lim`` that is one pair for both axes or a pair of pairs."""
    return (tuple(lim[0]), tuple(lim[1])) if np.ndim(lim) == 2 else (tuple(lim), tuple(lim))


def data_limits(X, pad=0.5):
    """The data's bounding box, ``pad`` wider on every side: ``((x_lo, x_hi), (y_lo, y_hi))``."""
    data = X.data if isinstance(X, Tensor) else np.asarray(X)
    lo, hi = data.min(axis=0) - pad, data.max(axis=0) + pad
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def grid_points(lim=LIM, n=100):
    """An ``n x n`` grid over the plane ``lim``: returns ``(xs, ys, points)``, points ``(n*n, 2)``."""
    xlim, ylim = limits(lim)
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def hidden_preactivations(model, X=None):
    """First-layer pre-activations ``X @ W1 + b1``: ``(B, H)``, on the XOR inputs by default."""
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


def log_y(ax):
    """A log scale on ``ax``'s y axis, labelled 0.01, 0.1, 1 rather than in powers of ten.

    Plain labels read more easily, and mathtext parsing costs ~40 ms per redraw of a playground.
    """
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(_plain_formatter())
    # Within one decade there is at most one major tick: label 2, 3 and 5 times a power of ten too.
    lo, hi = ax.get_ylim()
    ax.yaxis.set_minor_formatter(_plain_formatter(minor=True) if hi < 10 * lo else _null_formatter())


def _plain_formatter(minor=False):
    from matplotlib.ticker import FuncFormatter

    def label(v, _pos):
        if minor and round(v / 10 ** np.floor(np.log10(v))) not in (2, 3, 5):
            return ""
        return f"{v:g}"

    return FuncFormatter(label)


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
    log_y(ax)
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
    """Correct predictions per epoch (a step curve): a count of up to 10 samples, else a percentage."""
    correct, n = np.asarray(history.correct), history.n_samples
    if n <= 10:
        ax.step(np.arange(len(correct)), correct, where="post", color="C2", lw=1.5)
        ax.set_ylim(-0.2, n + 0.2)
        ax.set_yticks(range(n + 1))
        ax.set_ylabel(f"correct (of {n})")
    else:
        ax.step(np.arange(len(correct)), 100 * correct / n, where="post", color="C2", lw=1.5)
        ax.set_ylim(-2, 102)
        ax.set_ylabel(f"correct (% of {n})")
    ax.set_xlabel("epoch")
    ax.set_title("accuracy", y=1.0, pad=4)
    ax.grid(True, alpha=0.3)


def draw_points(ax, X=None, y=None, size=60):
    """Points of two classes (circles: 0, squares: 1), by default XOR's four; ``X`` is ``(B, 2)``."""
    if X is None:
        X, y = xor_data()
    data = X.data if isinstance(X, Tensor) else np.asarray(X)
    labels = np.asarray(y)
    for c, style in CLASS_STYLE.items():
        pts = data[labels == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=size, edgecolors="white", linewidths=1.2 if size >= 30 else 0.5,
                   zorder=5, **style)


def draw_boundary(ax, model, lim=None, n=100, points=True, data=None):
    """The model's P(class 1) over the plane, its 0.5 contour and the data points.

    ``data`` is ``(X, y)``, by default XOR's four points; ``lim`` defaults to
    :data:`LIM` for XOR and to the data's bounding box otherwise. A grid of
    ``n x n`` inputs, shape ``(n*n, 2)``, goes through ``model``'s forward in
    one batch; the result is reshaped to ``(n, n)`` and shown as an image
    (blue = class 0, red = class 1). Returns the image artist (for a colour bar).
    """
    if lim is None:
        lim = LIM if data is None else data_limits(data[0])
    (x0, x1), (y0, y1) = limits(lim)
    xs, ys, pts = grid_points(lim, n)
    p = prob_class1(model, pts).reshape(n, n)
    image = ax.imshow(np.nan_to_num(p, nan=0.5), origin="lower", extent=(x0, x1, y0, y1),
                      cmap=CMAP, vmin=0, vmax=1, interpolation="bilinear", aspect="equal", alpha=0.85)
    if not np.isfinite(p).all():
        ax.text(0.5, 0.5, "weights are nan/inf:\nno boundary", transform=ax.transAxes,
                ha="center", va="center", fontsize=9, color="#b2182b")
    if np.isfinite(p).all() and p.min() < 0.5 < p.max():
        ax.contour(xs, ys, p, levels=[0.5], colors="black", linewidths=2.0)
    if points:
        if data is None:
            draw_points(ax)
        else:
            draw_points(ax, *data, size=14)
        # Above the panel, not in it: every part of the plane may hold a point or a line.
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.11), ncol=2, frameon=False, fontsize=8,
                  borderaxespad=0, handletextpad=0.2, columnspacing=1.0, markerscale=0.7)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("decision boundary, P(class 1)", y=1.0, pad=4)
    return image


def hidden_line(w, b, lim=LIM):
    """The segment of the line ``w[0] x1 + w[1] x2 + b = 0`` inside the plane ``lim``.

    Returns ``(x1s, x2s)``, two arrays of 2 points each, or ``None`` if the line
    misses the rectangle (or ``w`` is zero).
    """
    (xlo, xhi), (ylo, yhi) = limits(lim)
    if abs(w[1]) >= abs(w[0]) and w[1] != 0:
        x1 = np.array([xlo, xhi])
        x2 = -(w[0] * x1 + b) / w[1]
    elif w[0] != 0:
        x2 = np.array([ylo, yhi])
        x1 = -(w[1] * x2 + b) / w[0]
    else:
        return None
    # Clip the segment to the rectangle: parametrise and keep t where both coordinates fit.
    ts = np.linspace(0, 1, 201)
    px, py = x1[0] + ts * (x1[1] - x1[0]), x2[0] + ts * (x2[1] - x2[0])
    inside = (px >= xlo) & (px <= xhi) & (py >= ylo) & (py <= yhi)
    if not inside.any():
        return None
    i, j = np.flatnonzero(inside)[[0, -1]]
    return np.array([px[i], px[j]]), np.array([py[i], py[j]])


def _label_spot(seg, lim, avoid, gap=0.07):
    """A point on the segment ``seg`` at least ``gap`` (as a fraction of the plot's width and
    height) from every point in ``avoid``, trying spots from near one end inwards; the first
    spot if none is that clear."""
    (xlo, xhi), (ylo, yhi) = limits(lim)
    spots = [(seg[0][0] + t * (seg[0][1] - seg[0][0]), seg[1][0] + t * (seg[1][1] - seg[1][0]))
             for t in (0.88, 0.74, 0.6, 0.46, 0.32, 0.18)]
    for x, y in spots:
        if all(abs(x - a) / (xhi - xlo) > gap or abs(y - b) / (yhi - ylo) > gap for a, b in avoid):
            return x, y
    return spots[0]


def draw_hidden_lines(ax, model, lim=LIM, arrows=True, X=None):
    """Each first-layer unit's line ``W1[:, j] . x + b1[j] = 0`` in the input plane.

    ``W1`` is ``(2, H)`` and ``b1`` is ``(1, H)``. Unit ``j`` is active
    (pre-activation > 0) on the side its arrow points to. Live units are solid
    gold lines; dead ReLU units (see :func:`dead_units`, on the inputs ``X``,
    XOR's by default) are dotted grey. Up to :data:`MAX_NUMBERED_UNITS` units, each line
    carries its unit's number ``j``, so the text can talk about unit 3. Returns the number of
    dead units.
    """
    from matplotlib import patheffects

    W, b = model.W1.data.astype(np.float64), model.b1.data[0].astype(np.float64)
    dead = dead_units(model, X)
    starts, dirs = [], []
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    # Numbers keep clear of XOR's four points; a data set of hundreds covers the plane anyway.
    points = xor_data()[0].data if X is None else np.asarray(getattr(X, "data", X))
    avoid = [tuple(p) for p in points] if len(points) <= 16 else []
    for j in range(W.shape[1]):
        seg = hidden_line(W[:, j], b[j], lim)
        if seg is None:
            continue
        color = "0.35" if dead[j] else HIDDEN_COLOR
        ax.plot(*seg, color=color, ls=":" if dead[j] else "-", lw=1.3)
        if W.shape[1] > MAX_NUMBERED_UNITS:
            continue
        x, y = _label_spot(seg, lim, avoid)
        avoid.append((x, y))
        ax.text(x, y, str(j), color="0.35" if dead[j] else "0.1", fontsize=7, ha="center",
                va="center", zorder=6, path_effects=halo)
        if not dead[j]:
            mid = np.array([seg[0].mean(), seg[1].mean()])
            starts.append(mid)
            dirs.append(W[:, j] / np.linalg.norm(W[:, j]))
    xlim, ylim = limits(lim)
    if arrows and starts:
        s, d = np.array(starts), np.array(dirs) * 0.12 * (xlim[1] - xlim[0])
        ax.quiver(s[:, 0], s[:, 1], d[:, 0], d[:, 1], angles="xy", scale_units="xy", scale=1,
                  color=HIDDEN_COLOR, width=0.007, headwidth=3, headlength=3)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return int(dead.sum())


# ---- whole figures ----------------------------------------------------------------

OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "momentum", "nesterov": "Nesterov",
                    "adam": "Adam", "adamw": "AdamW"}
"""How the playgrounds name the optimisers they offer."""


def settings_text(lr, hidden, activation, epochs, seed, dataset=None, optimizer=None, weight_decay=None):
    """One line naming the settings of a run, used in titles and captions.

    The XOR playground gives the first five; the optimiser playground also the data set, the
    optimiser and the weight decay, which then open the line.
    """
    head = f"{dataset}, {OPTIMIZER_LABELS[optimizer]}, " if optimizer is not None else ""
    decay = f", weight decay {weight_decay:g}" if weight_decay is not None else ""
    return f"{head}lr = {lr:.3g}{decay}, hidden = {hidden}, {activation}, {epochs} epochs, seed {seed}"


def settings_phrase(settings):
    """Some of a run's settings in words, e.g. ``{"epochs": 500, "seed": 0}`` -> "500 epochs, seed 0"."""
    words = {"dataset": str, "optimizer": OPTIMIZER_LABELS.get, "lr": lambda v: f"lr {v:g}",
             "weight_decay": lambda v: f"weight decay {v:g}", "hidden": lambda v: f"{v} hidden units",
             "activation": str, "epochs": lambda v: f"{v} epochs", "seed": lambda v: f"seed {v}"}
    return ", ".join(words[k](settings[k]) for k in words if k in settings)


def outcome_text(history, model=None, X=None):
    """A short plain-text verdict on a run (the caption says more); ``X``: the inputs, XOR's by default."""
    if history.diverged:
        return f"diverged at epoch {history.diverged_at}"
    text = f"loss {history.final_loss:.4f}, {history.correct[-1]}/{history.n_samples} correct"
    if model is not None and model.activation == "relu":
        dead = int(dead_units(model, X).sum())
        if dead:
            text += f", {dead} dead"
    return text


def playground_figure(model, history, title=None, fig=None, figsize=None, dpi=96,
                      hidden_lines=True, data=None):
    """The playground's picture: loss, decision boundary with hidden lines, accuracy.

    Args:
        model: a trained :class:`~autograd_lib.MLP` with 2 inputs and 2 classes.
        history: its :class:`~autograd_lib.History`.
        title: the figure's title (e.g. :func:`settings_text` plus the outcome).
        hidden_lines: whether to draw the hidden units' lines on the boundary.
        data: the ``(X, y)`` it was trained on, XOR's four points by default.
        fig: a ``matplotlib.figure.Figure`` to clear and reuse (faster than a
            new one); by default a new Figure not registered with pyplot, so
            it never piles up in pyplot's list of open figures.
    Returns:
        The Figure, with three Axes.
    """
    from matplotlib.figure import Figure

    if fig is None:
        fig = Figure(figsize=figsize or PLAYGROUND_FIGSIZE, dpi=dpi)
    ax_loss, ax_bound, ax_acc = _emptied_axes(fig)
    draw_loss(ax_loss, history)
    draw_boundary(ax_bound, model, n=80, data=data)
    if hidden_lines:
        lim = LIM if data is None else data_limits(data[0])
        draw_hidden_lines(ax_bound, model, lim=lim, X=None if data is None else data[0])
    draw_accuracy(ax_acc, history)
    for ax in (ax_loss, ax_bound, ax_acc):
        ax.title.set_fontsize(10)
    fig.suptitle(title or "", fontsize=10)
    return fig


def _emptied_axes(fig):
    """The three Axes of a playground picture in ``fig``, emptied for the next run.

    A figure that already holds them keeps them: only what a run drew is removed and the
    scales and limits are reset. Making new Axes would rebuild every tick, which takes half
    the time of a precomputed grid's pictures; the pictures are the same either way
    (tests/course/test_plots.py compares them pixel by pixel).
    """
    axes = getattr(fig, "_playground_axes", None)
    if axes is None or list(fig.axes) != list(axes):
        fig.clear()
        axes = tuple(fig.subplots(1, 3, gridspec_kw=dict(width_ratios=[1.25, 1, 1.25])))
        fig.subplots_adjust(left=0.09, right=0.985, bottom=0.175, top=0.72, wspace=0.45)
        fig._playground_axes = axes
        return axes
    for ax in axes:
        for artist in [*ax.lines, *ax.collections, *ax.images, *ax.texts, *ax.patches]:
            artist.remove()
        # The loss axis is logarithmic and its limits follow the data: start both afresh. (A
        # new legend replaces the old one, and every panel sets its own titles and labels.)
        ax.set_yscale("linear")
        ax.relim()
    return axes


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
    # Fast octree keeps a thin line's colour (the gold of the hidden units) that median cut
    # merges into the red around it, and its PNGs are about a tenth smaller.
    image.convert("RGB").quantize(colors=colors, method=Image.Quantize.FASTOCTREE).save(
        buf, format="png", optimize=True)
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


# ---- chapter 6: paths on a loss surface ------------------------------------------------

def draw_surface(ax, f, xlim, ylim, n=200, levels=14):
    """Contours of ``log10(f)`` over ``xlim x ylim``; ``f(a, b)`` takes arrays ``(n, n)``.

    A log scale, because a valley's walls are orders of magnitude above its floor.
    """
    a, b = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    ax.contourf(a, b, np.log10(f(a, b) + 1e-12), levels=levels, cmap="Greys_r", alpha=0.55)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")


def draw_path(ax, points, color, label=None, every=1):
    """An optimiser's path: ``points`` ``(steps + 1, 2)``, a dot at every ``every``-th step."""
    points = np.asarray(points)
    ax.plot(points[:, 0], points[:, 1], color=color, lw=1.0, label=label)
    ax.plot(points[::every, 0], points[::every, 1], "o", color=color, ms=2.0)
    ax.plot(*points[0], "o", color="black", ms=4)


# ---- chapter 7: digits, training curves, confusion ---------------------------------------

def draw_digits(axes, images, titles=None, colors=None):
    """One 8x8 image per Axes: ``images`` is ``(k, 64)``, pixel values 0 (white) to 16 (black).

    ``titles`` and ``colors``, if given, label each image.
    """
    for i, ax in enumerate(np.ravel(axes)):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(images):
            ax.set_axis_off()
            continue
        ax.imshow(np.asarray(images[i]).reshape(8, 8), cmap="gray_r", vmin=0, vmax=16,
                  interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i], fontsize=9, pad=2, color="black" if colors is None else colors[i])


def draw_fit(ax_loss, ax_acc, history, color="C0", label=None):
    """A :class:`~autograd_lib.FitHistory`: loss (log scale) and accuracy per epoch.

    Training is dashed, validation solid, both in ``color``; ``label`` names the run in the legend.
    The best epoch (lowest validation loss) gets a dot.
    """
    epochs = np.arange(history.epochs + 1)
    name = f"{label}: " if label else ""
    ax_loss.plot(epochs, history.train_loss, color=color, ls="--", lw=1.2, label=f"{name}train")
    ax_loss.plot(epochs, history.val_loss, color=color, lw=1.6, label=f"{name}validation")
    best = history.best_epoch
    ax_loss.plot(best, history.val_loss[best], "o", color=color, ms=5)
    log_y(ax_loss)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss (log scale)")
    ax_loss.grid(True, which="major", alpha=0.3)
    ax_acc.plot(epochs, 100 * history.train_accuracy, color=color, ls="--", lw=1.2)
    ax_acc.plot(epochs, 100 * history.val_accuracy, color=color, lw=1.6)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.grid(True, alpha=0.3)


def draw_confusion(ax, counts):
    """A confusion matrix ``(C, C)``, true class down, prediction across, each count written in.

    The colour is on a log scale, so that the few mistakes off the diagonal stand out.
    """
    from matplotlib.colors import LogNorm

    counts = np.asarray(counts)
    classes = len(counts)
    shown = np.where(counts > 0, counts, np.nan)
    ax.imshow(shown, cmap="Blues", norm=LogNorm(vmin=1, vmax=max(2, counts.max())))
    for i in range(classes):
        for j in range(classes):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if i == j else "#b2182b")
    ax.set_xticks(range(classes))
    ax.set_yticks(range(classes))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
