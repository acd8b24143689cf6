"""Chapter 2's checks: record, backward."""

from __future__ import annotations

import numpy as np

from ... import tape
from ...model import MLP
from ...ops import add_bias, matmul, softmax_ce, tanh
from ...tape import Tape, TapeEntry
from ...tensor import Tensor
from .core import Failed, Task, _call, _difference, _kind, _mentions, _same, _short


def _check_record(fn):
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True, name="x")
    w = Tensor(rng.standard_normal((3, 4)), requires_grad=True, name="w")
    h = Tensor(rng.standard_normal((2, 4)), requires_grad=True)
    z = Tensor(rng.standard_normal((2, 4)), requires_grad=True)
    mask = h.data > 0
    calls = [("matmul", (x, w), h, None, None), ("relu", (h,), z, {"mask": mask}, mask)]
    case = "record('matmul', (x, w), h), then record('relu', (h,), z, saved={'mask': m}, kink=m)"
    with Tape() as fresh:
        for op, inputs, out, saved, kink in calls:
            _call(fn, case, op, inputs, out, saved, kink, raised=[
                (_kind(TypeError), "a TapeEntry, or record itself, was called with other "
                 "arguments than the five record receives.")])
    entries = fresh.entries
    if len(entries) != 2:
        raise Failed(case, f"the tape holds {len(entries)} entries after two calls; it should hold 2",
                     "each call must add exactly one entry, to the current tape's list.")
    if not all(isinstance(e, TapeEntry) for e in entries):
        raise Failed(case, f"the tape holds {_short(entries[0])} items, not TapeEntry objects",
                     "the entries must be TapeEntry objects: backward reads their fields (op, "
                     "inputs, out, saved) by name.")
    if [e.op for e in entries] == ["relu", "matmul"]:
        raise Failed(case, "the entries are in reverse order: relu first, matmul second",
                     "each entry went in at the front: the tape must list the ops in the order "
                     "they ran, because backward walks it from the end.")
    for e, (op, inputs, out, saved, kink) in zip(entries, calls):
        if e.op != op or e.out is not out or len(e.inputs) != len(inputs) \
                or any(a is not b for a, b in zip(e.inputs, inputs)):
            raise Failed(case, f"the {op} entry does not hold the op's name, its input tensors and its "
                         f"output tensor themselves",
                         "the entry holds copies, or arrays, or the wrong names: backward writes .grad "
                         "into the very tensors the op used.")
        if e.saved is not None and not isinstance(e.saved, dict):
            raise Failed(case, f"the {op} entry's saved is {_short(e.saved)}, not the dict the op gave",
                         "saved and kink reached the entry in each other's places.")
        lost_saved = saved is not None and e.saved.get("mask") is not mask
        lost_kink = kink is not None and e.kink is not kink
        if lost_saved or lost_kink:
            raise Failed(case, f"the {op} entry lost what the op asked to save (saved or kink)",
                         "saved and kink were dropped on the way to the entry, and relu's VJP needs the "
                         "mask it saved.")
    if not all(e.versions == tuple(t.version for t in e.inputs) for e in entries):
        raise Failed(case, "an entry's versions do not match its inputs",
                     "the entry was not made by TapeEntry from the op's inputs, which notes their "
                     "versions itself.")


def _graph_cases():
    # Each builds a fresh graph on the current tape: (loss, {name: tensor}) in float64.
    rng = np.random.default_rng(7)
    xor_X, xor_y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float), np.array([0, 1, 1, 0])
    values = {k: rng.standard_normal(s) for k, s in
              [("x", (1, 3)), ("W", (3, 3)), ("V", (3, 2)), ("a", (3, 3)), ("b", (1, 3)), ("X", (4, 3))]}

    def t(name, requires_grad=True):
        return Tensor(values[name], requires_grad=requires_grad, dtype=np.float64, name=name)

    def xor_net():
        net = MLP(2, 8, 2, activation="tanh", seed=3, dtype=np.float64)
        for p in net.params:
            p.data[...] = np.random.default_rng(11).standard_normal(p.shape)
        return softmax_ce(net(Tensor(xor_X, dtype=np.float64, name="X")), xor_y), \
            {p.name: p for p in net.params}

    def used_twice():
        x = t("x")
        return softmax_ce(add_bias(tanh(x), x), np.array([2])), {"x": x}

    def leaf_twice():
        X, W = t("X", requires_grad=False), t("W")
        return softmax_ce(matmul(tanh(matmul(X, W)), W), np.array([0, 2, 1, 1])), {"X": X, "W": W}

    def dead_branch():
        x, W, V = t("x"), t("W"), t("V")
        tanh(matmul(x, W))  # recorded, but nothing downstream uses it
        return softmax_ce(matmul(x, V), np.array([1])), {"x": x, "W": W, "V": V}

    def shared_hidden():
        a, b = t("a"), t("b")
        u = tanh(a)
        h = add_bias(a, b)
        return softmax_ce(matmul(h, u), np.array([0, 1, 2])), {"a": a, "b": b}

    return [
        ("the XOR network (MLP 2-8-2, tanh, float64)", xor_net),
        ("a tensor used twice: add_bias(tanh(x), x)", used_twice),
        ("a weight used by two matmuls, and an input X without requires_grad", leaf_twice),
        ("an op whose output leads nowhere: tanh(x @ W) is recorded but unused", dead_branch),
        ("a tensor used by tanh and by add_bias: softmax_ce((a + b) @ tanh(a))", shared_hidden),
    ]


