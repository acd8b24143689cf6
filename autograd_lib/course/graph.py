"""See the graph: the tape drawn as a computation graph, and backward walked one entry at a time.

* :func:`graph_of` turns a tape into a :class:`Graph` of nodes and edges, laid out
  left to right in tape order. It needs only Python.
* :func:`backward_steps` walks backward on paper: it applies the same VJP rules as
  ``backward`` (whatever is in ``VJP_RULES``, a reader's own included) but keeps the
  adjoints to itself, so no ``.grad`` changes and the tape is not marked as walked.
* :func:`draw_graph` draws a graph on a matplotlib ``Axes``, optionally at one
  :class:`Step` of the walk; :func:`graph_figure` makes a Figure of the right size.
* :class:`BackwardStepper` is the live widget, a slider over the steps;
  :func:`static_stepper` precomputes every step's picture for a page without a kernel.

matplotlib and ipywidgets are imported inside the functions that need them.
"""

from __future__ import annotations

import functools
import html
import time
from dataclasses import dataclass, field

import numpy as np

from . import plots
from ..tape import apply_vjp, current_tape

VALUE_ROW, OP_ROW, FIRST_LEAF_ROW = 0, 1, 2
"""Rows of the layout: entry outputs at the bottom, ops above them, leaves on top."""

COLUMN_INCHES, ROW_INCHES = 1.2, 0.8
"""The size of one layout step in :func:`graph_figure`; the fonts are sized for it."""

LEAF_COLOR, LEAF_EDGE = "#dbeaf7", "#0072b2"
VALUE_COLOR, VALUE_EDGE = "#ffffff", "#4d4d4d"
OP_COLOR, OP_EDGE = "#ececec", "#4d4d4d"
EDGE_COLOR = "#8c8c8c"
FILLED_COLOR = "#00795a"
WALK_COLOR, WALK_FILL = "#d55e00", "#fbe0cf"
"""Okabe-Ito colours, told apart by colour-blind readers: blue leaves, green for a filled
adjoint, vermillion for what the current step does; dark text on light boxes."""


