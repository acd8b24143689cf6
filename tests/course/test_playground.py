"""The playgrounds, driven from Python as a reader's slider releases would drive them."""

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import traitlets  # noqa: E402

from autograd_lib import SGD, MLP, Adam, AdamW, train, two_moons, xor_data  # noqa: E402
from autograd_lib.course import plots  # noqa: E402
from autograd_lib.course.playground import (  # noqa: E402
    StaticUnavailable, caption_html, optimiser_playground, static_playground, still_falling,
    train_grid, train_runs, train_setting, verdict, xor_playground,
)


@pytest.fixture
def pg():
    return xor_playground(epochs=100)


def test_core_import_needs_neither_matplotlib_nor_ipywidgets():
    code = ("import autograd_lib, sys; "
            "assert 'matplotlib' not in sys.modules and 'ipywidgets' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_starts_trained_with_the_defaults():
    pg = xor_playground()
    assert pg.settings == dict(lr=0.5, hidden=8, activation="relu", epochs=500, seed=0)
    assert len(pg.history.loss) == 501 and pg.history.correct[-1] == 4
    assert pg.image.value[:4] == b"\x89PNG"
    assert isinstance(pg.widget, ipywidgets.VBox)
    assert "lr = 0.5, hidden = 8, relu, 500 epochs, seed 0" in pg.caption.value


def test_sliders_release_on_mouse_up_only(pg):
    for control in (pg.lr, pg.hidden, pg.epochs, pg.seed):
        assert control.continuous_update is False


def test_setting_the_learning_rate_retrains_with_exactly_it(pg):
    before = pg.history
    pg.lr.value = 0.05
    assert pg.settings["lr"] == 0.05 and pg.history is not before
    X, y = xor_data()
    expected = train(MLP(2, 8, 2, activation="relu", seed=0), X, y, lr=0.05, epochs=100)
    np.testing.assert_array_equal(pg.history.loss, expected.loss)
    assert "lr = 0.05," in pg.caption.value


def test_hidden_epochs_seed_and_activation_reach_the_model(pg):
    pg.hidden.value = 3
    pg.epochs.value = 250
    pg.seed.value = 7
    pg.activation.value = "tanh"
    assert pg.model.W1.shape == (2, 3) and pg.model.activation == "tanh"
    assert len(pg.history.loss) == 251
    assert pg.settings == dict(lr=0.5, hidden=3, activation="tanh", epochs=250, seed=7)
    assert "hidden = 3, tanh, 250 epochs, seed 7" in pg.caption.value


def test_the_seed_slider_changes_the_trained_weights(pg):
    X, y = xor_data()
    pg.seed.value = 3
    expected = MLP(2, 8, 2, seed=3)
    train(expected, X, y, lr=0.5, epochs=100)
    for got, want in zip(pg.model.params, expected.params):
        np.testing.assert_array_equal(got.data, want.data)
    assert not np.array_equal(pg.model.W1.data, MLP(2, 8, 2, seed=0).W1.data)


def test_retrain_button_trains_again_with_the_same_settings(pg):
    before = pg.history
    pg.retrain_button.click()
    assert pg.history is not before
    np.testing.assert_array_equal(pg.history.loss, before.loss)


def test_a_retrain_with_the_same_settings_is_seen_to_happen(pg):
    count, status = pg.run_count, pg.status.value
    pg.retrain_button.click()
    assert pg.run_count == count + 1
    assert f"Run {count + 1}: trained and drawn in " in pg.status.value
    assert pg.status.value != status
    assert pg.status in pg.widget.children


def test_slider_bounds_clamp_nonsense(pg):
    pg.lr.value = 1e9
    assert pg.lr.value == pytest.approx(100.0)
    pg.hidden.value = 0
    assert pg.hidden.value == 1 and pg.model.W1.shape == (2, 1)
    pg.epochs.value = 10**6
    assert pg.epochs.value == 5000
    pg.seed.value = -5
    assert pg.seed.value == 0
    with pytest.raises(traitlets.TraitError):
        pg.activation.value = "sigmoid"
    assert pg.settings["activation"] == "relu"


def test_initial_values_are_clamped_and_unknown_ones_refused():
    pg = xor_playground(hidden=500, epochs=50)
    assert pg.hidden.value == 64 and pg.settings["hidden"] == 64
    with pytest.raises(TypeError, match="unknown settings"):
        xor_playground(learning_rate=0.1)


def test_divergence_is_reported_in_the_caption_not_raised(pg):
    history = pg.run(lr=1e12, hidden=8, activation="relu", epochs=500, seed=0)
    assert history.diverged
    assert f"diverged at epoch {history.diverged_at} (loss became" in pg.caption.value
    assert "nan/inf" in pg.caption.value
    pg.lr.value = 0.2  # still usable afterwards
    assert not pg.history.diverged and "diverged" not in pg.caption.value


def test_errors_are_shown_not_raised(pg):
    assert pg.run(lr=-1, hidden=8, activation="relu", epochs=10, seed=0) is None
    assert "Error" in pg.caption.value and "the learning rate, must be a positive number" in pg.caption.value


def run(lr=0.5, hidden=8, epochs=500, seed=0, activation="relu"):
    X, y = xor_data()
    model = MLP(2, hidden, 2, activation=activation, seed=seed)
    return model, train(model, X, y, lr=lr, epochs=epochs)


# Every kind of verdict, on runs the chapter quotes: (settings, kind, words in the sentence).
VERDICTS = [
    (dict(lr=1e12), "diverged", "diverged at epoch 2 (loss became nan)"),
    (dict(lr=50, epochs=200), "worse", "did not learn: final loss higher than at the start"),
    (dict(lr=10), "worse", "8 of 8 hidden ReLU units are dead"),
    (dict(), "solved", "solved: 4/4 correct, final loss 0.002089."),
    (dict(seed=1), "solved", "1 of 8 hidden ReLU units are dead"),
    (dict(lr=0.00562), "learning", "still learning: 3/4 correct so far"),
    (dict(lr=0.01), "learning", "(0.03% per epoch at the end, 0.4962 now)"),
    (dict(lr=0.2, epochs=50), "learning", "still learning: 3/4 correct so far"),
    (dict(lr=0.01, epochs=5000), "solved", "final loss 0.024788"),
    (dict(hidden=2), "stuck", "stuck at 2/4: the loss has stopped falling (0.6932). 1 of 2"),
    (dict(hidden=2, seed=1), "stuck", "All hidden units are alive: the run has settled in a flat"),
    (dict(hidden=2, seed=2, activation="tanh"), "stuck", "stuck at 2/4"),
]


@pytest.mark.parametrize("settings, kind, words", VERDICTS)
def test_the_verdict_of_each_kind(settings, kind, words):
    model, history = run(**settings)
    got, sentence = verdict(history, model)
    assert (got, words in sentence) == (kind, True), sentence


def test_slow_learning_is_not_called_stuck_even_with_dead_units():
    model, history = run(lr=0.01)
    assert int(plots.dead_units(model).sum()) == 2
    assert still_falling(history) == pytest.approx(2.9e-4, rel=0.05)
    assert verdict(history, model)[0] == "learning"


def test_the_caption_colours_each_kind():
    for settings, colour in [(dict(lr=50, epochs=200), "#b2182b"), (dict(hidden=2), "#b35806"),
                             (dict(lr=0.01), "#1f4e9c"), (dict(), "#1a1a1a")]:
        model, history = run(**settings)
        s = {**dict(lr=0.5, hidden=8, activation="relu", epochs=500, seed=0), **settings}
        assert f"color:{colour}" in caption_html(history, model, **s)


def test_the_playground_shows_itself_as_its_widget(monkeypatch, pg):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda w: shown.append(w))
    pg._ipython_display_()
    assert shown == [pg.widget]