def _grads(build, backward_fn, case):
    with Tape():
        loss, tensors = build()
        _call(backward_fn, case, loss, raised=[
            (_kind(KeyError), "an entry whose output got no adjoint does not lead to the loss, and "
             "your walk looked its adjoint up anyway: such an entry is skipped."),
            (_mentions("NoneType"), "an entry whose output got no adjoint does not lead to the loss, "
             "and your walk called its VJP anyway."),
            (_mentions("name 'adjoint' is not defined"), "the given last line hands finish_backward "
             "the dict named adjoint, from each tensor to its adjoint: your walk keeps its "
             "adjoints there."),
            (_mentions("already called on this tape"), "backward ran twice on one tape: "
             "finish_backward marks the tape walked, so it belongs once, at the end."),
        ])
        return loss, {name: None if t.grad is None else t.grad.copy() for name, t in tensors.items()}


def _backward_variant(kind):
    # Known ways to get the walk wrong, to recognise them in a reader's result.
    def walk(loss):
        tp = tape.start_backward(loss)
        adjoint = {} if kind == "no seed" else {loss: np.ones_like(loss.data)}
        entries = tp.entries if kind == "forwards" else reversed(tp.entries)
        for entry in entries:
            dout = adjoint.get(entry.out)
            if dout is None:
                continue
            for t, g in zip(entry.inputs, tape.apply_vjp(entry, dout)):
                if g is None or (not t.requires_grad and kind != "constants too"):
                    continue
                adjoint[t] = adjoint[t] + g if t in adjoint and kind != "overwrite" else g
        tape.finish_backward(tp, adjoint)
    return walk


BACKWARD_MISTAKES = [
    ("overwrite", "a tensor used twice got only one of its two gradients: the second replaced the "
     "first instead of being added to it."),
    ("forwards", "the tape was walked from the first entry to the last: an entry's output gradient "
     "is complete only after every later entry that uses it has been visited."),
    ("no seed", "the walk was never seeded: without dL/dL = 1 at the loss, no entry has a gradient "
     "to send on."),
    ("constants too", "inputs with requires_grad False (like the data X) got gradients too: nobody "
     "asked for them."),
]


def _check_backward(fn):
    for case, build in _graph_cases():
        loss, yours = _grads(build, fn, case)
        if loss.grad is None or not np.array_equal(loss.grad, np.ones((1, 1))):
            raise Failed(case, f"loss.grad is {_short(loss.grad) if loss.grad is None else loss.grad.tolist()} "
                         "after backward", BACKWARD_MISTAKES[2][1])
        _, expected = _grads(build, tape.backward.library, case)
        for name, grad in expected.items():
            mine = yours[name]
            if (mine is None) != (grad is None) or (grad is not None and not _same(mine, grad)):
                variants = []
                for kind, hint in BACKWARD_MISTAKES:
                    try:
                        variants.append((hint, _grads(build, _backward_variant(kind), case)[1]))
                    except Failed:
                        continue
                hint = next((h for h, v in variants if _same_grads(yours, v)), None)
                if hint and all(g is None for g in yours.values()):
                    # Many walks leave every gradient None: say what they have in common.
                    hint = ("no gradient reached any tensor: the walk never started from the "
                            "loss's own entry (it went from the first entry to the last, or "
                            "skipped the last one, or was never seeded).")
                if grad is None:
                    problem = f"{name}.grad is {_short(mine)}; it should stay None"
                elif mine is None:
                    problem = f"{name}.grad is None; it should be an array of shape {grad.shape}"
                else:
                    problem = _difference(f"{name}.grad", mine, grad)
                raise Failed(case, problem, hint)


def _same_grads(a, b):
    return a.keys() == b.keys() and all(
        (x is None and y is None) or (x is not None and y is not None and _same(x, y, 1e-9))
        for x, y in ((a[k], b[k]) for k in a))


TASKS = [
    Task("2.1", "record", "02_tape", "two ops recorded in order, each entry holding the op's name, "
         "its input and output tensors themselves, and what it saved", _check_record),
    Task("2.2", "backward", "02_tape", "five graphs against the library's backward: the XOR "
         "network, a tensor used twice, a weight used twice with a constant input, an op that "
         "leads nowhere, a tensor shared by two ops", _check_backward),
]

LADDERS = {
    "2.1": ("The tape is a list of entries, one per op, in the order the ops ran. record adds one "
            "entry, at the end, for the op that just ran.",
            "A TapeEntry is made from exactly the five values record receives, in the same order; the "
            "current tape's list is current_tape().entries."),
    "2.2": ("Walk the entries from the last to the first, carrying adjoints: the loss's is 1; each "
            "entry turns its output's adjoint into its inputs' with its VJP; a tensor used by two "
            "ops gets the sum of what both send.",
            "The dict adjoint maps each tensor to its adjoint; seed it with the loss's, ones of "
            "shape (1, 1). For each entry, last first: its output's adjoint is dout (none: the entry "
            "does not lead to the loss); apply_vjp(entry, dout) gives one gradient per input, or "
            "None; an input that requires a gradient keeps the first it receives, and a later one "
            "is added to it into a new array, never in place."),
}
