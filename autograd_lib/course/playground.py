"""The XOR playground: sliders that retrain autograd_lib's MLP and redraw the result.

Two versions:

* :func:`xor_playground` is live. Every slider release calls the library's own
  ``train(MLP(2, hidden, 2, activation, seed), X, y, lr, epochs)`` in the
  running kernel and redraws the figure. It needs a kernel (JupyterLab, Binder,
  Colab).
* :func:`static_playground` is for the published book, which has no kernel. It
  trains a grid of settings once, when the book is built, renders each result
  to a small PNG, and stacks the pictures in ``ipywidgets.Stack`` widgets whose
  ``selected_index`` is ``jslink``-ed to the sliders, so the browser switches
  pictures by itself.

ipywidgets and matplotlib are imported inside the functions: ``import
autograd_lib`` needs only NumPy.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field

import numpy as np

from . import plots
from ..data import xor_data
from ..model import MLP, train

DEFAULTS = dict(lr=0.5, hidden=8, epochs=500, seed=0, activation="relu")
LR_RANGE = (1e-3, 1e2)
HIDDEN_RANGE = (1, 64)
EPOCH_RANGE = (50, 5000)
SEED_RANGE = (0, 99)
ACTIVATIONS = ("relu", "tanh")

GRID_LRS = (0.01, 0.05, 0.2, 0.5, 2.0, 10.0)
GRID_HIDDENS = (1, 2, 4, 8, 16, 64)


# ---- what a run did, in words ------------------------------------------------------

def verdict(history, model=None):
    """A plain-language verdict on a run: ``(kind, sentence)``.

    ``kind`` is one of ``"diverged"``, ``"worse"``, ``"stuck"``, ``"solved"``,
    ``"unsolved"``, checked in that order. Dead ReLU units are those negative on
    all four inputs (:func:`autograd_lib.plots.dead_units`).
    """
    n = history.n_samples
    dead = int(plots.dead_units(model).sum()) if model is not None else 0
    width = model.W1.shape[1] if model is not None else 0
    dead_note = (f" {dead} of {width} hidden ReLU units are dead (negative on all four inputs, "
                 f"so they get no gradient and never recover).") if dead else ""
    if history.diverged:
        bad = history.loss[-1]
        return "diverged", (f"diverged at epoch {history.diverged_at} (loss became {bad}): the steps "
                            f"were so large that the numbers overflowed.")
    correct = int(history.correct[-1])
    if history.final_loss > history.loss[0]:
        return "worse", (f"did not learn: final loss higher than at the start "
                         f"({history.loss[0]:.4f} -> {history.final_loss:.4f}), {correct}/{n} correct. "
                         f"The learning rate is too large: each step overshoots.{dead_note}")
    if dead and correct < n:
        return "stuck", f"stuck at {correct}/{n}:{dead_note}"
    if correct == n:
        return "solved", f"solved: {correct}/{n} correct, final loss {history.final_loss:.6f}.{dead_note}"
    return "unsolved", (f"not solved yet: {correct}/{n} correct, final loss {history.final_loss:.6f} "
                        f"(from {history.loss[0]:.4f} at the start).{dead_note}")


def caption_html(history, model, lr, hidden, activation, epochs, seed):
    """The caption under the playground: the settings, then the outcome in words."""
    kind, sentence = verdict(history, model)
    color = {"diverged": "#b2182b", "worse": "#b2182b", "stuck": "#b35806"}.get(kind, "#1a1a1a")
    settings = plots.settings_text(lr, hidden, activation, epochs, seed)
    loss = "nan/inf" if history.diverged else f"{history.final_loss:.6f}"
    return (f"<div style='line-height:1.4'><b>Settings:</b> {html.escape(settings)}<br>"
            f"<b>Result:</b> final loss {loss}, accuracy {int(history.correct[-1])}/{history.n_samples}"
            f"<br><span style='color:{color}'>{html.escape(sentence)}</span></div>")


# ---- the live playground -----------------------------------------------------------

class Playground:
    """The live XOR playground; ``display(pg)`` (or ending a cell with it) shows it.

    Attributes:
        lr, hidden, epochs, seed, activation: the control widgets (sliders and
            toggle buttons); setting ``.value`` from Python retrains, like a
            release of the slider.
        retrain_button: the "Retrain" button (same settings; useful after editing code).
        image: the ``ipywidgets.Image`` showing the figure as PNG.
        caption: the ``ipywidgets.HTML`` caption.
        widget: the whole ``VBox``.
        model, history: the last trained model and its :class:`History`.
        settings: the dict of settings the last run used.
        last_seconds: how long the last retrain + redraw took.
    """

    def __init__(self, lr=DEFAULTS["lr"], hidden=DEFAULTS["hidden"], epochs=DEFAULTS["epochs"],
                 seed=DEFAULTS["seed"], activation=DEFAULTS["activation"], dpi=80):
        import ipywidgets as w
        from matplotlib.figure import Figure

        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        common = dict(continuous_update=False, style={"description_width": "100px"},
                      layout=w.Layout(width="420px"))
        self.lr = w.FloatLogSlider(value=_clip(lr, *LR_RANGE), base=10, min=np.log10(LR_RANGE[0]),
                                   max=np.log10(LR_RANGE[1]), step=0.05, readout_format=".3g",
                                   description="learning rate", **common)
        self.hidden = w.IntSlider(value=int(_clip(hidden, *HIDDEN_RANGE)), min=HIDDEN_RANGE[0],
                                  max=HIDDEN_RANGE[1], description="hidden units", **common)
        self.epochs = w.IntSlider(value=int(_clip(round(epochs / 50) * 50, *EPOCH_RANGE)), min=EPOCH_RANGE[0],
                                  max=EPOCH_RANGE[1], step=50, description="epochs", **common)
        self.seed = w.IntSlider(value=int(_clip(seed, *SEED_RANGE)), min=SEED_RANGE[0], max=SEED_RANGE[1],
                                description="seed", **common)
        self.activation = w.ToggleButtons(options=list(ACTIVATIONS), value=activation, description="activation",
                                          style={"description_width": "100px", "button_width": "70px"})
        self.retrain_button = w.Button(description="Retrain", icon="refresh",
                                       tooltip="train again with the current settings")
        self.image = w.Image(format="png")
        self.caption = w.HTML()
        self.widget = w.VBox([
            w.HBox([w.VBox([self.lr, self.hidden, self.epochs]),
                    w.VBox([self.seed, self.activation, self.retrain_button])]),
            self.image, self.caption,
        ])
        self._figure = Figure(figsize=(9.6, 3.3), dpi=dpi)
        self.X, self.y = xor_data()
        self.model = self.history = None
        self.settings = {}
        self.last_seconds = float("nan")
        for control in (self.lr, self.hidden, self.epochs, self.seed, self.activation):
            control.observe(self._on_change, names="value")
        self.retrain_button.on_click(lambda _button: self.retrain())
        self.retrain()

    def _on_change(self, _change):
        self.retrain()

    def retrain(self):
        """Train with the widgets' current values and redraw. Never raises."""
        return self.run(lr=self.lr.value, hidden=self.hidden.value, activation=self.activation.value,
                        epochs=self.epochs.value, seed=self.seed.value)

    def run(self, lr, hidden, activation, epochs, seed):
        """Train and redraw with these settings, which need not fit the sliders.

        This is what :meth:`retrain` calls; tests use it to try settings beyond
        the sliders' bounds (a learning rate of 1e12 that overflows). Any error
        is shown in the caption instead of raised, so the playground stays usable.
        Returns the :class:`History`, or ``None`` after an error.
        """
        start = time.perf_counter()
        self.settings = dict(lr=float(lr), hidden=int(hidden), activation=activation,
                             epochs=int(epochs), seed=int(seed))
        try:
            self.model = MLP(2, int(hidden), 2, activation=activation, seed=int(seed))
            self.history = train(self.model, self.X, self.y, lr=float(lr), epochs=int(epochs))
            title = (plots.settings_text(lr, hidden, activation, epochs, seed) + "\n"
                     + plots.outcome_text(self.history, self.model))
            plots.playground_figure(self.model, self.history, title=title, fig=self._figure)
            self.image.value = plots.figure_png(self._figure)
            self.caption.value = caption_html(self.history, self.model, lr, hidden, activation, epochs, seed)
        except Exception as error:  # noqa: BLE001 - the playground reports, never raises
            self.caption.value = (f"<span style='color:#b2182b'><b>Error</b> with "
                                  f"{html.escape(str(self.settings))}: "
                                  f"{html.escape(type(error).__name__)}: {html.escape(str(error))}</span>")
            self.last_seconds = time.perf_counter() - start
            return None
        self.last_seconds = time.perf_counter() - start
        return self.history

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def xor_playground(**initial):
    """The live XOR playground, starting from ``initial`` settings.

    Keyword arguments (all optional): ``lr`` (default 0.5), ``hidden`` (8),
    ``epochs`` (500), ``seed`` (0), ``activation`` ("relu"). Values outside the
    sliders' ranges are clamped. Returns a :class:`Playground`; end a cell with
    it to show it.
    """
    unknown = set(initial) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"xor_playground: unknown settings {sorted(unknown)}; use {sorted(DEFAULTS)}")
    return Playground(**{**DEFAULTS, **initial})


