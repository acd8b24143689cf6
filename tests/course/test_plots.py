"""The figure helpers: they draw what they say, leave the tape clean, and stay fast."""


import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from autograd_lib import MLP, Adam, FitHistory, current_tape, train, two_moons, xor_data
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
    fig = Figure(figsize=plots.PLAYGROUND_FIGSIZE, dpi=80)
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
    fig = plots.playground_figure(model, history, title="t", dpi=86)
    assert len(plots.figure_png(fig, colors=48)) < 20_000


def test_the_static_picture_fits_the_text_column_with_legible_text(trained):
    """At the precomputed pictures' 86 dpi the figure is the book's 688 px column, so it is not
    scaled down, and 10-point titles are 12 px: the 64 dpi pictures had 7 px titles."""
    model, history = trained
    fig = plots.playground_figure(model, history, title="t", dpi=86)
    assert round(fig.get_figwidth() * 86) == 688
    assert all(ax.title.get_fontsize() * 86 / 72 >= 11.9 for ax in fig.axes)


def test_the_boundary_has_a_legend_naming_both_classes(trained):
    model, _ = trained
    ax = Figure().subplots()
    plots.draw_boundary(ax, model)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_every_hidden_units_line_is_numbered_clear_of_the_points():
    model = MLP(2, 8, 2, seed=0)
    X, y = xor_data()
    train(model, X, y, lr=0.5, epochs=500)
    ax = Figure().subplots()
    plots.draw_hidden_lines(ax, model)
    labels = {t.get_text(): t.get_position() for t in ax.texts}
    drawn = [j for j in range(8) if plots.hidden_line(model.W1.data[:, j], model.b1.data[0, j]) is not None]
    assert sorted(labels) == [str(j) for j in drawn] and len(drawn) >= 6
    for j in drawn:
        x, y_ = labels[str(j)]
        w, b = model.W1.data[:, j].astype(float), float(model.b1.data[0, j])
        assert abs(w @ [x, y_] + b) < 1e-4 * np.linalg.norm(w) + 1e-6  # on unit j's own line
        assert min(np.hypot(x - px, y_ - py) for px, py in X.data) > 0.1


def test_wide_layers_draw_their_lines_unnumbered():
    ax = Figure().subplots()
    plots.draw_hidden_lines(ax, MLP(2, plots.MAX_NUMBERED_UNITS + 1, 2, seed=0))
    assert len(ax.lines) > 0 and len(ax.texts) == 0


# ---- the later chapters' figures ----------------------------------------------------------

def test_a_plane_of_two_ranges_and_the_datas_bounding_box():
    assert plots.limits((-0.5, 1.5)) == ((-0.5, 1.5), (-0.5, 1.5))
    assert plots.limits(((0, 1), (2, 4))) == ((0, 1), (2, 4))
    xs, ys, pts = plots.grid_points(((0, 1), (2, 4)), 5)
    assert pts.shape == (25, 2) and ys[-1] == 4 and xs[-1] == 1
    assert (pts[:, 1] >= 2).all()
    assert plots.data_limits(np.array([[0.0, 1.0], [2.0, -1.0]]), pad=0.5) == ((-0.5, 2.5), (-1.5, 1.5))


def test_moons_boundary_covers_the_data_and_accuracy_is_a_percentage():
    X, y = two_moons(60, seed=0)
    model = MLP(2, 8, 2, seed=0)
    history = train(model, X, y, epochs=20, optimizer=Adam(model.params, lr=0.05))
    fig = plots.playground_figure(model, history, data=(X, y), hidden_lines=False)
    ax_bound, ax_acc = fig.axes[1], fig.axes[2]
    (x0, x1), (y0, y1) = plots.data_limits(X)
    assert ax_bound.get_xlim() == (x0, x1) and ax_bound.get_ylim() == (y0, y1)
    assert ax_acc.get_ylabel() == "correct (% of 60)"
    assert len(current_tape()) == 0


def test_digits_fit_and_confusion_figures():
    fig = Figure()
    axes = fig.subplots(1, 3)
    images = np.arange(2 * 64).reshape(2, 64) % 17
    plots.draw_digits(axes, images, titles=["a", "b"])
    assert [ax.get_title() for ax in axes] == ["a", "b", ""] and not axes[2].axison
    history = FitHistory(np.array([2.0, 0.5, 0.1]), np.array([0.1, 0.8, 1.0]), np.array([2.1, 0.6, 0.7]),
                         np.array([0.1, 0.7, 0.75]), best_epoch=1, stopped_early=False)
    ax_loss, ax_acc = Figure().subplots(1, 2)
    plots.draw_fit(ax_loss, ax_acc, history, label="run")
    assert [line.get_label() for line in ax_loss.lines[:2]] == ["run: train", "run: validation"]
    assert ax_loss.get_yscale() == "log" and ax_acc.lines[1].get_ydata()[-1] == 75.0
    ax = Figure().subplots()
    plots.draw_confusion(ax, np.array([[5, 1], [0, 4]]))
    assert sorted(t.get_text() for t in ax.texts) == ["1", "4", "5"]


def test_a_path_on_a_surface():
    ax = Figure().subplots()
    plots.draw_surface(ax, lambda a, b: a**2 + b**2 + 1, (-1, 1), (-2, 2), n=20)
    plots.draw_path(ax, np.array([[0.5, 0.5], [0.2, 0.1], [0.0, 0.0]]), "C1", every=2)
    assert ax.get_xlim() == (-1, 1) and ax.get_ylim() == (-2, 2)
    assert ax.lines[0].get_xdata().tolist() == [0.5, 0.2, 0.0]
    assert ax.lines[1].get_xdata().tolist() == [0.5, 0.0]


def test_a_reused_figure_draws_the_same_picture_as_a_new_one():
    """The playgrounds redraw into one Figure, emptying its Axes instead of making new ones:
    whatever came before (a log loss, a divergence, the moons' percentages, 64 units), each
    picture must equal the one a fresh Figure draws, pixel for pixel."""
    import io

    from PIL import Image

    from autograd_lib.course.playground import figure_of, train_setting

    settings = [dict(lr=0.5, hidden=8, activation="relu", epochs=100, seed=0),
                dict(lr=1e12, hidden=4, activation="relu", epochs=20, seed=0),
                dict(dataset="moons", optimizer="adam", lr=0.01, weight_decay=0.0, hidden=16,
                     activation="relu", epochs=30, seed=0),
                dict(lr=0.5, hidden=64, activation="tanh", epochs=50, seed=1)]
    runs = [(s, *train_setting(s)) for s in settings]

    def pixels(fig):
        return np.asarray(Image.open(io.BytesIO(plots.figure_png(fig))))

    shared = Figure(figsize=plots.PLAYGROUND_FIGSIZE, dpi=50)
    for s, model, history in runs + runs[::-1]:
        fresh = Figure(figsize=plots.PLAYGROUND_FIGSIZE, dpi=50)
        np.testing.assert_array_equal(pixels(figure_of(model, history, s, shared)),
                                      pixels(figure_of(model, history, s, fresh)), err_msg=str(s))
    assert len(shared.axes) == 3
