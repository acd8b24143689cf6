"""The graph of a tape, backward walked step by step, and the sliders that show it."""

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from autograd_lib import (MLP, Tape, Tensor, VJP_RULES, add_bias, backward, current_tape,  # noqa: E402
                          matmul, relu, softmax_ce, tanh, xor_data)
from autograd_lib.course import graph as g  # noqa: E402
from autograd_lib.course import plots  # noqa: E402

XOR_EDGES = [
    ("X", "matmul#0"), ("W1", "matmul#0"), ("matmul#0", "t0"),
    ("t0", "add_bias#1"), ("b1", "add_bias#1"), ("add_bias#1", "t1"),
    ("t1", "relu#2"), ("relu#2", "t2"),
    ("t2", "matmul#3"), ("W2", "matmul#3"), ("matmul#3", "t3"),
    ("t3", "add_bias#4"), ("b2", "add_bias#4"), ("add_bias#4", "t4"),
    ("t4", "softmax_ce#5"), ("softmax_ce#5", "t5"),
]


@pytest.fixture
def xor():
    """The XOR network's forward pass on a tape of its own: ``(model, loss, tape)``."""
    X, y = xor_data()
    model = MLP(2, 8, 2, seed=0)
    with Tape() as tape:
        loss = softmax_ce(model(X), y)
    return model, loss, tape


@pytest.fixture
def used_twice():
    """``L = add_bias(tanh(x), x)`` with ``x = 0.5``: ``(x, L, tape)``."""
    x = Tensor([[0.5]], requires_grad=True, name="x")
    with Tape() as tape:
        loss = add_bias(tanh(x), x)
    return x, loss, tape


def _name(node):
    return f"{node.label}#{node.entry}" if node.kind == "op" else node.label


def _edges(graph):
    return [(_name(graph.nodes[e.src]), _name(graph.nodes[e.dst])) for e in graph.edges]


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _boxes(ax):
    """``[(text, (x, y))]`` of every node box drawn on ``ax`` (texts in a box, badges excluded)."""
    return sorted((t.get_text(), tuple(t.get_position())) for t in ax.texts
                  if t.get_bbox_patch() is not None and not isinstance(t, Annotation))


def _arrows(ax):
    """``[(start, end)]`` of every arrow drawn on ``ax``, in data coordinates."""
    return [tuple(map(tuple, a._posA_posB)) for a in ax.patches if isinstance(a, FancyArrowPatch)]


def _badges(ax):
    """``{(x, y) of the node it sits on: text}`` for every gradient badge on ``ax``."""
    return {tuple(a.xy): a.get_text() for a in ax.texts if isinstance(a, Annotation)}


def _nearest(point, graph):
    """The node whose centre is nearest to ``point``: where an arrow starts or ends."""
    return min(graph.nodes, key=lambda n: np.hypot(n.x - point[0], n.y - point[1]))


# ---- the graph ---------------------------------------------------------------------------

