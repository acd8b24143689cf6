"""The playgrounds: sliders that retrain autograd_lib's MLP and redraw the result.

Two playgrounds, each in two versions. The XOR playground (chapter 5) varies the learning rate,
the hidden size, the activation, the epochs and the seed of full-batch SGD on XOR. The optimiser
playground (chapter 6) adds the data set (XOR or two moons), the optimiser (SGD, with momentum or
Nesterov's, Adam, AdamW) and the weight decay.

* :func:`xor_playground` and :func:`optimiser_playground` are live. Every slider release calls
  the library's own ``train`` in the running kernel and redraws the figure. They need a kernel
  (JupyterLab, Binder, Colab).
* :func:`static_playground` is for the published book, which has no kernel. It trains the runs
  an experiment needs once, when the book is built, renders each result to a small PNG with its
  caption, and stacks them in ``ipywidgets.Stack`` widgets whose ``selected_index`` is
  ``jslink``-ed to the sliders, so the browser switches pictures by itself.

ipywidgets and matplotlib are imported inside the functions: ``import
autograd_lib`` needs only NumPy.
"""

from __future__ import annotations

import html
import itertools
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import plots
from ..data import two_moons, xor_data
from ..model import MLP, train
from ..optim import SGD, Adam, AdamW

DEFAULTS = dict(lr=0.5, hidden=8, epochs=500, seed=0, activation="relu")
LR_RANGE = (1e-3, 1e2)
HIDDEN_RANGE = (1, 64)
EPOCH_RANGE = (50, 5000)
SEED_RANGE = (0, 99)
ACTIVATIONS = ("relu", "tanh")

GRID_LRS = (0.01, 0.05, 0.2, 0.5, 2.0, 10.0, 50.0)
GRID_HIDDENS = (1, 2, 4, 8, 16, 64)

OPTIMISER_DEFAULTS = dict(dataset="moons", optimizer="adam", lr=0.03, weight_decay=0.0, hidden=16,
                          epochs=300, seed=0, activation="relu")
"""The optimiser playground's settings at the start. Its ``seed`` is the network's; the moons
themselves are always ``two_moons(200, noise=0.1, seed=0)``."""
DATASETS = ("xor", "moons")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw")
WEIGHT_DECAYS = (0.0, 1e-4, 1e-3, 1e-2, 0.1, 1.0)


@lru_cache(maxsize=None)
def dataset(name):
    """``(X, y)`` of a playground's data set: ``"xor"``'s four points, or ``"moons"``."""
    if name == "xor":
        return xor_data()
    if name == "moons":
        return two_moons(200, noise=0.1, seed=0)
    raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}")


def make_optimizer(name, params, lr, weight_decay):
    """The optimiser called ``name`` in the playground, over ``params``.

    ``"sgd"``, ``"momentum"`` (0.9), ``"nesterov"`` (0.9) and ``"adam"`` take ``weight_decay`` as
    L2 in the gradient, ``"adamw"`` decoupled, each as its ``torch.optim`` namesake does.
    """
    makers = {"sgd": lambda: SGD(params, lr, weight_decay=weight_decay),
              "momentum": lambda: SGD(params, lr, momentum=0.9, weight_decay=weight_decay),
              "nesterov": lambda: SGD(params, lr, momentum=0.9, nesterov=True, weight_decay=weight_decay),
              "adam": lambda: Adam(params, lr, weight_decay=weight_decay),
              "adamw": lambda: AdamW(params, lr, weight_decay=weight_decay)}
    if name not in makers:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")
    return makers[name]()


def train_setting(settings):
    """Train the run these settings describe: returns ``(model, history)``.

    With XOR's five settings, exactly ``train(MLP(2, hidden, 2, activation, seed), X, y, lr,
    epochs)``; with the optimiser playground's, ``train`` on its data set with the optimiser
    :func:`make_optimizer` makes.
    """
    s = settings
    X, y = dataset(s.get("dataset", "xor"))
    model = MLP(2, int(s["hidden"]), 2, activation=s["activation"], seed=int(s["seed"]))
    if "optimizer" not in s:
        return model, train(model, X, y, lr=float(s["lr"]), epochs=int(s["epochs"]))
    optimizer = make_optimizer(s["optimizer"], model.params, float(s["lr"]), float(s["weight_decay"]))
    return model, train(model, X, y, epochs=int(s["epochs"]), optimizer=optimizer)


