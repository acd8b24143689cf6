"""The playgrounds, driven from Python as a reader's slider releases would drive them."""

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import traitlets  # noqa: E402

from autograd_lib import MLP, train, xor_data  # noqa: E402
from autograd_lib.course.playground import (  # noqa: E402
    Playground, caption_html, static_playground, train_grid, verdict, xor_playground,
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


def test_retrain_button_trains_again_with_the_same_settings(pg):
    before = pg.history
    pg.retrain_button.click()
    assert pg.history is not before
    np.testing.assert_array_equal(pg.history.loss, before.loss)


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
    assert "Error" in pg.caption.value and "learning rate must be positive" in pg.caption.value


def test_a_learning_rate_too_large_is_called_out():
    X, y = xor_data()
    model = MLP(2, 8, 2, seed=0)
    history = train(model, X, y, lr=50, epochs=200)
    kind, sentence = verdict(history, model)
    assert kind == "worse" and "did not learn: final loss higher than at the start" in sentence
    assert "dead" in sentence


def test_dead_units_that_block_learning_say_stuck():
    X, y = xor_data()
    model = MLP(2, 2, 2, seed=0)
    model.b1.data[...] = -10.0  # both units dead from the start
    history = train(model, X, y, lr=0.5, epochs=100)
    kind, sentence = verdict(history, model)
    assert kind == "stuck" and "2 of 2 hidden ReLU units are dead" in sentence
    assert "stuck" in caption_html(history, model, 0.5, 2, "relu", 100, 0)


def test_playground_displays_itself():
    assert callable(getattr(Playground, "_ipython_display_"))


def test_static_playground_links_every_stack_to_its_selector():
    sp = static_playground(lrs=(0.1, 0.5), hiddens=(2, 4, 8), activations=("relu", "tanh"), epochs=50)
    images = [w for w in _walk(sp.widget) if isinstance(w, ipywidgets.Image)]
    assert len(images) == len(sp.images) == 12
    assert {id(im) for im in images} == {id(im) for im in sp.images.values()}
    # Stack of (activation) -> Stack of (lr) -> Stack of (hidden) -> Image
    assert len(sp.outer.children) == 2
    assert all(len(s.children) == 2 for s in sp.outer.children)
    assert all(len(t.children) == 3 and all(isinstance(i, ipywidgets.Image) for i in t.children)
               for s in sp.outer.children for t in s.children)
    assert len(sp.links) == 1 + 2 + 4
    sources = [(link.source[0], link.source[1]) for link in sp.links]
    assert sources.count((sp.hidden, "index")) == 4 and sources.count((sp.lr, "index")) == 2
    assert (sp.activation, "index") in sources
    assert all(isinstance(link.target[0], ipywidgets.Stack) and link.target[1] == "selected_index"
               for link in sp.links)
    assert all(len(im.value) < 20_000 for im in sp.images.values())
    assert "computed" in sp.caption.value and "when this book was built" in sp.caption.value
    assert "launch button" in sp.caption.value


def _walk(widget):
    """Every widget in the tree under ``widget``, depth first."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_static_grid_uses_the_library_training():
    grid = train_grid(lrs=(0.5,), hiddens=(8,), activations=("relu",), epochs=30)
    X, y = xor_data()
    expected = train(MLP(2, 8, 2, seed=0), X, y, lr=0.5, epochs=30)
    np.testing.assert_array_equal(grid.runs[("relu", 0.5, 8)][1].loss, expected.loss)
    assert grid.final_losses("relu").shape == (1, 1)