def test_static_playground_links_every_stack_to_its_control():
    sp = static_playground(activation=["relu", "tanh"], lr=[0.1, 0.5], hidden=[2, 4, 8], epochs=50)
    images = [w for w in _walk(sp.widget) if isinstance(w, ipywidgets.Image)]
    assert len(images) == len(sp.images) == 12
    assert {id(im) for im in images} == {id(im) for im in sp.images.values()}
    # Stack of (activation) -> Stack of (lr) -> Stack of (hidden) -> VBox(Image, caption)
    assert len(sp.outer.children) == 2
    assert all(len(s.children) == 2 for s in sp.outer.children)
    assert all(len(t.children) == 3 for s in sp.outer.children for t in s.children)
    assert len(sp.links) == 1 + 2 + 4
    sources = [link.source for link in sp.links]
    controls = sp.controls
    assert sources.count((controls["hidden"], "index")) == 4
    assert sources.count((controls["lr"], "index")) == 2
    assert (controls["activation"], "index") in sources
    assert all(isinstance(link.target[0], ipywidgets.Stack) and link.target[1] == "selected_index"
               for link in sp.links)
    assert all(len(im.value) < 20_000 for im in sp.images.values())
    assert "trained with autograd_lib when this book was built" in sp.note.value
    assert "50 epochs, seed 0" in sp.note.value and "launch button" in sp.note.value


