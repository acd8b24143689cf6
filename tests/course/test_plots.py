"""The figure helpers: they draw what they say, leave the tape clean, and stay fast."""


import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from autograd_lib import MLP, current_tape, train, xor_data
from autograd_lib.course import plots  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    X, y = xor_data()
    model = MLP(2, 8, 2, seed=0)
    return model, train(model, X, y, lr=0.5, epochs=200)


def test_prob_class1_matches_softmax_and_resets_the_tape(trained):
    model, _ = trained
    X, y = xor_data()
    p = plots.prob_class1(model, X.data)
    assert len(current_tape()) == 0
    logits = model(X).data.astype(np.float64)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, softmax[:, 1], atol=1e-6)
    assert ((p > 0.5) == (y == 1)).all()


def test_grid_points_cover_the_square():
    xs, ys, pts = plots.grid_points((-0.5, 1.5), 100)
    assert pts.shape == (10000, 2) and xs[0] == -0.5 and xs[-1] == 1.5


def test_hidden_line_endpoints_lie_on_the_line_inside_the_square():
    w, b = np.array([1.0, -2.0]), 0.3
    x1, x2 = plots.hidden_line(w, b)
    np.testing.assert_allclose(w[0] * x1 + w[1] * x2 + b, 0, atol=1e-12)
    assert (np.abs(np.r_[x1, x2] - 0.5) <= 1.0 + 1e-12).all()
    assert plots.hidden_line(np.array([1.0, 0.0]), -10.0) is None  # x1 = 10 misses the square


def test_a_unit_is_dead_when_its_preactivation_never_exceeds_0_even_if_it_reaches_it():
    model = MLP(2, 4, 2, seed=0)
    model.W1.data[...] = [[1, -1, -1, 0], [1, -1, 1, 0]]
    # The biases are 0, so XOR's (0, 0) row is exactly 0 for every unit: ReLU's slope there is 0.
    assert plots.hidden_preactivations(model).tolist() == [
        [0, 0, 0, 0], [1, -1, 1, 0], [1, -1, -1, 0], [2, -2, 0, 0]]
    assert plots.dead_units(model).tolist() == [False, True, False, True]


def test_at_init_the_units_with_two_negative_weights_are_dead():
    # With zero biases a unit's pre-activations on XOR are 0, w1, w2 and w1 + w2.
    model = MLP(2, 8, 2, seed=0)
    both_negative = (model.W1.data < 0).all(axis=0)
    assert both_negative.tolist() == [False, True, False, False, True, False, False, False]
    assert plots.dead_units(model).tolist() == both_negative.tolist()


def test_tanh_units_never_die():
    model = MLP(2, 4, 2, activation="tanh", seed=0)
    model.W1.data[...] = -1.0
    assert not plots.dead_units(model).any()


def test_playground_figure_has_three_labelled_axes(trained):
    model, history = trained
    fig = Figure(figsize=(9.6, 3.3), dpi=80)
    plots.playground_figure(model, history, title="t", fig=fig)
    png = plots.figure_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert [ax.get_title() for ax in fig.axes] == ["training loss", "decision boundary, P(class 1)", "accuracy"]
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    assert fig.axes[0].get_yscale() == "log"
    assert len(current_tape()) == 0


def test_loss_plot_marks_divergence():
    X, y = xor_data()
    model = MLP(2, 8, 2, seed=0)
    history = train(model, X, y, lr=1e12, epochs=50)
    assert history.diverged
    fig = Figure()
    ax = fig.subplots()
    plots.draw_loss(ax, history)
    assert any(f"at epoch {history.diverged_at}" in t.get_text() for t in ax.texts)
    ax2 = fig.add_subplot(2, 2, 4)
    plots.draw_boundary(ax2, model)  # nan weights: drawn, not raised
    assert any("nan" in t.get_text() for t in ax2.texts)


def test_quantised_png_is_small(trained):
    model, history = trained
    fig = plots.playground_figure(model, history, title="t", dpi=64)
    assert len(plots.figure_png(fig, colors=48)) < 20_000