def _clip(value, lo, hi):
    return min(max(value, lo), hi)


# ---- the precomputed grid for the static book --------------------------------------

@dataclass
class Grid:
    """Trained runs over learning rate x hidden size x activation, all with one seed.

    ``runs[(activation, lr, hidden)]`` is ``(model, history)``.
    """

    lrs: tuple
    hiddens: tuple
    activations: tuple
    epochs: int
    seed: int
    runs: dict = field(default_factory=dict)

    def final_losses(self, activation):
        """``(len(lrs), len(hiddens))`` final losses; NaN where a run diverged."""
        return np.array([[self.runs[(activation, lr, h)][1].final_loss if not
                          self.runs[(activation, lr, h)][1].diverged else np.nan
                          for h in self.hiddens] for lr in self.lrs])


def train_grid(lrs=GRID_LRS, hiddens=GRID_HIDDENS, activations=ACTIVATIONS, epochs=500, seed=0):
    """Train ``MLP(2, h, 2, act, seed)`` with ``train`` for every combination."""
    X, y = xor_data()
    grid = Grid(tuple(lrs), tuple(hiddens), tuple(activations), int(epochs), int(seed))
    for act in grid.activations:
        for lr in grid.lrs:
            for h in grid.hiddens:
                model = MLP(2, h, 2, activation=act, seed=seed)
                grid.runs[(act, lr, h)] = (model, train(model, X, y, lr=lr, epochs=epochs))
    return grid