def test_each_static_picture_has_its_own_verdict():
    sp = static_playground(lr=0.01, epochs=[50, 500, 5000])
    captions = {values: c.value for values, c in sp.captions.items()}
    assert "still learning" in captions[(50,)] and "still learning" in captions[(500,)]
    assert "solved: 4/4" in captions[(5000,)]
    assert "lr = 0.01, hidden = 8, relu, 5000 epochs, seed 0" in captions[(5000,)]


def test_the_static_seed_slider_shows_each_seeds_run():
    sp = static_playground(seed=range(3), hidden=2)
    for seed in range(3):
        model, history = sp.runs.get(seed=seed)
        expected, expected_history = run(hidden=2, seed=seed)
        np.testing.assert_array_equal(history.loss, expected_history.loss)
        assert f"seed {seed}" in sp.captions[(seed,)].value


def test_without_stack_the_static_playground_says_to_use_the_live_one(monkeypatch):
    monkeypatch.delattr(ipywidgets, "Stack")
    shown = static_playground(lr=[0.1, 0.5], epochs=10)
    assert isinstance(shown, StaticUnavailable)
    assert "ipywidgets 8" in shown.widget.value and "live playground" in shown.widget.value


def _walk(widget):
    """Every widget in the tree under ``widget``, depth first."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_static_grid_uses_the_library_training():
    grid = train_grid(lrs=(0.5, 50.0), hiddens=(8,), activations=("relu",), epochs=30)
    X, y = xor_data()
    expected = train(MLP(2, 8, 2, seed=0), X, y, lr=0.5, epochs=30)
    np.testing.assert_array_equal(grid.get(activation="relu", lr=0.5, hidden=8)[1].loss,
                                  expected.loss)
    losses = grid.final_losses("relu")
    assert losses.shape == (2, 1) and losses[0, 0] == expected.final_loss


def test_chapter_5s_reading_of_the_heatmap_is_what_the_grid_shows():
    """Each sentence of ch5's paragraph under the heatmaps, as 4/4 or not per run."""
    lrs, hiddens = (0.01, 0.2, 0.5, 2.0, 10.0, 50.0), (1, 2, 4, 8, 16, 64)
    grid = train_grid(lrs=lrs, hiddens=hiddens, activations=("relu", "tanh"), epochs=500, seed=0)

    def solved(activation, lr):
        return {n for n in hiddens
                if grid.get(activation=activation, lr=lr, hidden=n)[1].correct[-1] == 4}

    for lr in (0.2, 0.5):
        assert solved("relu", lr) == {4, 8, 16, 64} and solved("tanh", lr) == {2, 4, 8, 16, 64}
    assert solved("relu", 0.01) == solved("tanh", 0.01) == {16, 64}
    assert solved("tanh", 2.0) == {2, 4, 8, 16, 64} and solved("relu", 2.0) == {16, 64}
    assert solved("relu", 10.0) == solved("relu", 50.0) == solved("tanh", 50.0) == set()
    assert solved("tanh", 10.0) == {64}


def test_unknown_settings_are_refused():
    with pytest.raises(TypeError, match=r"unknown settings \['lrs'\]"):
        train_runs({"lrs": (0.1,)})


# ---- the optimiser playground (chapter 6) ------------------------------------------------------

@pytest.fixture
def opg():
    return optimiser_playground(epochs=100)


def test_optimiser_playground_starts_on_the_moons_with_adam():
    pg = optimiser_playground()
    assert pg.settings == dict(lr=0.03, hidden=16, activation="relu", epochs=300, seed=0,
                               dataset="moons", optimizer="adam", weight_decay=0.0)
    assert pg.history.n_samples == 200 and pg.history.correct[-1] == 200
    assert pg.image.value[:4] == b"\x89PNG"
    assert "moons, Adam, lr = 0.03, weight decay 0, hidden = 16, relu, 300 epochs, seed 0" in pg.caption.value
    assert "negative on all 200 inputs" in pg.caption.value


def test_the_xor_playground_has_none_of_the_optimiser_controls(pg):
    assert pg.dataset is None and pg.optimizer is None and pg.weight_decay is None
    assert "optimizer" not in pg.settings