# ---- the graph of a tape --------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    """One box of the drawing.

    Attributes:
        kind: ``"leaf"`` (an input of some entry but the output of none: data,
            parameters, constants), ``"op"`` (one per tape entry) or ``"value"``
            (an entry's output).
        label: the tensor's name, else ``t0``, ``t1``, ... numbered as ``Tape.table()``
            numbers them; for an op, ``entry.op``.
        detail: the shape, e.g. ``"(4, 8)"``, or for a ``(1, 1)`` tensor its value,
            e.g. ``"= -1.5"`` (at the time the graph was made); for an op that saved
            labels (``softmax_ce``), ``"(y)"``: they are state, not a tensor.
        x, y: position in layout steps: ``x`` is the column, ``y`` the row.
        entry: the tape index of an op or of the entry that made a value; ``None`` for a leaf.
        tensor: the tensor itself (``None`` for an op).
    """

    kind: str
    label: str
    detail: str
    x: float
    y: float
    entry: int | None = None
    tensor: object = field(default=None, repr=False, compare=False)

    @property
    def text(self):
        """The box's text, e.g. ``"W1 (2, 8)"``, ``"w = -1.5"``, ``"matmul"`` or ``"softmax_ce (y)"``."""
        return f"{self.label} {self.detail}" if self.detail else self.label

    @property
    def is_scalar(self):
        return self.tensor is not None and self.tensor.shape == (1, 1)


@dataclass(frozen=True)
class Edge:
    """An arrow from node ``src`` to node ``dst`` (indices into ``Graph.nodes``).

    ``slot`` is the input position for a tensor -> op edge (``matmul(a, b)``: 0 for
    ``a``, 1 for ``b``) and ``None`` for the op -> output edge.
    """

    src: int
    dst: int
    slot: int | None


@dataclass
class Graph:
    """The tape as nodes and edges, laid out left to right in tape order.

    Entry ``i`` takes column ``i + 1``: its op on row 1, its output below it on
    row 0. A leaf sits one column left of the op that first uses it, on row 0 if
    that is free (only in column 0), else on row 2 and up, one row per leaf.
    A tensor used by two ops, or twice by one, has two outgoing edges.
    """

    nodes: list
    edges: list

    def node_of(self, tensor):
        """The index of ``tensor``'s node; ``KeyError`` if it is not in the graph."""
        for i, node in enumerate(self.nodes):
            if node.tensor is tensor:
                return i
        raise KeyError(f"this tensor ({tensor!r}) is not in the graph: no entry of the tape reads or makes it")

    def op_node(self, entry):
        """The index of tape entry ``entry``'s op node."""
        return next(i for i, n in enumerate(self.nodes) if n.kind == "op" and n.entry == entry)

    def value_node(self, entry):
        """The index of the node of tape entry ``entry``'s output."""
        return next(i for i, n in enumerate(self.nodes) if n.kind == "value" and n.entry == entry)

    def inputs_of(self, entry):
        """The edges into entry ``entry``'s op, in input order."""
        op = self.op_node(entry)
        return sorted((e for e in self.edges if e.dst == op), key=lambda e: e.slot)

    def needs_grad(self):
        """Indices of the leaves that require a gradient (the parameters), in graph order."""
        return [i for i, n in enumerate(self.nodes) if n.kind == "leaf" and n.tensor.requires_grad]


def graph_of(tape=None):
    """The :class:`Graph` of ``tape`` (by default the current one). Pure Python: draws nothing.

    One op node and one value node per entry, one leaf node per leaf; edges
    leaf/value -> op, one per input slot, and op -> its output. The labels that
    ``softmax_ce`` saved are state, not a tensor: they show as ``"softmax_ce (y)"``.
    """
    tape = current_tape() if tape is None else tape
    names = _tensor_names(tape)
    nodes, edges, index = [], [], {}
    rows_taken = {}

    def add(kind, label, detail, x, y, entry=None, tensor=None):
        nodes.append(Node(kind, label, detail, x, y, entry, tensor))
        rows_taken.setdefault(x, set()).add(y)
        return len(nodes) - 1

    for i, entry in enumerate(tape.entries):
        column = i + 1
        for t in entry.inputs:
            if id(t) not in index:
                row = _free_row(rows_taken.get(column - 1, set()))
                index[id(t)] = add("leaf", names[id(t)], _detail(t), column - 1, row, tensor=t)
        op = add("op", entry.op, "(y)" if "labels" in entry.saved else "", column, OP_ROW, entry=i)
        edges.extend(Edge(index[id(t)], op, slot) for slot, t in enumerate(entry.inputs))
        index[id(entry.out)] = add("value", names[id(entry.out)], _detail(entry.out), column, VALUE_ROW,
                                   entry=i, tensor=entry.out)
        edges.append(Edge(op, index[id(entry.out)], None))
    return Graph(nodes, edges)


def _tensor_names(tape):
    # The same names as Tape.table(): a tensor's own name, else t0, t1, ... in order of first sight.
    names, unnamed = {}, 0
    for entry in tape.entries:
        for t in (*entry.inputs, entry.out):
            if id(t) in names:
                continue
            if t.name:
                names[id(t)] = t.name
            else:
                names[id(t)] = f"t{unnamed}"
                unnamed += 1
    return names


def _free_row(taken):
    # Row 0 is free only left of the first op; the op row stays clear so edges into ops are short.
    row = VALUE_ROW if VALUE_ROW not in taken else FIRST_LEAF_ROW
    while row in taken:
        row += 1
    return row


def _detail(tensor):
    if tensor.shape == (1, 1):
        return f"= {tensor.data[0, 0]:.3g}"
    return str(tensor.shape)


# ---- backward, one entry at a time ----------------------------------------------------

@dataclass(frozen=True, eq=False)
class Contribution:
    """What one walked entry sends to one of its inputs.

    ``slot`` is the input position, ``node`` the input's node, ``grad`` the array
    sent (the input's shape), and ``added`` says whether it was added (``+=``) to an
    adjoint the input already had: the second use of a tensor used twice. ``total``
    is the input's adjoint just after this contribution, which for ``matmul(x, x)``
    differs between its two contributions to ``x``.
    """

    slot: int
    node: int
    grad: np.ndarray
    added: bool
    total: np.ndarray = field(repr=False)


@dataclass(frozen=True, eq=False)
class Step:
    """The state of backward after one step of :func:`backward_steps`.

    ``graph`` is the :class:`Graph` of the tape walked. ``entry`` is the tape index of
    the entry walked in this step, ``None`` for step 0, which seeds dL/dL = 1 at the
    loss. ``dout`` is the adjoint that arrived at the entry's output, ``None`` if it had
    none (then backward skips the entry: it does not lead to the loss).
    ``contributions`` holds one :class:`Contribution` per input that received
    something, and ``adjoints`` is ``{node index: adjoint}`` for every tensor filled so far.
    """

    graph: Graph = field(repr=False)
    entry: int | None
    dout: np.ndarray | None
    contributions: tuple
    adjoints: dict = field(repr=False)

    @property
    def filled(self):
        """The node indices of every tensor whose adjoint is filled after this step."""
        return frozenset(self.adjoints)

    @property
    def skipped(self):
        """``True`` for an entry whose output has no adjoint, which backward skips."""
        return self.entry is not None and self.dout is None

    def adjoint(self, tensor):
        """``tensor``'s adjoint after this step, or ``None`` if it has none yet."""
        return self.adjoints.get(self.graph.node_of(tensor))


def backward_steps(loss, tape=None):
    """Walk backward from ``loss`` on paper: a list of :class:`Step`, one per entry, plus the seed.

    Step 0 seeds dL/dL = 1 at the ``(1, 1)`` loss; step ``k`` walks entry
    ``len(tape) - k``, the entries in reverse like ``backward``. Every entry has a
    step, including those ``backward`` skips because their output has no adjoint
    (``Step.skipped``), so the slider shows that they were passed over. Each
    contribution comes from ``apply_vjp``, so the rules in ``VJP_RULES`` (a reader's
    own included) are the ones shown, and the adjoints after the last step are
    what ``backward`` would put in ``.grad`` (added to any ``.grad`` already there).

    Nothing is changed: no tensor's ``.grad``, and the tape is not marked as walked,
    so ``backward(loss)`` can still run afterwards.
    """
    tape = current_tape() if tape is None else tape
    graph = graph_of(tape)
    _refuse(loss, tape, graph)
    adjoints = {graph.node_of(loss): np.ones_like(loss.data)}
    # Each step keeps its own dict but shares the arrays: an adjoint is replaced, never changed in place.
    steps = [Step(graph, None, None, (), dict(adjoints))]
    for i in reversed(range(len(tape.entries))):
        entry = tape.entries[i]
        dout = adjoints.get(graph.value_node(i))
        contributions = [] if dout is None else _contributions(graph, entry, dout, adjoints)
        steps.append(Step(graph, i, dout, tuple(contributions), dict(adjoints)))
    return steps


def _contributions(graph, entry, dout, adjoints):
    # Like backward: nothing for an input that needs no gradient, even if a rule returned one.
    # Adds each contribution into ``adjoints`` as it goes, so a second use in the same entry
    # (matmul(x, x)) is added to the first.
    sent = []
    for slot, (t, g) in enumerate(zip(entry.inputs, apply_vjp(entry, dout))):
        if g is None or not t.requires_grad:
            continue
        node = graph.node_of(t)
        added = node in adjoints
        adjoints[node] = adjoints[node] + g if added else g.copy()
        sent.append(Contribution(slot, node, g.copy(), added, adjoints[node]))
    return sent


def _refuse(loss, tape, graph):
    if loss.shape != (1, 1):
        raise ValueError(f"backward_steps needs the (1, 1) loss; got shape {loss.shape}")
    if not any(e.out is loss for e in tape.entries):
        raise ValueError("the loss is not the output of an entry of this tape; was tape_reset() "
                         "called after the forward pass that produced it?")
    for i, e in enumerate(tape.entries):
        for t, version in zip(e.inputs, e.versions):
            if t.version != version:
                node = graph.nodes[graph.node_of(t)]
                raise RuntimeError(f"entry {i} ({e.op}) reads {node.label}, which was changed in place "
                                   f"since; run the forward pass again")


# ---- drawing ------------------------------------------------------------------------------

FONTS = {"leaf": dict(size=10, style="normal"), "value": dict(size=10, style="normal"),
         "op": dict(size=9.5, style="italic")}
PADS = {"leaf": 0.3, "value": 0.3, "op": 0.35}
"""Font and box padding (in font sizes) of each kind of node."""

ARROW_GAP = 2.5
"""Points between an arrow's end and the box it points to or leaves."""


def draw_graph(ax, graph, step=None, grads=None):
    """Draw ``graph`` on the matplotlib Axes ``ax``: boxes for tensors, pills for ops, arrows.

    Leaves are blue boxes, entry outputs white boxes, ops grey pills; arrows run
    forward, from each input to its op and from the op to its output.

    With a :class:`Step`, the picture shows backward at that step: the walked op
    in vermillion, the arrows its adjoints travel along reversed and vermillion
    (``dout`` into the op, each contribution out to its input, labelled
    ``dW2`` or ``+= dx`` where it is added to an adjoint the input already had),
    and a badge on every tensor whose adjoint is filled (``∂ |g| = 0.12``; for a
    ``(1, 1)`` tensor its value, ``∂ = 0.25``), vermillion if it was filled in
    this step, green if before.

    Without a step, a green badge shows each gradient: ``grads``, a dict
    ``{node index: array}``, or by default each tensor's ``.grad`` (none before
    ``backward``). Positions are layout steps; the fonts fit the size
    :func:`graph_figure` gives the Axes. Draws only: records nothing on the tape.
    """
    from matplotlib.patches import FancyArrowPatch

    xs, ys = [n.x for n in graph.nodes], [n.y for n in graph.nodes]
    ax.set_xlim(min(xs, default=0) - 0.6, max(xs, default=0) + 0.6)
    ax.set_ylim(min(ys, default=0) - 0.6, max(ys, default=0) + 0.6)
    ax.axis("off")
    scale = _inches_per_step(ax)
    halves = _half_sizes(graph)
    for i, node in enumerate(graph.nodes):
        _draw_node(ax, node, _node_style(graph, i, step))
    flows = _flows(graph, step)
    for edge, bend in zip(graph.edges, _bends(graph)):
        start, end = _arrow_ends(graph, edge, bend, halves, scale)
        flow = flows.get(edge)
        if flow is None:
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=13, shrinkA=0, shrinkB=0,
                                         connectionstyle=f"arc3,rad={bend}", color=EDGE_COLOR, lw=1.2, zorder=2))
            continue
        # The adjoint flows against the edge: the same arc, drawn from its end back to its start.
        ax.add_patch(FancyArrowPatch(end, start, arrowstyle="-|>", mutation_scale=15, shrinkA=0, shrinkB=0,
                                     connectionstyle=f"arc3,rad={-bend}", color=WALK_COLOR, lw=2.4, zorder=4))
        if flow:
            ax.text(*_label_xy(graph, edge, bend, scale), flow, ha="center", va="center", fontsize=9.5,
                    color=WALK_COLOR, fontweight="bold", zorder=5,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    _draw_badges(ax, graph, step, grads)


def draw_tape(ax, tape=None):
    """Draw the graph of ``tape`` (by default the current one) on ``ax``; see :func:`draw_graph`."""
    draw_graph(ax, graph_of(tape))


def graph_figure(graph, step=None, grads=None, fig=None, dpi=80):
    """A Figure sized for ``graph`` with :func:`draw_graph` drawn on it (not registered with pyplot).

    Each layout step is ``COLUMN_INCHES`` wide and ``ROW_INCHES`` tall, so the XOR
    network's graph (7 columns, 3 rows) is 8.6 x 2.6 inches, 690 x 205 pixels at
    the default ``dpi``. ``fig``: a Figure to clear and reuse (faster than a new one).
    A new Figure shows itself as a PNG when it ends a notebook cell, with or without
    pyplot's inline backend, and appears only there: pyplot does not hold it.
    """
    xs, ys = [n.x for n in graph.nodes], [n.y for n in graph.nodes]
    size = ((max(xs, default=0) - min(xs, default=0) + 1.2) * COLUMN_INCHES,
            (max(ys, default=0) - min(ys, default=0) + 1.2) * ROW_INCHES)
    if fig is None:
        fig = _picture_class()(figsize=size, dpi=dpi)
    else:
        fig.clear()
        fig.set_size_inches(*size)
    draw_graph(fig.add_axes((0, 0, 1, 1)), graph, step, grads)
    return fig


@functools.cache
def _picture_class():
    # Made on first use, so that importing this module does not import matplotlib.
    from matplotlib.figure import Figure

    class GraphFigure(Figure):
        """A Figure that IPython displays as its PNG: a cell can end with it, no pyplot needed."""

        def _repr_png_(self):
            return plots.figure_png(self)

    return GraphFigure


def _inches_per_step(ax):
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    width, height = ax.figure.get_size_inches()
    box = ax.get_position()
    return box.width * width / (x1 - x0), box.height * height / (y1 - y0)


def _half_sizes(graph):
    """Each node's box, half its width and half its height, in points.

    Worked out from the font, so that arrows can end at the boxes without matplotlib
    clipping every arrow against every box at draw time, which takes most of a redraw.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    measure = TextToPath().get_text_width_height_descent
    halves = []
    for node in graph.nodes:
        font = FONTS[node.kind]
        width, _, _ = measure(node.text, FontProperties(**font), ismath=False)
        pad = PADS[node.kind] * font["size"]
        # An italic line runs a little past its measured width; 0.55 font sizes is half a line's height.
        halves.append((width / 2 + pad + 1.5, 0.55 * font["size"] + pad))
    return halves


def _arrow_ends(graph, edge, bend, halves, scale):
    """Where the arc from ``edge.src`` to ``edge.dst`` leaves the one box and meets the other."""
    a, b = graph.nodes[edge.src], graph.nodes[edge.dst]
    dx, dy = (b.x - a.x) * scale[0], (b.y - a.y) * scale[1]
    # matplotlib's arc3 is a quadratic Bezier with its control point at mid + bend * (dy, -dx).
    leaving = (dx / 2 + bend * dy, dy / 2 - bend * dx)
    arriving = (dx / 2 - bend * dy, dy / 2 + bend * dx)
    return (_box_exit(a, leaving, halves[edge.src], scale),
            _box_exit(b, (-arriving[0], -arriving[1]), halves[edge.dst], scale))


def _box_exit(node, direction, half, scale):
    # From the box's centre along direction (in inches) to just outside its edge.
    length = np.hypot(*direction)
    ux, uy = direction[0] / length, direction[1] / length
    reach = min(half[0] / abs(ux) if ux else np.inf, half[1] / abs(uy) if uy else np.inf)
    reach = (reach + ARROW_GAP) / 72
    return node.x + ux * reach / scale[0], node.y + uy * reach / scale[1]


def _node_style(graph, index, step):
    node = graph.nodes[index]
    fill, edge = {"leaf": (LEAF_COLOR, LEAF_EDGE), "op": (OP_COLOR, OP_EDGE),
                  "value": (VALUE_COLOR, VALUE_EDGE)}[node.kind]
    style = dict(fc=fill, ec=edge, lw=1.2, ls="-")
    if step is not None and step.entry is not None and node.entry == step.entry:
        # The walked op, and its output where dout arrives from; dashed when the entry is skipped.
        style.update(ec=WALK_COLOR, lw=2.4, ls="--" if step.skipped else "-")
        if node.kind == "op":
            style.update(fc=WALK_FILL)
    return style


def _draw_node(ax, node, style):
    pad = PADS[node.kind]
    shape = f"round,pad={pad},rounding_size=0.75" if node.kind == "op" else f"round,pad={pad}"
    ax.text(node.x, node.y, node.text, ha="center", va="center", zorder=3, fontsize=FONTS[node.kind]["size"],
            fontstyle=FONTS[node.kind]["style"], bbox=dict(boxstyle=shape, **style))


def _flows(graph, step):
    # {edge: label} for the edges an adjoint travels along in this step; "" for dout, which has no label.
    if step is None or step.entry is None or step.skipped:
        return {}
    op = graph.op_node(step.entry)
    flows = {e: "" for e in graph.edges if e.src == op}
    into = {e.slot: e for e in graph.inputs_of(step.entry)}
    for c in step.contributions:
        flows[into[c.slot]] = _flow_label(graph.nodes[c.node], c)
    return flows


def _flow_label(node, contribution):
    if node.is_scalar:
        value = f"{contribution.grad[0, 0]:.3g}"
        return f"+= {value}" if contribution.added else f"d{node.label} = {value}"
    return f"+= d{node.label}" if contribution.added else f"d{node.label}"


def _bends(graph):
    # Straight arrows; a second one between the same nodes (matmul(x, x)) bows out to the left of
    # the first, away from the op's output below, and a third further still.
    return [-0.5 * [e for e in graph.edges if (e.src, e.dst) == (edge.src, edge.dst)].index(edge)
            for edge in graph.edges]


def _label_xy(graph, edge, bend, scale):
    """A point on the arc 40% of the way from the input: clear of the op, where arrows into it converge."""
    (x0, y0), (x1, y1) = _xy(graph.nodes[edge.src]), _xy(graph.nodes[edge.dst])
    dx, dy = (x1 - x0) * scale[0], (y1 - y0) * scale[1]
    # The quadratic Bezier at t: the chord point plus 2t(1 - t) times the control point's offset.
    t = 0.4
    lift = 2 * t * (1 - t) * bend
    return x0 + t * (x1 - x0) + lift * dy / scale[0], y0 + t * (y1 - y0) - lift * dx / scale[1]


def _xy(node):
    return node.x, node.y


def _draw_badges(ax, graph, step, grads):
    if step is not None:
        shown, prefix = step.adjoints, "∂"
        fresh = {c.node for c in step.contributions} if step.entry is not None else set(step.adjoints)
    else:
        shown, prefix, fresh = (grads if grads is not None else _current_grads(graph)), "grad", set()
    for index, grad in shown.items():
        node = graph.nodes[index]
        text = (f"{prefix} = {grad[0, 0]:.3g}" if node.is_scalar
                else f"{prefix} |g| = {np.linalg.norm(grad):.3g}")
        # Below the outputs' row, above the leaves: away from the arrows into the ops between them.
        above = node.y > VALUE_ROW
        ax.annotate(text, _xy(node), xytext=(0, 18 if above else -18), textcoords="offset points",
                    ha="center", va="center", fontsize=9, color="white", zorder=6,
                    bbox=dict(boxstyle="round,pad=0.25", lw=0,
                              fc=WALK_COLOR if index in fresh else FILLED_COLOR))


def _current_grads(graph):
    return {i: n.tensor.grad for i, n in enumerate(graph.nodes)
            if n.tensor is not None and n.tensor.grad is not None}


# ---- the steps in words ----------------------------------------------------------------------

def step_caption(step):
    """What ``step`` does, in plain words: the entry walked, what it receives and sends, what is filled.

    For example ``"Entry 3 (matmul): dout (4, 2) arrives from t3; it sends dt2 (4, 8)
    to t2 and dW2 (8, 2) to W2. Filled now: t2, W2."``
    """
    graph = step.graph
    if step.entry is None:
        (loss,) = (graph.nodes[i] for i in step.adjoints)
        return (f"Backward seeds dL/dL = 1 at the loss {loss.label}, the loss's adjoint with respect to "
                f"itself. Then it walks the tape's entries from the last to the first.")
    op, out = graph.nodes[graph.op_node(step.entry)], graph.nodes[graph.value_node(step.entry)]
    head = f"Entry {step.entry} ({op.label})"
    if step.skipped:
        return (f"{head}: its output {out.label} has no adjoint, because it does not lead to the loss, "
                f"so backward skips it.")
    sent = [_sent_words(graph.nodes[c.node], c) for c in step.contributions]
    receivers = {c.slot for c in step.contributions}
    idle = [graph.nodes[e.src].label for e in graph.inputs_of(step.entry) if e.slot not in receivers]
    words = f"{head}: dout {_array_words(step.dout, out)} arrives from {out.label}"
    words += f"; it sends {_join(sent)}" if sent else "; it sends nothing"
    if idle:
        words += f" ({_join(idle)} {'needs' if len(idle) == 1 else 'need'} no gradient)"
    fresh = [graph.nodes[c.node].label for c in step.contributions if not c.added]
    return words + (f". Filled now: {', '.join(fresh)}." if fresh else ".")


def leaves_caption(step, later=()):
    """Which leaves that need a gradient have one after ``step``, in words.

    For example ``"Leaf gradients filled: W2, b2; still empty: W1, b1."``. ``later``:
    the steps after this one. A filled leaf that one of them still adds to (a tensor
    used twice, when only one use has been walked) is said to be not final yet, e.g.
    ``"Leaf gradients filled: x; not final yet: x (entry 0 adds to it later)."``
    """
    graph = step.graph
    leaves = graph.needs_grad()
    if not leaves:
        return "No leaf needs a gradient."
    filled = [i for i in leaves if i in step.adjoints]
    empty = [graph.nodes[i].label for i in leaves if i not in step.adjoints]
    adders = {}
    for s in later:
        for c in s.contributions:
            if c.node in filled and s.entry not in adders.setdefault(c.node, []):
                adders[c.node].append(s.entry)
    words = f"Leaf gradients filled: {', '.join(graph.nodes[i].label for i in filled) or 'none yet'}"
    pending = [f"{graph.nodes[i].label} ({_entries_words(adders[i])} to it later)" for i in filled if adders.get(i)]
    if not empty and not pending:
        return words + " (all of them)."
    if pending:
        words += f"; not final yet: {', '.join(pending)}"
    if empty:
        words += f"; still empty: {', '.join(empty)}"
    return words + "."


def _entries_words(entries):
    return f"entry {entries[0]} adds" if len(entries) == 1 else f"entries {_join([str(e) for e in entries])} add"


def caption_html(steps, number):
    """The caption under the picture of ``steps[number]``: its number, :func:`step_caption`, the leaves."""
    step = steps[number]
    leaves = leaves_caption(step, steps[number + 1:])
    return (f"<div style='line-height:1.4'><b>Step {number} of {len(steps) - 1}.</b> "
            f"{html.escape(step_caption(step))}<br>{html.escape(leaves)}</div>")


def _sent_words(node, contribution):
    words = f"d{node.label} {_array_words(contribution.grad, node)} to {node.label}"
    if not contribution.added:
        return words
    if node.is_scalar:
        return words + f", added (+=) to the adjoint it already had: now {contribution.total[0, 0]:.3g}"
    return words + ", added (+=) to the adjoint it already had"


def _array_words(array, node):
    return f"= {array[0, 0]:.3g}" if node.is_scalar else str(array.shape)


def _join(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# ---- the widgets -----------------------------------------------------------------------------

class BackwardStepper:
    """The live stepper: a slider over the steps of backward, redrawing the graph at each.

    Each move of the slider draws that step with :func:`graph_figure` in the running
    kernel, about 0.1 s for the XOR network, so the picture follows the slider while
    it is dragged. Works with ipywidgets 7 and 8. ``display(stepper)``, or ending a
    cell with it, shows it.

    Attributes:
        steps: the :class:`Step` list.
        slider: the ``IntSlider`` ("step"); setting ``.value`` from Python redraws.
        image: the ``Image`` showing the PNG.
        caption: the ``HTML`` caption (:func:`caption_html`).
        widget: the whole ``VBox``.
        last_seconds: how long the last redraw took.
    """

    def __init__(self, steps, dpi=80):
        import ipywidgets as w
        from matplotlib.figure import Figure

        self.steps = steps
        self.slider = _step_slider(w, steps)
        self.image = w.Image(format="png")
        self.caption = w.HTML()
        self.widget = w.VBox([self.slider, self.image, self.caption])
        self._figure = Figure(dpi=dpi)
        self.last_seconds = float("nan")
        self.slider.observe(self._on_change, names="value")
        self.show(0)

    def _on_change(self, change):
        self.show(change["new"])

    def show(self, number):
        """Draw step ``number`` into the image and the caption."""
        start = time.perf_counter()
        step = self.steps[number]
        self.image.value = plots.figure_png(graph_figure(step.graph, step, fig=self._figure))
        self.caption.value = caption_html(self.steps, number)
        self.last_seconds = time.perf_counter() - start

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


class StaticStepper:
    """The precomputed stepper: every step's picture made once, switched in the browser.

    The slider's ``value`` is ``jslink``-ed to the ``selected_index`` of two
    ``Stack`` widgets, one of pictures and one of captions, so a static web page
    steps through backward without a kernel.

    Attributes:
        steps: the :class:`Step` list.
        slider: the ``IntSlider`` ("step").
        images, captions: one ``Image`` and one ``HTML`` per step.
        pictures, texts: the two ``Stack`` widgets holding them.
        links: the two ``jslink`` links.
        widget: the whole ``VBox``.
    """

    def __init__(self, steps, dpi=80, colors=48):
        import ipywidgets as w
        from matplotlib.figure import Figure

        self.steps = steps
        self.slider = _step_slider(w, steps)
        figure = Figure(dpi=dpi)
        self.images = [w.Image(value=plots.figure_png(graph_figure(s.graph, s, fig=figure), colors=colors),
                               format="png") for s in steps]
        self.captions = [w.HTML(caption_html(steps, k)) for k in range(len(steps))]
        self.pictures = w.Stack(self.images, selected_index=0)
        self.texts = w.Stack(self.captions, selected_index=0)
        self.links = [w.jslink((self.slider, "value"), (stack, "selected_index"))
                      for stack in (self.pictures, self.texts)]
        self.widget = w.VBox([self.slider, self.pictures, self.texts])

    @property
    def nbytes(self):
        """Bytes of PNG held by the pictures, about what the stepper adds to a saved page."""
        return sum(len(image.value) for image in self.images)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def _step_slider(w, steps):
    # 360 px, as the playground's sliders: with its label and readout it fits a phone's column.
    return w.IntSlider(value=0, min=0, max=len(steps) - 1, description="step", continuous_update=True,
                       layout=w.Layout(width="360px"))


def backward_stepper(loss_or_steps, tape=None, dpi=80):
    """The live :class:`BackwardStepper` for a loss or a step list, as :func:`static_stepper` takes them."""
    return BackwardStepper(_as_steps(loss_or_steps, tape), dpi=dpi)


def static_stepper(loss_or_steps, tape=None, dpi=80, colors=48):
    """A stepper that works without a kernel: every step's picture precomputed.

    ``loss_or_steps`` is the ``(1, 1)`` loss, walked with :func:`backward_steps` on
    ``tape`` (by default the current one), or the list of steps it returned.
    Returns a :class:`StaticStepper`. For the XOR network that is 7 pictures of
    5 to 7 KB, 45 KB of PNG in all, which the saved page's widget state holds as
    base64: the stepper adds about 73 KB to the page. Where ipywidgets has no
    ``Stack`` (version 7, Google Colab's), there is a kernel, so the live
    :class:`BackwardStepper` is returned instead.
    """
    import ipywidgets as w

    steps = _as_steps(loss_or_steps, tape)
    if not hasattr(w, "Stack"):
        return BackwardStepper(steps, dpi=dpi)
    return StaticStepper(steps, dpi=dpi, colors=colors)


def _as_steps(loss_or_steps, tape):
    return list(loss_or_steps) if isinstance(loss_or_steps, (list, tuple)) else backward_steps(loss_or_steps, tape)