class StaticPlayground:
    """The precomputed playground: sliders switching pictures in the browser.

    Attributes:
        widget: the ``VBox`` to display.
        activation, lr, hidden: the selectors (ToggleButtons, SelectionSliders);
            their ``index`` is linked to the stacks.
        outer: the ``Stack`` over activations, whose children are Stacks over
            learning rates, whose children are Stacks over hidden sizes, whose
            children are ``Image`` widgets.
        images: the ``Image`` widgets by ``(activation, lr, hidden)``.
        links: every ``jslink`` made.
        caption: the HTML note saying when the pictures were computed.
        grid: the :class:`Grid` of trained runs.
    """

    def __init__(self, grid, dpi=64, colors=48):
        import ipywidgets as w

        self.grid = grid
        style = {"description_width": "100px"}
        self.activation = w.ToggleButtons(options=[(a, i) for i, a in enumerate(grid.activations)],
                                          value=0, description="activation",
                                          style={**style, "button_width": "70px"})
        self.lr = w.SelectionSlider(options=[(f"{lr:g}", i) for i, lr in enumerate(grid.lrs)],
                                    value=grid.lrs.index(0.5) if 0.5 in grid.lrs else 0,
                                    description="learning rate", style=style, layout=w.Layout(width="420px"))
        self.hidden = w.SelectionSlider(options=[(str(h), i) for i, h in enumerate(grid.hiddens)],
                                        value=grid.hiddens.index(8) if 8 in grid.hiddens else 0,
                                        description="hidden units", style=style, layout=w.Layout(width="420px"))
        from matplotlib.figure import Figure

        fig = Figure(figsize=(9.6, 3.3), dpi=dpi)
        self.images = {}
        self.links = []
        lr_stacks = []
        for act in grid.activations:
            hidden_stacks = []
            for lr in grid.lrs:
                pictures = []
                for h in grid.hiddens:
                    model, history = grid.runs[(act, lr, h)]
                    title = (plots.settings_text(lr, h, act, grid.epochs, grid.seed) + "\n"
                             + plots.outcome_text(history, model))
                    plots.playground_figure(model, history, title=title, fig=fig)
                    image = w.Image(value=plots.figure_png(fig, colors=colors), format="png")
                    self.images[(act, lr, h)] = image
                    pictures.append(image)
                stack = w.Stack(pictures, selected_index=self.hidden.index)
                self.links.append(w.jslink((self.hidden, "index"), (stack, "selected_index")))
                hidden_stacks.append(stack)
            stack = w.Stack(hidden_stacks, selected_index=self.lr.index)
            self.links.append(w.jslink((self.lr, "index"), (stack, "selected_index")))
            lr_stacks.append(stack)
        self.outer = w.Stack(lr_stacks, selected_index=0)
        self.links.append(w.jslink((self.activation, "index"), (self.outer, "selected_index")))
        n = len(self.images)
        self.caption = w.HTML(
            f"<div style='line-height:1.4'><b>Precomputed.</b> These {n} pictures were computed "
            f"with autograd_lib when this book was built ({grid.epochs} epochs, seed {grid.seed}); "
            f"the sliders only choose which one to show, and nothing is trained in your browser. "
            f"To retrain live with any settings, run this page as a notebook (the launch button "
            f"at the top of the page) and use the live playground.</div>")
        self.widget = w.VBox([w.HBox([w.VBox([self.lr, self.hidden]), self.activation]),
                              self.outer, self.caption])

    @property
    def nbytes(self):
        """Total bytes of PNG held by the pictures (what the saved notebook stores)."""
        return sum(len(im.value) for im in self.images.values())

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def static_playground(lrs=GRID_LRS, hiddens=GRID_HIDDENS, activations=ACTIVATIONS, epochs=500, seed=0,
                      grid=None, dpi=64, colors=48):
    """A playground that works without a kernel: a precomputed grid of pictures.

    Trains every combination of ``lrs x hiddens x activations`` (or uses
    ``grid``, a :class:`Grid` from :func:`train_grid`), renders each to a small
    PNG and returns a :class:`StaticPlayground` whose sliders are linked to
    ``Stack`` widgets in the browser (``jslink``), so they work on a static
    web page.
    """
    if grid is None:
        grid = train_grid(lrs, hiddens, activations, epochs, seed)
    return StaticPlayground(grid, dpi=dpi, colors=colors)


def landscape_figure(grid, figsize=(9.6, 3.6), dpi=90):
    """Small multiples of the final loss over learning rate x hidden size, one per activation.

    Returns a pyplot figure (so a notebook cell can end with ``plt.show()``).
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(grid.activations), figsize=figsize, dpi=dpi, squeeze=False,
                             layout="constrained")
    image = plots.draw_landscape(axes[0], grid)
    fig.colorbar(image, ax=axes[0].tolist(), label="final loss (log scale)")
    fig.suptitle(f"Final loss after {grid.epochs} epochs (seed {grid.seed}); "
                 f"cell text: correct of 4, 'nan' = diverged", fontsize=10)
    return fig


__all__ = ["Playground", "xor_playground", "Grid", "train_grid", "StaticPlayground",
           "static_playground", "landscape_figure", "verdict", "caption_html"]