@pytest.mark.parametrize("name, optimizer_class, options", [
    ("sgd", SGD, dict(weight_decay=0.1)),
    ("momentum", SGD, dict(momentum=0.9, weight_decay=0.1)),
    ("nesterov", SGD, dict(momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("adam", Adam, dict(weight_decay=0.1)),
    ("adamw", AdamW, dict(weight_decay=0.1)),
])
def test_each_optimiser_button_trains_with_exactly_that_optimiser(opg, name, optimizer_class, options):
    opg.weight_decay.value = 0.1
    opg.lr.value = 0.05
    opg.optimizer.value = name
    X, y = two_moons(200, noise=0.1, seed=0)
    model = MLP(2, 16, 2, seed=0)
    expected = train(model, X, y, epochs=100, optimizer=optimizer_class(model.params, lr=0.05, **options))
    np.testing.assert_array_equal(opg.history.loss, expected.loss)
    assert opg.settings["optimizer"] == name and opg.settings["weight_decay"] == 0.1


def test_the_data_set_buttons_switch_between_xor_and_the_moons(opg):
    opg.dataset.value = "xor"
    assert opg.history.n_samples == 4 and opg.settings["dataset"] == "xor"
    assert "xor, Adam, lr = 0.03" in opg.caption.value
    X, y = xor_data()
    model = MLP(2, 16, 2, seed=0)
    expected = train(model, X, y, epochs=100, optimizer=Adam(model.params, lr=0.03))
    np.testing.assert_array_equal(opg.history.loss, expected.loss)


def test_weight_decay_slider_offers_zero_and_powers_of_ten(opg):
    assert [value for _, value in opg.weight_decay.options] == [0.0, 1e-4, 1e-3, 1e-2, 0.1, 1.0]
    assert opg.weight_decay.continuous_update is False
    with pytest.raises(traitlets.TraitError):
        opg.weight_decay.value = 0.5
    assert optimiser_playground(weight_decay=0.3, epochs=50).weight_decay.value == 0.1


def test_optimiser_playground_refuses_unknown_settings_and_reports_errors(opg):
    with pytest.raises(TypeError, match=r"unknown settings \['momentum'\]"):
        optimiser_playground(momentum=0.5)
    assert opg.run(lr=0.1, hidden=8, activation="relu", epochs=10, seed=0, dataset="moons",
                   optimizer="rmsprop", weight_decay=0.0) is None
    assert "optimizer must be one of" in opg.caption.value


def test_a_static_optimiser_grid_links_every_axis_and_names_the_optimisers():
    sp = static_playground(dataset=["xor", "moons"], optimizer=["sgd", "adamw"], lr=[0.1],
                           weight_decay=[0.0, 0.1], hidden=4, epochs=30)
    assert list(sp.controls) == ["dataset", "optimizer", "weight_decay"]
    assert [label for label, _ in sp.controls["optimizer"].options] == ["SGD", "AdamW"]
    assert sp.controls["dataset"].index == 1  # the moons, the optimiser playground's default
    assert len(sp.images) == 8 and len(sp.links) == 1 + 2 + 4
    caption = sp.captions[("moons", "adamw", 0.1)].value
    assert "moons, AdamW, lr = 0.1, weight decay 0.1, hidden = 4, relu, 30 epochs, seed 0" in caption
    model, history = sp.runs.get(dataset="moons", optimizer="adamw", weight_decay=0.1)
    X, y = two_moons(200, noise=0.1, seed=0)
    expected_model = MLP(2, 4, 2, seed=0)
    expected = train(expected_model, X, y, epochs=30,
                     optimizer=AdamW(expected_model.params, lr=0.1, weight_decay=0.1))
    np.testing.assert_array_equal(history.loss, expected.loss)
    assert "lr 0.1, 4 hidden units, relu, 30 epochs, seed 0" in sp.note.value
    assert all(len(im.value) < 20_000 for im in sp.images.values())


def test_train_setting_is_the_chapters_train_call():
    model, history = train_setting(dict(dataset="moons", optimizer="momentum", lr=0.1, weight_decay=0.0,
                                        hidden=8, activation="tanh", epochs=20, seed=3))
    X, y = two_moons(200, noise=0.1, seed=0)
    expected_model = MLP(2, 8, 2, activation="tanh", seed=3)
    expected = train(expected_model, X, y, epochs=20,
                     optimizer=SGD(expected_model.params, lr=0.1, momentum=0.9))
    np.testing.assert_array_equal(history.loss, expected.loss)
    np.testing.assert_array_equal(model.W1.data, expected_model.W1.data)