def test_core_import_needs_neither_matplotlib_nor_ipywidgets():
    code = ("import autograd_lib, autograd_lib.course.graph, sys; "
            "assert 'matplotlib' not in sys.modules and 'ipywidgets' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_xor_graph_has_one_op_node_per_tape_entry(xor):
    _, _, tape = xor
    graph = g.graph_of(tape)
    ops = [(n.entry, n.label) for n in graph.nodes if n.kind == "op"]
    assert ops == [(0, "matmul"), (1, "add_bias"), (2, "relu"), (3, "matmul"), (4, "add_bias"), (5, "softmax_ce")]


def test_xor_graph_has_one_value_node_per_entry_output_named_as_in_the_tape_table(xor):
    _, _, tape = xor
    graph = g.graph_of(tape)
    values = [n for n in graph.nodes if n.kind == "value"]
    assert [(n.entry, n.label) for n in values] == [(i, f"t{i}") for i in range(6)]
    assert all(n.tensor is tape[n.entry].out for n in values)
    table_rows = tape.table().splitlines()[1:]
    assert all(f"{n.label}{n.tensor.shape}" in row for n, row in zip(values, table_rows))


def test_xor_graph_has_one_leaf_node_per_leaf(xor):
    model, _, tape = xor
    graph = g.graph_of(tape)
    leaves = [n for n in graph.nodes if n.kind == "leaf"]
    assert [n.text for n in leaves] == ["X (4, 2)", "W1 (2, 8)", "b1 (1, 8)", "W2 (8, 2)", "b2 (1, 2)"]
    assert [n.tensor for n in leaves[1:]] == model.params
    assert [graph.nodes[i].label for i in graph.needs_grad()] == ["W1", "b1", "W2", "b2"]


def test_xor_graph_has_exactly_the_edges_of_the_network(xor):
    _, _, tape = xor
    assert _edges(g.graph_of(tape)) == XOR_EDGES


def test_labels_of_softmax_ce_show_in_its_op_not_as_a_node(xor):
    _, _, tape = xor
    graph = g.graph_of(tape)
    op = graph.nodes[graph.op_node(5)]
    assert op.text == "softmax_ce (y)"
    assert not any(n.label == "y" for n in graph.nodes)


def test_layout_runs_left_to_right_in_tape_order_without_overlaps(xor):
    _, _, tape = xor
    graph = g.graph_of(tape)
    for i in range(len(tape)):
        op, value = graph.nodes[graph.op_node(i)], graph.nodes[graph.value_node(i)]
        assert (op.x, op.y, value.x, value.y) == (i + 1, 1, i + 1, 0)
    leaves = {n.label: (n.x, n.y) for n in graph.nodes if n.kind == "leaf"}
    assert leaves == {"X": (0, 0), "W1": (0, 2), "b1": (1, 2), "W2": (3, 2), "b2": (4, 2)}
    positions = [(n.x, n.y) for n in graph.nodes]
    assert len(set(positions)) == len(positions)


def test_a_tensor_used_by_two_ops_has_two_outgoing_edges(used_twice):
    _, _, tape = used_twice
    graph = g.graph_of(tape)
    assert _edges(graph) == [("x", "tanh#0"), ("tanh#0", "t0"), ("t0", "add_bias#1"), ("x", "add_bias#1"),
                             ("add_bias#1", "t1")]
    assert [e.slot for e in graph.edges if graph.nodes[e.src].label == "x"] == [0, 1]


def test_a_tensor_used_twice_by_one_op_has_two_edges_into_it():
    x = Tensor([[3.0]], requires_grad=True, name="x")
    with Tape() as tape:
        matmul(x, x)
    graph = g.graph_of(tape)
    assert [(e.src, e.dst, e.slot) for e in graph.edges[:2]] == [(0, 1, 0), (0, 1, 1)]


def test_scalar_tensors_show_their_value_instead_of_a_shape():
    x, w, b = (Tensor([[v]], requires_grad=True, name=n) for v, n in ((2.0, "x"), (-1.5, "w"), (4.0, "b")))
    with Tape() as tape:
        relu(add_bias(matmul(x, w), b))
    assert [n.text for n in g.graph_of(tape).nodes if n.kind != "op"] == [
        "x = 2", "w = -1.5", "t0 = -3", "b = 4", "t1 = 1", "t2 = 1"]


# ---- backward, step by step ------------------------------------------------------------------

def test_steps_are_the_seed_then_every_entry_in_reverse(xor):
    _, loss, tape = xor
    steps = g.backward_steps(loss, tape)
    assert [s.entry for s in steps] == [None, 5, 4, 3, 2, 1, 0]
    assert steps[0].adjoints == {steps[0].graph.node_of(loss): np.ones((1, 1), np.float32)}
    assert [s.dout.shape for s in steps[1:]] == [(1, 1), (4, 2), (4, 2), (4, 8), (4, 8), (4, 8)]


def test_last_step_fills_every_parameter_with_what_backward_puts_in_grad(xor):
    model, loss, tape = xor
    last = g.backward_steps(loss, tape)[-1]
    with tape:
        backward(loss)
    for p in model.params:
        assert last.graph.node_of(p) in last.filled
        np.testing.assert_allclose(last.adjoint(p), p.grad, rtol=1e-6, atol=1e-7)


def test_steps_leave_every_grad_alone_and_the_tape_unwalked(xor):
    model, loss, tape = xor
    earlier = np.full((1, 8), 7.0, np.float32)
    model.b1.grad = earlier
    g.backward_steps(loss, tape)
    assert model.b1.grad is earlier and (earlier == 7.0).all()
    assert all(t.grad is None for e in tape for t in (*e.inputs, e.out) if t is not model.b1)
    assert not tape.walked and len(tape) == 6


def test_second_use_of_a_tensor_is_added_to_its_adjoint(used_twice):
    x, loss, tape = used_twice
    steps = g.backward_steps(loss, tape)
    node = steps[0].graph.node_of(x)
    first, second = [c for s in steps for c in s.contributions if c.node == node]
    slope = 1 - np.tanh(0.5) ** 2
    assert (first.added, second.added) == (False, True)
    np.testing.assert_allclose([first.grad[0, 0], second.grad[0, 0]], [1.0, slope], rtol=1e-6)
    np.testing.assert_allclose(steps[-1].adjoint(x), [[1 + slope]], rtol=1e-6)


def test_steps_use_the_rule_in_vjp_rules(xor, monkeypatch):
    model, loss, tape = xor
    monkeypatch.setitem(VJP_RULES, "relu", lambda entry, dout: (np.zeros_like(dout),))
    last = g.backward_steps(loss, tape)[-1]
    assert not last.adjoint(model.W1).any() and not last.adjoint(model.b1).any()
    assert last.adjoint(model.W2).any()


def test_an_entry_that_does_not_lead_to_the_loss_is_a_skipped_step():
    x = Tensor([[0.5]], requires_grad=True, name="x")
    with Tape() as tape:
        relu(x)
        loss = tanh(x)
    steps = g.backward_steps(loss, tape)
    assert [(s.entry, s.skipped) for s in steps] == [(None, False), (1, False), (0, True)]
    assert steps[2].contributions == () and steps[2].adjoints == steps[1].adjoints


def test_steps_refuse_a_loss_that_is_not_on_the_tape(xor):
    _, loss, _ = xor
    with pytest.raises(ValueError, match="not the output of an entry of this tape"):
        g.backward_steps(loss, Tape())


# ---- drawing ----------------------------------------------------------------------------------

def test_drawing_records_nothing_on_the_callers_tape(xor):
    _, loss, tape = xor
    with tape:
        steps = g.backward_steps(loss)
        plots.figure_png(g.graph_figure(steps[3].graph, steps[3]))
        g.draw_tape(Figure().add_subplot())
        assert len(current_tape()) == 6


def test_the_xor_drawing_has_one_box_per_entry_and_per_leaf_and_one_arrow_per_edge(xor):
    _, _, tape = xor
    graph = g.graph_of(tape)
    ax = g.graph_figure(graph).axes[0]
    boxes = _boxes(ax)
    assert boxes == sorted((n.text, (n.x, n.y)) for n in graph.nodes)
    assert len(boxes) == len(tape) * 2 + 5  # an op and its output per entry, five leaves
    drawn = [(_name(_nearest(a, graph)), _name(_nearest(b, graph))) for a, b in _arrows(ax)]
    assert drawn == XOR_EDGES


def test_the_drawing_of_a_tensor_used_twice_has_two_arrows_leaving_it(used_twice):
    _, _, tape = used_twice
    graph = g.graph_of(tape)
    drawn = [(_name(_nearest(a, graph)), _name(_nearest(b, graph)))
             for a, b in _arrows(g.graph_figure(graph).axes[0])]
    assert [d for d in drawn if d[0] == "x"] == [("x", "tanh#0"), ("x", "add_bias#1")]
    assert sorted(drawn) == sorted(_edges(graph))


def test_after_backward_every_tensor_with_a_gradient_shows_its_norm_on_its_node(xor):
    model, loss, tape = xor
    with tape:
        backward(loss)
    graph = g.graph_of(tape)
    badges = _badges(g.graph_figure(graph).axes[0])
    with_grad = [n for n in graph.nodes if n.tensor is not None and n.tensor.grad is not None]
    assert len(with_grad) == 4 + 6  # the parameters and every entry's output; not X
    assert badges == {(n.x, n.y): (f"grad = {n.tensor.grad[0, 0]:.3g}" if n.is_scalar
                                   else f"grad |g| = {np.linalg.norm(n.tensor.grad):.3g}")
                      for n in with_grad}


def test_the_last_step_draws_every_parameters_gradient_as_filled(xor):
    model, loss, tape = xor
    last = g.backward_steps(loss, tape)[-1]
    badges = _badges(g.graph_figure(last.graph, last).axes[0])
    with tape:
        backward(loss)
    for p in model.params:
        node = last.graph.nodes[last.graph.node_of(p)]
        assert badges[(node.x, node.y)] == f"∂ |g| = {np.linalg.norm(p.grad):.3g}"
    x = last.graph.nodes[last.graph.node_of(tape[0].inputs[0])]
    assert (x.x, x.y) not in badges  # the data needs no gradient


def test_a_graph_figure_shows_itself_as_a_png_where_a_notebook_cell_ends_with_it(xor):
    from IPython.core.formatters import DisplayFormatter

    _, _, tape = xor
    fig = g.graph_figure(g.graph_of(tape), dpi=100)
    data, _ = DisplayFormatter().format(fig)
    assert data["image/png"][:4] == b"\x89PNG"
    assert data["image/png"] == plots.figure_png(fig)
    assert tuple(fig.get_size_inches() * 100) == pytest.approx((864, 256))


def test_a_step_marks_the_filled_adjoints_and_labels_what_it_sends(xor):
    model, loss, tape = xor
    step = g.backward_steps(loss, tape)[3]
    texts = _texts(g.graph_figure(step.graph, step).axes[0])
    assert "dt2" in texts and "dW2" in texts
    norms = [np.linalg.norm(step.adjoint(p)) for p in (model.W2, model.b2)]
    assert {f"∂ |g| = {n:.3g}" for n in norms} <= set(texts)
    assert sum(t.startswith("∂") for t in texts) == 6  # t5, t4, b2, t3, W2, t2


def test_the_step_adding_to_a_tensor_used_twice_says_plus_equals(used_twice):
    _, loss, tape = used_twice
    last = g.backward_steps(loss, tape)[-1]
    texts = _texts(g.graph_figure(last.graph, last).axes[0])
    slope = 1 - np.tanh(0.5) ** 2
    assert f"+= {slope:.3g}" in texts and f"∂ = {1 + slope:.3g}" in texts


def test_a_tensor_used_twice_by_the_walked_op_is_told_its_running_total():
    x = Tensor([[3.0]], requires_grad=True, name="x", dtype=np.float64)
    a, b = (Tensor([[v]], name=n, dtype=np.float64) for v, n in ((3.0, "a"), (-4.0, "b")))
    with Tape() as tape:  # f(x) = 3 x^2 - 4 x: x is used three times
        loss = add_bias(matmul(matmul(x, x), a), matmul(x, b))
    last = g.backward_steps(loss, tape)[-1]
    assert [(c.slot, c.added, c.grad[0, 0], c.total[0, 0]) for c in last.contributions] == [
        (0, True, 9.0, 5.0), (1, True, 9.0, 14.0)]
    assert ("it sends dx = 9 to x, added (+=) to the adjoint it already had: now 5 and dx = 9 to x, "
            "added (+=) to the adjoint it already had: now 14.") in g.step_caption(last)
    assert last.adjoint(x)[0, 0] == 6 * 3.0 - 4


def test_a_leaf_that_a_later_step_still_adds_to_is_not_called_final():
    x = Tensor([[3.0]], requires_grad=True, name="x", dtype=np.float64)
    a, b = (Tensor([[v]], name=n, dtype=np.float64) for v, n in ((3.0, "a"), (-4.0, "b")))
    with Tape() as tape:  # entries 0 and 2 read x
        loss = add_bias(matmul(matmul(x, x), a), matmul(x, b))
    steps = g.backward_steps(loss, tape)
    captions = [g.leaves_caption(s, steps[k + 1:]) for k, s in enumerate(steps)]
    assert captions == ["Leaf gradients filled: none yet; still empty: x."] * 2 + [
        "Leaf gradients filled: x; not final yet: x (entry 0 adds to it later)."] * 2 + [
        "Leaf gradients filled: x (all of them)."]
    assert captions[2] in g.caption_html(steps, 2)
    assert g.leaves_caption(steps[2]) == "Leaf gradients filled: x (all of them)."  # no later steps given


def test_after_backward_each_gradient_shows_under_its_tensor():
    x, w, b = (Tensor([[v]], requires_grad=True, name=n) for v, n in ((2.0, "x"), (-1.5, "w"), (4.0, "b")))
    with Tape() as tape:
        backward(relu(add_bias(matmul(x, w), b)))
    texts = _texts(g.graph_figure(g.graph_of(tape)).axes[0])
    assert [t for t in texts if t.startswith("grad")] == [
        "grad = -1.5", "grad = 2", "grad = 1", "grad = 1", "grad = 1", "grad = 1"]


# ---- the steppers -----------------------------------------------------------------------------

def test_live_stepper_moved_to_the_end_says_every_parameter_is_filled(xor):
    _, loss, tape = xor
    stepper = g.backward_stepper(loss, tape)
    first = stepper.image.value
    stepper.slider.value = stepper.slider.max
    assert stepper.slider.max == 6 and stepper.image.value != first
    assert stepper.image.value[:4] == b"\x89PNG"
    assert "Leaf gradients filled: W1, b1, W2, b2 (all of them)." in stepper.caption.value


def test_live_stepper_says_what_the_walked_entry_receives_and_sends(xor):
    _, loss, tape = xor
    stepper = g.backward_stepper(loss, tape)
    stepper.slider.value = 3
    assert ("Entry 3 (matmul): dout (4, 2) arrives from t3; it sends dt2 (4, 8) to t2 and dW2 (8, 2) to W2. "
            "Filled now: t2, W2.") in stepper.caption.value
    assert "still empty: W1, b1." in stepper.caption.value


def test_static_stepper_links_one_picture_and_one_caption_per_step_to_the_slider(xor):
    _, loss, tape = xor
    stepper = g.static_stepper(loss, tape)
    assert isinstance(stepper, g.StaticStepper)
    assert len(stepper.pictures.children) == len(stepper.texts.children) == 7
    assert all(image.value[:4] == b"\x89PNG" for image in stepper.images)
    assert [(link.source, link.target) for link in stepper.links] == [
        ((stepper.slider, "value"), (stepper.pictures, "selected_index")),
        ((stepper.slider, "value"), (stepper.texts, "selected_index"))]
    assert "Step 6 of 6." in stepper.captions[6].value
    assert stepper.nbytes == sum(len(image.value) for image in stepper.images) < 100_000


def test_static_stepper_without_stack_falls_back_to_the_live_one(xor, monkeypatch):
    _, loss, tape = xor
    monkeypatch.delattr(ipywidgets, "Stack", raising=False)
    stepper = g.static_stepper(g.backward_steps(loss, tape))
    assert isinstance(stepper, g.BackwardStepper) and len(stepper.steps) == 7