def figure_of(model, history, settings, fig):
    """Draw a run's picture into ``fig``: loss, boundary (hidden lines for XOR), accuracy."""
    data = dataset(settings.get("dataset", "xor"))
    X = None if settings.get("dataset", "xor") == "xor" else data[0]
    title = plots.settings_text(**settings) + "\n" + plots.outcome_text(history, model, X)
    return plots.playground_figure(model, history, title=title, fig=fig, data=None if X is None else data,
                                   hidden_lines=X is None)


# ---- what a run did, in words ------------------------------------------------------

STILL_FALLING = 1e-4
"""A loss that fell by more than this fraction per epoch, over the last tenth of the run (at
least 20 epochs), is still learning: at that rate it loses another 10% within 1,000 epochs."""


def still_falling(history):
    """The loss's relative fall per epoch over the last tenth of the run (at least 20 epochs)."""
    loss = history.loss
    window = min(len(loss) - 1, max(20, (len(loss) - 1) // 10))
    if window < 1:
        return 0.0
    return float((loss[-window - 1] - loss[-1]) / (window * loss[-window - 1]))


def verdict(history, model=None, X=None):
    """A plain-language verdict on a run: ``(kind, sentence)``.

    ``kind`` is one of ``"diverged"``, ``"worse"``, ``"solved"``, ``"learning"``
    (not solved, but the loss is still falling: more epochs or a larger learning
    rate would help) and ``"stuck"`` (not solved, and the loss has stopped
    falling), checked in that order. Dead ReLU units are those negative on all
    the inputs ``X``, XOR's four by default (:func:`autograd_lib.course.plots.dead_units`).
    """
    n = history.n_samples
    dead = int(plots.dead_units(model, X).sum()) if model is not None else 0
    width = model.W1.shape[1] if model is not None else 0
    inputs = "all four inputs" if n == 4 else f"all {n} inputs"
    dead_note = (f" {dead} of {width} hidden ReLU units are dead (negative on {inputs}, "
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
    if correct == n:
        return "solved", f"solved: {correct}/{n} correct, final loss {history.final_loss:.6f}.{dead_note}"
    rate = still_falling(history)
    if rate > STILL_FALLING:
        return "learning", (f"still learning: {correct}/{n} correct so far, and the loss is still falling "
                            f"({100 * rate:.2f}% per epoch at the end, {history.final_loss:.4f} now). More "
                            f"epochs, or a larger learning rate, should get further.{dead_note}")
    cause = dead_note or (" All hidden units are alive: the run has settled in a flat region of the "
                          "loss, which another seed or more hidden units avoid.")
    return "stuck", (f"stuck at {correct}/{n}: the loss has stopped falling "
                     f"({history.final_loss:.4f}).{cause}")


def caption_html(history, model, lr, hidden, activation, epochs, seed, **more):
    """The caption under the playground: the settings, then the outcome in words.

    ``more``: the optimiser playground's ``dataset``, ``optimizer`` and ``weight_decay``.
    """
    X = dataset(more["dataset"])[0] if more.get("dataset", "xor") != "xor" else None
    kind, sentence = verdict(history, model, X)
    color = {"diverged": "#b2182b", "worse": "#b2182b", "stuck": "#b35806",
             "learning": "#1f4e9c"}.get(kind, "#1a1a1a")
    settings = plots.settings_text(lr, hidden, activation, epochs, seed, **more)
    loss = "nan/inf" if history.diverged else f"{history.final_loss:.6f}"
    return (f"<div style='line-height:1.4'><b>Settings:</b> {html.escape(settings)}<br>"
            f"<b>Result:</b> final loss {loss}, accuracy {int(history.correct[-1])}/{history.n_samples}"
            f"<br><span style='color:{color}'>{html.escape(sentence)}</span></div>")


# ---- the live playground -----------------------------------------------------------

class Playground:
    """A live playground; ``display(pg)`` (or ending a cell with it) shows it.

    With XOR's five settings it is the XOR playground. Given ``dataset``, ``optimizer`` and
    ``weight_decay`` too, it is the optimiser playground, with a control for each of them.

    Attributes:
        lr, hidden, epochs, seed, activation: the control widgets (sliders and
            toggle buttons); setting ``.value`` from Python retrains, like a
            release of the slider.
        dataset, optimizer, weight_decay: the optimiser playground's extra controls
            (``None`` in the XOR playground).
        retrain_button: the "Retrain" button (same settings; useful after editing code).
        image: the ``ipywidgets.Image`` showing the figure as PNG.
        caption: the ``ipywidgets.HTML`` caption.
        widget: the whole ``VBox``.
        model, history: the last trained model and its :class:`~autograd_lib.History`.
        settings: the dict of settings the last run used.
        last_seconds: how long the last retrain + redraw took.
        run_count, status: how many runs so far, and the line under the caption that says so
            with their time (it changes even when a Retrain repeats the same settings).
    """

    def __init__(self, lr=DEFAULTS["lr"], hidden=DEFAULTS["hidden"], epochs=DEFAULTS["epochs"],
                 seed=DEFAULTS["seed"], activation=DEFAULTS["activation"], dpi=96, *, dataset=None,
                 optimizer=None, weight_decay=None):
        import ipywidgets as w
        from matplotlib.figure import Figure

        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        style = {"description_width": "100px"}
        common = dict(continuous_update=False, style=style, layout=w.Layout(width="420px"))
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
                                          style={**style, "button_width": "70px"})
        self.dataset = self.optimizer = self.weight_decay = None
        controls = [self.lr, self.hidden, self.epochs, self.seed, self.activation]
        if optimizer is not None:
            self.dataset = w.ToggleButtons(options=list(DATASETS), value=dataset, description="data set",
                                           style={**style, "button_width": "70px"})
            self.optimizer = w.ToggleButtons(options=[(plots.OPTIMIZER_LABELS[o], o) for o in OPTIMIZERS],
                                             value=optimizer, description="optimiser",
                                             style={**style, "button_width": "125px"})
            self.weight_decay = w.SelectionSlider(options=[(f"{v:g}", v) for v in WEIGHT_DECAYS],
                                                  value=_nearest(weight_decay, WEIGHT_DECAYS),
                                                  description="weight decay", **common)
            controls += [self.dataset, self.optimizer, self.weight_decay]
        self.retrain_button = w.Button(description="Retrain", icon="refresh",
                                       tooltip="train again with the current settings")
        self.image = w.Image(format="png")
        self.caption = w.HTML()
        if optimizer is None:
            rows = [w.HBox([w.VBox([self.lr, self.hidden, self.epochs]),
                            w.VBox([self.seed, self.activation, self.retrain_button])])]
        else:
            rows = [self.dataset, self.optimizer,
                    w.HBox([w.VBox([self.lr, self.weight_decay, self.hidden]),
                            w.VBox([self.epochs, self.seed, self.activation])]), self.retrain_button]
        # A line that changes on every run, so a Retrain with unchanged settings is seen to happen.
        self.status = w.HTML()
        self.widget = w.VBox(rows + [self.image, self.caption, self.status])
        self._figure = Figure(figsize=plots.PLAYGROUND_FIGSIZE, dpi=dpi)
        self.model = self.history = None
        self.settings = {}
        self.last_seconds = float("nan")
        self.run_count = 0
        for control in controls:
            control.observe(self._on_change, names="value")
        self.retrain_button.on_click(lambda _button: self.retrain())
        self.retrain()

    def _on_change(self, _change):
        self.retrain()

    def retrain(self):
        """Train with the widgets' current values and redraw. Never raises."""
        more = {} if self.optimizer is None else dict(
            dataset=self.dataset.value, optimizer=self.optimizer.value, weight_decay=self.weight_decay.value)
        return self.run(lr=self.lr.value, hidden=self.hidden.value, activation=self.activation.value,
                        epochs=self.epochs.value, seed=self.seed.value, **more)

    def run(self, lr, hidden, activation, epochs, seed, **more):
        """Train and redraw with these settings, which need not fit the sliders.

        This is what :meth:`retrain` calls; tests use it to try settings beyond
        the sliders' bounds (a learning rate of 1e12 that overflows). ``more``: the
        optimiser playground's ``dataset``, ``optimizer`` and ``weight_decay``. Any
        error is shown in the caption instead of raised, so the playground stays
        usable. Returns the :class:`~autograd_lib.History`, or ``None`` after an error.
        """
        start = time.perf_counter()
        self.settings = dict(lr=float(lr), hidden=int(hidden), activation=activation,
                             epochs=int(epochs), seed=int(seed))
        if more:
            self.settings.update(dataset=more["dataset"], optimizer=more["optimizer"],
                                 weight_decay=float(more["weight_decay"]))
        try:
            self.model, self.history = train_setting(self.settings)
            figure_of(self.model, self.history, self.settings, self._figure)
            self.image.value = plots.figure_png(self._figure)
            self.caption.value = caption_html(self.history, self.model, **self.settings)
        except Exception as error:  # noqa: BLE001 - the playground reports, never raises
            self.caption.value = (f"<span style='color:#b2182b'><b>Error</b> with "
                                  f"{html.escape(str(self.settings))}: "
                                  f"{html.escape(type(error).__name__)}: {html.escape(str(error))}</span>")
            self._done(start)
            return None
        self._done(start)
        return self.history

    def _done(self, start):
        self.last_seconds = time.perf_counter() - start
        self.run_count += 1
        self.status.value = (f"<span style='color:#555'>Run {self.run_count}: trained and drawn "
                             f"in {self.last_seconds:.2f} s</span>")

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


def optimiser_playground(**initial):
    """The live optimiser playground, starting from ``initial`` settings.

    Keyword arguments (all optional), with their defaults: ``dataset`` ("moons"; or "xor"),
    ``optimizer`` ("adam"; or "sgd", "momentum", "nesterov", "adamw"), ``lr`` (0.03),
    ``weight_decay`` (0; the slider offers 0 and 1e-4 to 1), ``hidden`` (16), ``epochs`` (300),
    ``seed`` (0), ``activation`` ("relu"). Every run is full-batch ``train`` with that optimiser.
    Returns a :class:`Playground`; end a cell with it to show it.
    """
    unknown = set(initial) - set(OPTIMISER_DEFAULTS)
    if unknown:
        raise TypeError(f"optimiser_playground: unknown settings {sorted(unknown)}; use "
                        f"{sorted(OPTIMISER_DEFAULTS)}")
    return Playground(**{**OPTIMISER_DEFAULTS, **initial})


def _nearest(value, values):
    return min(values, key=lambda v: abs(v - value))


def _clip(value, lo, hi):
    return min(max(value, lo), hi)


# ---- precomputed runs for the static book ------------------------------------------

SETTING_LABELS = {"dataset": "data set", "optimizer": "optimiser", "activation": "activation",
                  "lr": "learning rate", "weight_decay": "weight decay", "hidden": "hidden units",
                  "epochs": "epochs", "seed": "seed"}


@dataclass
class Runs:
    """Trained runs over some settings, the others fixed.

    ``axes`` maps each varied setting (``"activation"``, ``"lr"``, ``"hidden"``,
    ``"epochs"``, ``"seed"``, and for the optimiser playground ``"dataset"``,
    ``"optimizer"`` and ``"weight_decay"``) to its values, in the order the sliders
    show them; ``fixed`` holds the other settings. ``runs[values]`` is ``(model,
    history)``, with ``values`` one value per axis, in the axes' order.
    """

    axes: dict
    fixed: dict
    runs: dict = field(default_factory=dict)

    def settings(self, values):
        """All the settings of the run at ``values``."""
        return {**self.fixed, **dict(zip(self.axes, values))}

    def get(self, **settings):
        """``(model, history)`` of the run with these values of the axes."""
        return self.runs[tuple(settings[name] for name in self.axes)]

    def final_losses(self, activation):
        """``(len(lr values), len(hidden values))`` final losses; NaN where a run diverged."""
        return np.array([[np.nan if h.diverged else h.final_loss
                          for h in (self.get(activation=activation, lr=lr, hidden=n)[1]
                                    for n in self.axes["hidden"])] for lr in self.axes["lr"]])


def train_runs(axes, **fixed):
    """Train the run of every combination of ``axes`` with :func:`train_setting`.

    ``fixed`` gives the settings that do not vary; any left out take the defaults of the XOR
    playground, or of the optimiser playground if any of ``dataset``, ``optimizer`` or
    ``weight_decay`` is among the settings. Returns :class:`Runs`.
    """
    given = set(axes) | set(fixed)
    defaults = OPTIMISER_DEFAULTS if given & {"dataset", "optimizer", "weight_decay"} else DEFAULTS
    unknown = given - set(defaults)
    if unknown:
        raise TypeError(f"train_runs: unknown settings {sorted(unknown)}; use {sorted(defaults)}")
    runs = Runs({name: tuple(values) for name, values in axes.items()},
                {k: v for k, v in {**defaults, **fixed}.items() if k not in axes})
    for values in itertools.product(*runs.axes.values()):
        runs.runs[values] = train_setting(runs.settings(values))
    return runs


def train_grid(lrs=GRID_LRS, hiddens=GRID_HIDDENS, activations=ACTIVATIONS, epochs=500, seed=0):
    """:func:`train_runs` over activation x learning rate x hidden size, as the landscape needs."""
    return train_runs({"activation": activations, "lr": lrs, "hidden": hiddens}, epochs=epochs, seed=seed)


class StaticPlayground:
    """The precomputed playground: sliders switching pictures in the browser.

    One control per axis of the :class:`Runs` (toggle buttons for the activation,
    a selection slider for the others). The pictures, each with its caption and
    verdict, sit in nested ``Stack`` widgets, one level per axis, and every stack's
    ``selected_index`` is ``jslink``-ed to its axis's control, so a static web page
    switches pictures without a kernel.

    Attributes:
        widget: the ``VBox`` to display.
        controls: the control widgets by setting name.
        outer: the outermost ``Stack``.
        images, captions: the ``Image`` and ``HTML`` widgets by axis values.
        links: every ``jslink`` made.
        note: the HTML note saying what was precomputed, and how to retrain live.
        runs: the :class:`Runs`.
    """

    def __init__(self, runs, dpi=86, colors=48):
        import ipywidgets as w
        from matplotlib.figure import Figure

        self.runs = runs
        defaults = OPTIMISER_DEFAULTS if "optimizer" in {**runs.fixed, **runs.axes} else DEFAULTS
        self.controls = {name: _control(w, name, values, defaults) for name, values in runs.axes.items()}
        self.images, self.captions, self.links = {}, {}, []
        self._figure = Figure(figsize=plots.PLAYGROUND_FIGSIZE, dpi=dpi)
        self._colors = colors
        # One Layout and one style shared by every picture, caption and stack: each widget's own
        # would add a model of its own, about a kilobyte, to the page's saved widget state.
        from ipywidgets.widgets.widget_string import HTMLStyle  # not exported by ipywidgets 8.1

        self._layout, self._caption_style = w.Layout(), HTMLStyle()
        self.outer = self._stack(w, ())
        n, fixed = len(self.images), plots.settings_phrase(runs.fixed)
        self.note = w.HTML(
            f"<div style='line-height:1.4'><b>Precomputed.</b> These {n} runs ({fixed}) were "
            f"trained with autograd_lib when this book was built; the controls only choose which "
            f"one to show, and nothing is trained in your browser. To retrain live with any "
            f"settings, run this page as a notebook (the launch button at the top of the page) "
            f"and use the live playground.</div>")
        self.widget = w.VBox([w.HBox(list(self.controls.values()), layout=w.Layout(flex_flow="row wrap")),
                              self.outer, self.note])

    def _stack(self, w, values):
        # One Stack level per axis, its children the next level; the last level holds pictures.
        level = len(values)
        if level == len(self.runs.axes):
            return self._picture(w, values)
        name = list(self.runs.axes)[level]
        control = self.controls[name]
        stack = w.Stack([self._stack(w, values + (v,)) for v in self.runs.axes[name]],
                        selected_index=control.index, layout=self._layout)
        self.links.append(w.jslink((control, "index"), (stack, "selected_index")))
        return stack

    def _picture(self, w, values):
        model, history = self.runs.runs[values]
        s = self.runs.settings(values)
        figure_of(model, history, s, self._figure)
        self.images[values] = w.Image(value=plots.figure_png(self._figure, colors=self._colors), format="png",
                                      layout=self._layout)
        self.captions[values] = w.HTML(caption_html(history, model, **s), layout=self._layout,
                                       style=self._caption_style)
        return w.VBox([self.images[values], self.captions[values]], layout=self._layout)

    @property
    def nbytes(self):
        """Total bytes of PNG held by the pictures (what the saved notebook stores)."""
        return sum(len(im.value) for im in self.images.values())

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def _control(w, name, values, defaults):
    default = values.index(defaults[name]) if defaults[name] in values else 0
    label = plots.OPTIMIZER_LABELS.get if name == "optimizer" else (
        lambda v: f"{v:g}" if isinstance(v, float) else str(v))
    options = [(label(v), i) for i, v in enumerate(values)]
    style = {"description_width": "100px"}
    if name in ("activation", "dataset", "optimizer"):
        width = "125px" if name == "optimizer" else "70px"
        return w.ToggleButtons(options=options, value=default, description=SETTING_LABELS[name],
                               style={**style, "button_width": width})
    return w.SelectionSlider(options=options, value=default, description=SETTING_LABELS[name],
                             style=style, layout=w.Layout(width="360px"))


class StaticUnavailable:
    """What :func:`static_playground` shows where ipywidgets has no ``Stack`` (Colab's 7.x)."""

    def __init__(self):
        import ipywidgets as w

        self.widget = w.HTML(
            "<div style='line-height:1.4'>The precomputed pictures of the book need ipywidgets 8, "
            "and this Jupyter has an older version (Google Colab runs 7). You have a running "
            "kernel here, though: the live playground does everything they do, with any settings."
            "</div>")

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def static_playground(runs=None, dpi=86, colors=48, **axes):
    """A playground that works without a kernel: precomputed pictures switched by sliders.

    Give ``runs`` (from :func:`train_runs` or :func:`train_grid`) or the axes to train,
    e.g. ``static_playground(seed=range(8), hidden=[2])``: each keyword with a list of
    values is an axis, each with a single value is fixed. Returns a
    :class:`StaticPlayground`, or a :class:`StaticUnavailable` note where ipywidgets is
    older than 8 (it has no ``Stack``).
    """
    import ipywidgets as w

    if not hasattr(w, "Stack"):
        return StaticUnavailable()
    if runs is None:
        varied = {k: tuple(v) for k, v in axes.items() if np.ndim(v) == 1 and len(v) > 1}
        fixed = {k: (v[0] if np.ndim(v) == 1 else v) for k, v in axes.items() if k not in varied}
        runs = train_runs(varied, **fixed)
    return StaticPlayground(runs, dpi=dpi, colors=colors)


def landscape_figure(grid, figsize=(9.6, 3.6), dpi=90):
    """Small multiples of the final loss over learning rate x hidden size, one per activation.

    Returns a pyplot figure (so a notebook cell can end with ``plt.show()``).
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(grid.axes["activation"]), figsize=figsize, dpi=dpi, squeeze=False,
                             layout="constrained")
    image = plots.draw_landscape(axes[0], grid)
    fig.colorbar(image, ax=axes[0].tolist(), label="final loss (log scale)")
    fig.suptitle(f"Final loss after {grid.fixed['epochs']} epochs (seed {grid.fixed['seed']}); "
                 f"cell text: correct of 4, 'nan' = diverged", fontsize=10)
    return fig


__all__ = ["Playground", "xor_playground", "optimiser_playground", "dataset", "make_optimizer",
           "train_setting", "Runs", "train_runs", "train_grid", "StaticPlayground",
           "StaticUnavailable", "static_playground", "landscape_figure", "verdict", "still_falling",
           "caption_html"]
