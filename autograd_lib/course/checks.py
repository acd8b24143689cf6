"""Checks for the workbook's tasks: each says what is right, or what is wrong and where.

A reader writes a task's function in the workbook, then runs its check cell::

    relu_vjp = check("3.3", relu_vjp)

The check runs the function on seeded random inputs of several shapes (batch 1, width 1,
non-square, a tensor used twice), compares the results with float64 central differences and
with the library's own version, and prints a verdict: a pass that says what was checked, or a
failure that names the task, the case, its shapes and the error, with a hint when it
recognises the mistake. A passing function is plugged into the library, so that the rest of
the course runs on it (VJP rules go into ``VJP_RULES``, every other piece through
``autograd_lib.plugin``); a failing or unwritten one is not, and the library's own is used.
``check`` returns the piece now in use, and the check cell binds it to the task's name.

While a check runs, every other piece is the library's own, so that a mistake in one task is
never blamed on another.
"""

from __future__ import annotations

import linecache
import textwrap
import traceback
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import gradcheck, model, ops, optim, plugin, tape, tensor
from ..model import MLP
from ..ops import add_bias, matmul, relu, softmax_ce, tanh
from ..tape import VJP_RULES, Tape, TapeEntry, no_grad
from ..tensor import Tensor

WIDTH = 79
TOL = 1e-6
LIBRARY_DIR = Path(__file__).resolve().parents[1]


# ---- tasks and verdicts ----------------------------------------------------------------

@dataclass(frozen=True)
class Task:
    """One workbook task: the function a reader writes, and how it is checked.

    ``op`` is set for a VJP rule (the op whose rule it is); ``checked`` says in a few
    words what a pass means; ``run(fn)`` raises :class:`Failed` or returns quietly.
    """

    id: str
    name: str
    chapter: str
    checked: str
    run: object
    op: str | None = None

    @property
    def library(self):
        """The library's own version of this piece."""
        if self.op:
            return getattr(ops, self.name)
        return plugin._library[self.name]

    @property
    def piece(self):
        """What the library calls: ``VJP_RULES[op]``, or the pluggable function."""
        if self.op:
            return VJP_RULES[self.op]
        return next(getattr(m, self.name) for m in (tensor, tape, gradcheck, optim, model)
                    if hasattr(m, self.name))


class Failed(Exception):
    """A case went wrong: which case, what was wrong, and a hint if the mistake is known."""

    def __init__(self, case, problem, hint=None):
        super().__init__(problem)
        self.case, self.problem, self.hint = case, problem, hint


class NotWritten(Exception):
    """The reader's function still raises NotImplementedError."""


@dataclass
class Verdict:
    """The outcome of one check: ``status`` is "passed", "failed" or "not written"."""

    task: Task
    status: str
    problem: str = ""
    hint: str | None = None
    case: str | None = None
    notes: list = field(default_factory=list)

    @property
    def passed(self):
        return self.status == "passed"

    def lines(self):
        head = f"Task {self.task.id} {self.task.name}: {self.status}"
        if self.status == "not written":
            head += " yet"
        if self.status == "passed":
            return [head + ".", *_wrap(f"Checked {self.task.checked}.")]
        if self.status == "not written":
            return [head + " (it raises NotImplementedError).",
                    *_wrap("Write its body in the task cell above, run that cell, then this one.")]
        out = [head + "."]
        if self.case:
            out += _wrap(f"Case: {self.case}.")
        for line in self.problem.splitlines():
            # Code quoted from the reader's function keeps its line; prose is wrapped.
            out += [f"  {line}"] if line.startswith("    ") else _wrap(line)
        if self.hint:
            out += _wrap(f"Hint: {self.hint}")
        return out

    def __str__(self):
        return "\n".join(self.lines() + [f"  {n}" for n in self.notes])


def _wrap(text):
    return textwrap.wrap(text, WIDTH, initial_indent="  ", subsequent_indent="  ")


def run_check(task_id, fn):
    """Check ``fn`` as task ``task_id`` and return the ``Verdict``; plugs nothing in."""
    task = TASKS[task_id]
    if not callable(fn):
        return Verdict(task, "failed", f"expected a function, got {type(fn).__name__}",
                       f"pass the function itself: check({task_id!r}, {task.name})")
    with library_pieces():
        try:
            task.run(_isolated(fn, task.name))
        except NotWritten:
            return Verdict(task, "not written")
        except Failed as failure:
            return Verdict(task, "failed", failure.problem, failure.hint, failure.case)
    return Verdict(task, "passed")


def check(task_id, fn):
    """Check the reader's ``fn`` for task ``task_id``, print the verdict, plug it in if it passed.

    Returns the piece the rest of the course now uses: ``fn`` if it passed, the library's
    own version otherwise.
    """
    verdict = run_check(task_id, fn)
    task = verdict.task
    if verdict.passed:
        use(task_id, fn)
        where = "backward" if task.op else "autograd_lib"
        verdict.notes.append(f"Plugged in: from here on, {where} uses your {task.name}.")
    else:
        use_library(task_id)
        verdict.notes.append(f"Not plugged in: until it passes, the library's {task.name} is used.")
    print(verdict)
    return fn if verdict.passed else task.piece


def use(task_id, fn):
    """Plug ``fn`` in as task ``task_id``'s piece, unchecked."""
    task = TASKS[task_id]
    if task.op:
        VJP_RULES[task.op] = fn
    else:
        plugin.plug_in(task.name, fn)


def use_library(task_id=None):
    """Take a reader's piece out again (every piece, if ``task_id`` is None)."""
    for task in TASKS.values() if task_id is None else [TASKS[task_id]]:
        if task.op:
            VJP_RULES[task.op] = task.library
        else:
            plugin.unplug(task.name)


def pieces_in_use():
    """``{task id: True if the reader's piece is plugged in}``, for every task."""
    swapped = plugin.plugged()
    return {t.id: (VJP_RULES[t.op] is not t.library) if t.op else t.name in swapped
            for t in TASKS.values()}


def whose_code():
    """Which pieces are the reader's now and which the library's, as a few lines of text."""
    used = pieces_in_use()
    yours = [t.name for t in TASKS.values() if used[t.id]]
    library = [t.name for t in TASKS.values() if not used[t.id]]
    lines = [f"Yours ({len(yours)} of {len(TASKS)}): " + (", ".join(yours) or "none yet."),
             "The library's: " + (", ".join(library) or "none.")]
    return "\n".join(textwrap.fill(line, WIDTH, subsequent_indent="  ") for line in lines)


@contextmanager
def library_pieces():
    """Inside the block every piece is the library's own; afterwards, as it was."""
    plugged, rules = plugin.plugged(), dict(VJP_RULES)
    use_library()
    try:
        yield
    finally:
        VJP_RULES.update(rules)
        for name, fn in plugged.items():
            plugin.plug_in(name, fn)


def _isolated(fn, own_name):
    # The reader's function as it is, except that the names of the other pieces in its
    # globals mean the library's: a mistake in one task is not blamed on another.
    if not isinstance(fn, types.FunctionType):
        return fn
    library = {t.name: t.piece for t in TASKS.values() if t.name != own_name}
    if not library.keys() & fn.__globals__.keys():
        return fn
    namespace = {**fn.__globals__, **{k: v for k, v in library.items() if k in fn.__globals__}}
    clone = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    clone.__kwdefaults__ = fn.__kwdefaults__
    return clone


# ---- calling the reader's code ---------------------------------------------------------

def _call(fn, case, *args, raised=()):
    """``fn(*args)``; an exception becomes a :class:`Failed` that says where it came from.

    ``raised`` is a list of ``(test, hint)``: the first ``test(error)`` that is true gives
    the hint for that exception.
    """
    try:
        return fn(*args)
    except NotImplementedError as error:
        if _from_reader(error, fn):
            raise NotWritten() from None
        raise Failed(case, _describe_raise(error, fn)) from None
    except (Failed, NotWritten):
        raise
    except Exception as error:  # noqa: BLE001 - every error becomes a sentence
        hint = next((h for test, h in raised if test(error)), None)
        raise Failed(case, _describe_raise(error, fn), hint) from None


def _frames(error):
    return traceback.extract_tb(error.__traceback__)


def _is_library(filename):
    return filename.startswith(str(LIBRARY_DIR)) or "site-packages" in filename or "/numpy/" in filename


def _from_reader(error, fn):
    frames = _frames(error)
    return bool(frames) and not _is_library(frames[-1].filename)


def _describe_raise(error, fn):
    frames = _frames(error)
    name = getattr(fn, "__name__", "function")
    message = f"It raised {type(error).__name__}: {error}"
    mine = [f for f in frames if not _is_library(f.filename)]
    if not mine:
        return message
    line = (mine[-1].line or linecache.getline(mine[-1].filename, mine[-1].lineno)).strip()
    if _is_library(frames[-1].filename):
        where = Path(frames[-1].filename).stem
        return f"{message}\ninside {where}.{frames[-1].name}, called from your {name}:\n    {line}"
    return f"{message}\nat this line of your {name}:\n    {line}"


def _mentions(*words):
    return lambda error: all(w in str(error) for w in words)


def _kind(*types_):
    return lambda error: isinstance(error, types_)


# ---- comparing numbers -----------------------------------------------------------------

def _error(yours, expected):
    """``max |yours - expected| / max(1, max |expected|)``: absolute when small, relative when large."""
    yours, expected = np.asarray(yours, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return float(np.max(np.abs(yours - expected)) / max(1.0, float(np.max(np.abs(expected)))))


def _same(yours, expected, tol=TOL):
    yours = np.asarray(yours)
    return yours.shape == np.shape(expected) and bool(np.all(np.isfinite(yours))) and _error(yours, expected) <= tol


def _difference(label, yours, expected):
    """Where ``yours`` is furthest from ``expected``, as a sentence."""
    yours, expected = np.asarray(yours, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(yours)):
        idx = tuple(int(i) for i in np.unravel_index(np.argmin(np.isfinite(yours)), yours.shape))
        return f"{label} has a NaN or infinite entry at {list(idx)}: {yours[idx]}"
    gap = np.abs(yours - expected)
    idx = tuple(int(i) for i in np.unravel_index(np.argmax(gap), gap.shape))
    return (f"{label} is wrong: max error {_error(yours, expected):.3g} at {list(idx)} "
            f"(yours {yours[idx]:+.6g}, expected {expected[idx]:+.6g})")


def _first_match(yours, mistakes):
    """The hint of the first known mistake whose result ``yours`` equals, or None."""
    for hint, result in mistakes:
        try:
            if result is not None and _same(yours, result, 1e-9):
                return hint
        except (TypeError, ValueError):
            continue
    return None


def _shapes(**arrays):
    return ", ".join(f"{k} {tuple(np.shape(v))}" for k, v in arrays.items())


# ---- chapter 1: zero_grad, he_init -----------------------------------------------------

def _check_he_init(fn):
    for rows, cols, fan_in, seed in [(2, 8, 2, 0), (8, 2, 8, 1), (1, 1, 1, 2), (3, 4, 5, 3)]:
        case = f"a ({rows}, {cols}) float32 tensor, fan_in={fan_in}, default_rng({seed})"
        t = Tensor(np.zeros((rows, cols)), requires_grad=True, name="W")
        array = t.data
        result = _call(fn, case, t, fan_in, np.random.default_rng(seed),
                       raised=[(_kind(TypeError, AttributeError), "he_init(t, fan_in, rng) gets a Tensor t, "
                                "a number fan_in and a numpy.random.Generator rng; draw with "
                                "rng.standard_normal(t.shape).")])
        expected = tensor.he_init.library(Tensor(np.zeros((rows, cols))), fan_in, np.random.default_rng(seed)).data
        if result is not t:
            raise Failed(case, f"it returned {_short(result)}, not the tensor t it was given",
                         "end with `return t`, so that calls can be chained: W = he_init(Tensor(...), ...).")
        if t.data.dtype != array.dtype:
            raise Failed(case, f"t.data became {t.data.dtype}; it was {array.dtype}",
                         "write the numbers into the existing array, t.data[...] = ..., so that it "
                         "keeps its dtype.")
        if np.array_equal(t.data, np.zeros((rows, cols))):
            raise Failed(case, "t.data is still all zeros",
                         "fill t.data in place: t.data[...] = rng.standard_normal(t.shape) * std.")
        if not np.array_equal(t.data, expected):
            std = np.sqrt(2.0 / fan_in)
            draws = expected / std
            mistakes = [
                ("the variance is 2 / fan_in, so the standard deviation is its square root: "
                 "std = np.sqrt(2 / fan_in).", draws * (2.0 / fan_in)),
                ("He's scale is sqrt(2 / fan_in); sqrt(1 / fan_in) is LeCun's, made for tanh-like "
                 "units, and leaves ReLU activations shrinking layer by layer.", draws * np.sqrt(1.0 / fan_in)),
                ("use the fan_in argument: the number of inputs each unit adds up, which the caller "
                 "knows; the tensor's shape need not tell it.", draws * np.sqrt(2.0 / rows)),
                ("use the fan_in argument, not the number of columns (that would be fan_out).",
                 draws * np.sqrt(2.0 / cols)),
            ]
            hint = _first_match(t.data, mistakes) or _he_statistics_hint(fn)
            raise Failed(case, _difference("t.data", t.data, expected), hint)


def _he_statistics_hint(fn):
    t = Tensor(np.zeros((400, 300)))
    fn(t, 300, np.random.default_rng(5))
    again = Tensor(np.zeros((400, 300)))
    fn(again, 300, np.random.default_rng(5))
    if not np.array_equal(t.data, again.data):
        return ("the same seed gave different weights: draw every number from rng, the "
                "Generator you were given, never from np.random.")
    std, target = float(t.data.std()), np.sqrt(2 / 300)
    if abs(std / target - 1) < 0.05 and abs(float(t.data.mean())) < 0.01:
        return ("the distribution is right (std {:.4f}, target {:.4f}) but not the library's numbers: "
                "draw exactly rng.standard_normal(t.shape) and multiply by the std, so that a seed "
                "gives the same weights as the book's.".format(std, target))
    return (f"on a 400 x 300 tensor with fan_in = 300 your weights have mean {t.data.mean():.4f} and "
            f"std {std:.4f}; He wants mean 0 and std sqrt(2 / 300) = {target:.4f}, from "
            "rng.standard_normal(t.shape).")


def _short(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, Tensor):
        return f"a Tensor of shape {value.shape}"
    return "None" if value is None else f"a {type(value).__name__}"


def _check_zero_grad(fn):
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal((3, 4)), requires_grad=True, name="W")
    b = Tensor(rng.standard_normal((1, 4)), requires_grad=True, name="b")
    c = Tensor(rng.standard_normal((2, 2)), requires_grad=True, name="c")
    X = Tensor(rng.standard_normal((5, 3)), name="X")
    for t in (W, b, c):
        t.grad = rng.standard_normal(t.shape).astype(np.float32)
    buffers = {t.name: t.grad for t in (W, b, c)}
    data = {t.name: t.data.copy() for t in (W, b, c, X)}
    case = "zero_grad(W, [b, c], X): three tensors with gradients, given alone and in a list, and X, whose grad is None"
    _call(fn, case, W, [b, c], X, raised=[
        (_mentions("list", "grad"), "zero_grad accepts tensors and lists of tensors: zero_grad(W, b) and "
         "zero_grad(model.params) must both work; loop over the items of a list."),
        (_mentions("NoneType"), "a tensor whose grad is None has no buffer to zero: leave it None.")])
    for t in (W, b, c):
        if t.grad is None:
            raise Failed(case, f"{t.name}.grad became None",
                         "zero the buffer in place (t.grad.fill(0), or t.grad[...] = 0): backward would "
                         "otherwise allocate a new one on every step.")
        if t.grad is not buffers[t.name]:
            raise Failed(case, f"{t.name}.grad is a new array, not the old buffer set to zero",
                         "zero it in place, t.grad.fill(0) or t.grad[...] = 0, so training reuses one "
                         "buffer per tensor instead of allocating a new one every step.")
        if np.any(t.grad != 0):
            raise Failed(case, f"{t.name}.grad is not all zero: {_difference('it', t.grad, 0 * t.grad)}",
                         "did you skip the tensors inside the list?" if t is not W else None)
    if X.grad is not None:
        raise Failed(case, f"X.grad became {_short(X.grad)}; it was None",
                     "a gradient that was never written stays None: only zero buffers that exist.")
    for t in (W, b, c, X):
        if not np.array_equal(t.data, data[t.name]):
            raise Failed(case, f"{t.name}.data changed", "zero the gradient, t.grad, and leave t.data alone.")


# ---- chapter 2: record, backward -------------------------------------------------------

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
                (_kind(TypeError), "record(op, inputs, out, saved, kink) appends "
                 "TapeEntry(op, inputs, out, saved, kink) to current_tape().entries.")])
    entries = fresh.entries
    if len(entries) != 2:
        raise Failed(case, f"the tape holds {len(entries)} entries after two calls; it should hold 2",
                     "append exactly one entry per call: current_tape().entries.append(...).")
    if not all(isinstance(e, TapeEntry) for e in entries):
        raise Failed(case, f"the tape holds {_short(entries[0])} items, not TapeEntry objects",
                     "append TapeEntry(op, inputs, out, saved, kink): backward reads its fields "
                     "(op, inputs, out, saved) by name.")
    if [e.op for e in entries] == ["relu", "matmul"]:
        raise Failed(case, "the entries are in reverse order: relu first, matmul second",
                     "append at the end (entries.append): the tape must list the ops in the order "
                     "they ran, because backward walks reversed(tape.entries).")
    for e, (op, inputs, out, saved, kink) in zip(entries, calls):
        if e.op != op or e.out is not out or len(e.inputs) != len(inputs) \
                or any(a is not b for a, b in zip(e.inputs, inputs)):
            raise Failed(case, f"the {op} entry does not hold the op's name, its input tensors and its "
                         f"output tensor themselves",
                         "store the very tensors, not copies or their arrays: backward writes .grad into "
                         "them, and later ops read their values.")
        lost_saved = saved is not None and e.saved.get("mask") is not mask
        lost_kink = kink is not None and e.kink is not kink
        if lost_saved or lost_kink:
            raise Failed(case, f"the {op} entry lost what the op asked to save (saved or kink)",
                         "pass saved and kink on to TapeEntry: relu's VJP needs the mask it saved.")
    if not all(e.versions == tuple(t.version for t in e.inputs) for e in entries):
        raise Failed(case, "an entry's versions do not match its inputs",
                     "build the entry with TapeEntry(op, inputs, out, saved, kink); it notes the "
                     "inputs' versions itself.")


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
            (_mentions("NoneType"), "an entry whose output got no gradient (out.grad is None) does not "
             "lead to the loss: skip it with `continue` before calling its VJP."),
            (_mentions("already called on this tape"), "call start_backward(loss) once, at the top."),
        ])
        return loss, {name: None if t.grad is None else t.grad.copy() for name, t in tensors.items()}


def _backward_variant(kind):
    # Known ways to get the walk wrong, to recognise them in a reader's result.
    def walk(loss):
        tp = tape.start_backward(loss)
        if kind != "no seed":
            loss.grad = np.ones_like(loss.data)
        entries = tp.entries if kind == "forwards" else reversed(tp.entries)
        for entry in entries:
            dout = entry.out.grad
            if dout is None:
                continue
            for t, g in zip(entry.inputs, tape.apply_vjp(entry, dout)):
                if g is None or (not t.requires_grad and kind != "constants too"):
                    continue
                if t.grad is None or kind == "overwrite":
                    t.grad = g.copy()
                else:
                    t.grad += g
    return walk


BACKWARD_MISTAKES = [
    ("overwrite", "a tensor used twice gets only one of its two gradients: add the second into "
     ".grad (t.grad += g) instead of replacing the first (t.grad = g)."),
    ("forwards", "walk the tape backwards, `for entry in reversed(tape.entries)`: an entry's output "
     "gradient is complete only after every later entry that uses it has been visited."),
    ("no seed", "seed the walk: loss.grad = np.ones_like(loss.data) (dL/dL = 1) before the loop; "
     "otherwise no entry has a gradient to send on."),
    ("constants too", "skip inputs with requires_grad False (like the data X): nobody asked for "
     "their gradient."),
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


# ---- chapter 3: the VJP rules ----------------------------------------------------------

@dataclass
class VJPCase:
    """One call of an op: its inputs (arrays), which need a gradient, extra arguments, dout."""

    name: str
    arrays: list
    grad: list
    kwargs: dict = field(default_factory=dict)
    dout_scale: float = 1.0
    numeric: bool = True


def _vjp_cases(op, rng):
    r = rng.standard_normal

    def off_kink(shape):
        x = r(shape)
        return np.where(np.abs(x) < 1e-2, 0.5, x)

    if op == "matmul":
        return [VJPCase("batch 1", [r((1, 3)), r((3, 2))], [True, True]),
                VJPCase("width 1", [r((4, 1)), r((1, 3))], [True, True]),
                VJPCase("non-square", [r((4, 3)), r((3, 5))], [True, True]),
                VJPCase("square", [r((3, 3)), r((3, 3))], [True, True]),
                VJPCase("a without requires_grad (like the data X)", [r((4, 3)), r((3, 2))], [False, True])]
    if op == "add_bias":
        return [VJPCase("batch 1", [r((1, 4)), r((1, 4))], [True, True]),
                VJPCase("width 1", [r((5, 1)), r((1, 1))], [True, True]),
                VJPCase("batch 4", [r((4, 3)), r((1, 3))], [True, True])]
    if op == "relu":
        return [VJPCase("batch 1", [off_kink((1, 4))], [True]),
                VJPCase("width 1", [off_kink((6, 1))], [True]),
                VJPCase("random", [off_kink((5, 4))], [True]),
                VJPCase("inputs exactly 0", [np.array([[-1.0, 0.0, 2.0, 0.0], [0.0, 3.0, -0.5, 0.0]])],
                        [True], numeric=False)]
    if op == "tanh":
        return [VJPCase("batch 1", [r((1, 4))], [True]),
                VJPCase("width 1", [r((6, 1))], [True]),
                VJPCase("random", [2 * r((5, 4))], [True])]
    return [VJPCase("batch 1", [r((1, 3))], [True], {"y": np.array([2])}),
            VJPCase("width 1 (one class)", [r((3, 1))], [True], {"y": np.array([0, 0, 0])}),
            VJPCase("batch 4", [2 * r((4, 3))], [True], {"y": np.array([0, 2, 1, 2])}),
            VJPCase("batch 4, dout = 2.5 (the loss scaled downstream)", [r((4, 3))], [True],
                    {"y": np.array([1, 1, 0, 2])}, dout_scale=2.5)]


FORWARD = {"matmul": matmul, "add_bias": add_bias, "relu": relu, "tanh": tanh, "softmax_ce": softmax_ce}
INPUT_NAMES = {"matmul": ("a", "b"), "add_bias": ("a", "bias"), "relu": ("x",), "tanh": ("x",),
               "softmax_ce": ("z",)}


def _record_op(op, arrays, grad, kwargs):
    with Tape() as recorded:
        inputs = [Tensor(a, requires_grad=g, dtype=np.float64, name=n)
                  for a, g, n in zip(arrays, grad, INPUT_NAMES[op])]
        out = FORWARD[op](*inputs, **kwargs)
    return recorded.entries[-1], out


def _numeric_vjp(op, arrays, k, dout, kwargs, h=1e-6):
    """Central differences of ``sum(dout * op(arrays))`` with respect to ``arrays[k]``."""
    values = [np.array(a, dtype=np.float64) for a in arrays]

    def f():
        with no_grad():
            return float(np.sum(dout * FORWARD[op](*[Tensor(v, dtype=np.float64) for v in values],
                                                   **kwargs).data))

    grad = np.zeros_like(values[k])
    for idx in np.ndindex(*values[k].shape):
        saved = values[k][idx]
        values[k][idx] = saved + h
        plus = f()
        values[k][idx] = saved - h
        minus = f()
        values[k][idx] = saved
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def _vjp_mistakes(op, entry, dout):
    """``[(hint, k, wrong gradient for input k)]``: known mistakes, to recognise them."""
    ins = [t.data for t in entry.inputs]
    y = entry.out.data
    if op == "matmul":
        a, b = ins
        square = "with square matrices a missing .T still multiplies, so only the values give it away"
        return [
            (f"da = dout @ b.T: (B, M) @ (M, N) gives a's shape (B, N); {square}.", 0,
             dout @ b if dout.shape[1] == b.shape[0] else None),
            (f"db = a.T @ dout: (N, B) @ (B, M) gives b's shape (N, M); {square}.", 1,
             a @ dout if a.shape[1] == dout.shape[0] else None),
            ("your db is the transpose of the right one: db = a.T @ dout, not dout.T @ a.", 1, (a.T @ dout).T),
            ("your da is the transpose of the right one: da = dout @ b.T, not b @ dout.T.", 0, (dout @ b.T).T),
        ]
    if op == "add_bias":
        B = dout.shape[0]
        return [
            ("the bias was added to every row, so its gradient is the SUM of dout's rows, not their "
             "mean: dout.sum(axis=0, keepdims=True).", 1, dout.mean(axis=0, keepdims=True)),
            ("every row used the bias, so all rows' gradients add up: dout.sum(axis=0, "
             "keepdims=True), not just the first row.", 1, dout[:1]),
            ("da is dout unchanged (a copy of it): adding a bias does not change how the loss "
             "depends on a.", 0, dout / B),
        ]
    if op == "relu":
        x = ins[0]
        return [
            ("your dx is max(dout, 0): that applies relu to the gradient. The VJP masks dout by "
             "the sign of the INPUT: dout * entry.saved['mask'], the mask x > 0 the forward saved.",
             0, np.maximum(dout, 0)),
            ("at x == 0 exactly your dx passes dout through (x >= 0?); the library takes the slope "
             "at the kink as 0, as the C library does: use the saved mask, x > 0. It matters: XOR's "
             "input (0, 0) puts every hidden unit exactly at 0 at the start.", 0, dout * (x >= 0)),
            ("dx is the mask times dout, not the mask alone: dout * entry.saved['mask'].",
             0, (x > 0).astype(float)),
        ]
    if op == "tanh":
        x = ins[0]
        return [
            ("your dx uses 1 - x**2 with x the INPUT; the derivative is 1 - tanh(x)**2, that is "
             "1 - y**2 with y = entry.out.data, the OUTPUT.", 0, dout * (1 - x * x)),
            ("entry.out.data is already tanh(x): use 1 - y**2 with y = entry.out.data, not "
             "tanh of it again.", 0, dout * (1 - np.tanh(y) ** 2)),
            ("multiply the slope by dout, the gradient arriving from above: dout * (1 - y**2).",
             0, 1 - y * y),
        ]
    p, labels = entry.saved["probs"], entry.saved["labels"]
    onehot = np.eye(p.shape[1])[labels]
    B, scale = p.shape[0], dout[0, 0]
    return [
        ("the loss is a MEAN over the B rows, so each row's gradient is divided by B: "
         "dz = dout * (p - onehot(y)) / B.", 0, scale * (p - onehot)),
        ("multiply by dout[0, 0], the gradient arriving from above: it is 1 when the loss is the "
         "end of the graph, but not when something scales the loss.", 0, (p - onehot) / B),
        ("the sign is flipped: dz = dout * (p - onehot(y)) / B, probability minus target.",
         0, scale * (onehot - p) / B),
        ("subtract 1 at each row's label: dz = dout * (p - onehot(y)) / B; p alone is only half "
         "of it.", 0, scale * p / B),
    ]


def _check_vjp(op):
    def run(fn):
        rng = np.random.default_rng(sum(map(ord, op)))
        for c in _vjp_cases(op, rng):
            entry, out = _record_op(op, c.arrays, c.grad, c.kwargs)
            dout = c.dout_scale * np.ones((1, 1)) if op == "softmax_ce" else rng.standard_normal(out.shape)
            names = INPUT_NAMES[op]
            case = (f"{c.name}: " + _shapes(**{n: a for n, a in zip(names, c.arrays)}, dout=dout)
                    + (f", labels {c.kwargs['y'].tolist()}" if "y" in c.kwargs else ""))
            saved_before = {k: v.copy() for k, v in entry.saved.items() if isinstance(v, np.ndarray)}
            given = dout.copy()  # the reader's function may keep or change the one it is given
            grads = _call(fn, case, entry, given, raised=[
                (_mentions("mismatch in its core dimension"),
                 "NumPy could not multiply these shapes: a missing or misplaced transpose. "
                 "da = dout @ b.T is (B, M) @ (M, N); db = a.T @ dout is (N, B) @ (B, M)."),
                (_mentions("operands could not be broadcast"),
                 "two arrays of different shapes met in an elementwise operation; check each "
                 "array's shape against the docstring."),
                (_kind(KeyError), "entry.saved holds only what the forward saved: "
                 f"{sorted(entry.saved) or 'nothing'} for {op}.")])
            _check_structure(op, entry, grads, case)
            for k, (name, wanted) in enumerate(zip(names, c.grad)):
                g = grads[k]
                shape = entry.inputs[k].shape
                if g is None:
                    if wanted:
                        raise Failed(case, f"d{name} is None, but {name} requires a gradient",
                                     f"return an array of {name}'s shape {shape} for it.")
                    continue
                if np.shape(g) != shape:
                    raise Failed(case, f"d{name} has shape {np.shape(g)}; {name} has shape {shape}",
                                 _shape_hint(op, k, np.shape(g), shape, dout.shape))
                if np.shares_memory(g, given):
                    raise Failed(case, f"d{name} is dout itself (or a view of it)",
                                 "return a new array, here dout.copy(): backward keeps the first "
                                 "gradient a tensor receives and adds later ones into it in place "
                                 "(+=), which would silently change out.grad as well.")
                if not wanted:
                    continue
                expected = (_numeric_vjp(op, c.arrays, k, dout, c.kwargs) if c.numeric
                            else getattr(ops, f"{op}_vjp")(entry, dout)[k])
                if not _same(g, expected):
                    mistakes = [(h, w) for h, i, w in _vjp_mistakes(op, entry, dout) if i == k and h]
                    reference = "float64 central differences" if c.numeric else "the library"
                    raise Failed(case, _difference(f"d{name}", g, expected) + f" (expected: {reference})",
                                 _first_match(g, mistakes))
            for key, before in saved_before.items():
                if not np.array_equal(entry.saved[key], before):
                    raise Failed(case, f"entry.saved[{key!r}] was changed by your VJP",
                                 f"copy it before changing it (entry.saved[{key!r}].copy()): the tape's "
                                 "saved arrays must stay as the forward left them.")
        _check_used_twice(op, fn)
    return run


def _check_structure(op, entry, grads, case):
    n = len(entry.inputs)
    example = "(dx,)" if n == 1 else "(da, db)" if op == "matmul" else "(da, dbias)"
    if isinstance(grads, np.ndarray):
        raise Failed(case, f"it returned an array of shape {grads.shape}, not a tuple",
                     f"a VJP returns a tuple with one gradient per input, here {example}"
                     + (" (mind the comma: (dx,) is a tuple, (dx) is not)." if n == 1 else "."))
    if not isinstance(grads, (tuple, list)) or len(grads) != n:
        got = f"a {type(grads).__name__} of length {len(grads)}" if isinstance(grads, (tuple, list)) \
            else _short(grads)
        raise Failed(case, f"it returned {got}; {op} has {n} input{'s' if n > 1 else ''}",
                     f"return one gradient per input, in the order of the inputs: {example}.")


def _shape_hint(op, k, got, want, dout_shape):
    if op == "add_bias" and k == 1:
        if got == (want[1],):
            return "keep the row shape (1, M): dout.sum(axis=0, keepdims=True)."
        if got == (dout_shape[0], 1) and got != dout_shape:
            return "sum over the batch, axis=0 (down the rows), not axis=1."
        return ("the bias was added to every row, so its gradient is dout summed over the batch "
                f"(the rows): dout.sum(axis=0, keepdims=True), shape {want}.")
    if op == "matmul":
        rule = "da = dout @ b.T, shape (B, N)" if k == 0 else "db = a.T @ dout, shape (N, M)"
        return f"a gradient has its input's shape: {rule}. A transpose is missing or misplaced."
    return f"a gradient has the shape of its input, {want}."


def _check_used_twice(op, fn):
    rng = np.random.default_rng(1)
    x_value = rng.standard_normal((3, 3) if op == "matmul" else (1, 3))
    y = np.array([2, 0, 1]) if op == "matmul" else np.array([1])

    def loss_of(x):
        if op == "matmul":
            return softmax_ce(matmul(x, x), y)
        if op == "softmax_ce":
            W = Tensor(np.eye(3), dtype=np.float64)
            return softmax_ce(add_bias(matmul(x, W), x), y)
        return softmax_ce(add_bias(FORWARD[op](x) if op != "add_bias" else tanh(x), x), y)

    graph = {"matmul": "softmax_ce(matmul(x, x))", "softmax_ce": "softmax_ce(x @ I + x)",
             "add_bias": "softmax_ce(add_bias(tanh(x), x))"}.get(op, f"softmax_ce(add_bias({op}(x), x))")
    case = f"a tensor used twice, through backward: {graph}, x {x_value.shape}"
    rules = dict(VJP_RULES)
    VJP_RULES[op] = fn
    try:
        with Tape():
            x = Tensor(x_value, requires_grad=True, dtype=np.float64, name="x")
            _call(tape.backward.library, case, loss_of(x))
    finally:
        VJP_RULES.update(rules)

    def f():
        with no_grad():
            return loss_of(Tensor(x_value, dtype=np.float64)).item()

    expected = gradcheck.numeric_gradient.library(f, _Holder(x_value), 1e-6)
    if x.grad is None or not _same(x.grad, expected):
        raise Failed(case, _difference("x.grad", x.grad if x.grad is not None else np.zeros_like(expected),
                                       expected) + " (expected: float64 central differences)")


class _Holder:
    # The smallest thing numeric_gradient can perturb: an object with .data and .shape.
    def __init__(self, array):
        self.data = array
        self.shape = array.shape


# ---- chapter 4: numeric_gradient -------------------------------------------------------

def _check_numeric_gradient(fn):
    h = 1e-3
    for shape, seed in [((1, 1), 0), ((1, 4), 1), ((3, 2), 2)]:
        rng = np.random.default_rng(seed)
        p = Tensor(rng.uniform(-1.5, 1.5, shape), dtype=np.float64, name="p")
        w = rng.uniform(0.5, 2.0, shape)
        calls = []

        def f():
            calls.append(1)
            return float(np.sum(w * np.sin(p.data)) + 0.5 * np.sum(p.data) ** 2)

        exact = w * np.cos(p.data) + np.sum(p.data)
        before, array = p.data.copy(), p.data
        case = f"p {shape}, f() = sum(w * sin(p)) + (sum(p))**2 / 2, h = {h:g}"
        result = _call(fn, case, f, p, h)
        n_calls = len(calls)
        if not np.array_equal(p.data, before):
            raise Failed(case, "p.data is not what it was before the call",
                         "after the two evaluations put the entry back: p.data[idx] = saved.")
        if p.data is not array:
            raise Failed(case, "p.data is a new array after the call",
                         "change entries in place, p.data[idx] = ..., and f() sees the change.")
        result = np.asarray(result)
        if result.shape != shape:
            raise Failed(case, f"it returned {_short(result)}; p has shape {shape}",
                         "return one derivative per entry of p, in an array shaped like p.data.")
        if not _same(result, exact, 1e-5):
            size = int(np.prod(shape))
            mistakes = _numeric_mistakes(f, p, h, exact)
            hint = _first_match(result, mistakes)
            if hint is None and n_calls == size + 1:
                hint = ("f ran once per entry plus once more: that is a one-sided difference. "
                        "The central difference evaluates f at p + h AND at p - h for every entry.")
            raise Failed(case, _difference("the gradient", result, exact) + " (expected: the exact derivative)",
                         hint)


def _numeric_mistakes(f, p, h, exact):
    def diff(kind):
        out = np.zeros(p.shape)
        base = f()
        for idx in np.ndindex(*p.shape):
            saved = p.data[idx]
            p.data[idx] = saved + h
            plus = f()
            p.data[idx] = saved - h
            minus = f()
            p.data[idx] = saved
            out[idx] = {"forward": (plus - base) / h, "backward": (base - minus) / h,
                        "no 2": (plus - minus) / h, "2 * h": (plus - minus) / 2 * h}[kind]
        return out

    def all_at_once():
        saved = p.data.copy()
        p.data[...] = saved + h
        plus = f()
        p.data[...] = saved - h
        minus = f()
        p.data[...] = saved
        return np.full(p.shape, (plus - minus) / (2 * h))

    return [
        ("that is the one-sided difference (f(p + h) - f(p)) / h, whose error shrinks only like h; "
         "the central difference (f(p + h) - f(p - h)) / (2 h) cancels the h term.", diff("forward")),
        ("that is the one-sided difference (f(p) - f(p - h)) / h; use both sides: "
         "(f(p + h) - f(p - h)) / (2 h).", diff("backward")),
        ("the two points are 2 h apart, so divide by 2 * h: (plus - minus) / (2 * h).", diff("no 2")),
        ("(plus - minus) / 2 * h multiplies by h (Python reads it left to right); write "
         "(plus - minus) / (2 * h).", diff("2 * h")),
        ("move one entry at a time, p.data[idx], holding all the others fixed; moving every entry "
         "together measures the slope along the diagonal.", all_at_once()),
    ]


# ---- chapter 5: sgd_step, train_step ---------------------------------------------------

def _check_sgd_step(fn):
    rng = np.random.default_rng(0)
    params = [Tensor(rng.standard_normal(s), requires_grad=True, name=n)
              for n, s in [("W1", (2, 8)), ("b1", (1, 8)), ("W2", (8, 2)), ("b2", (1, 2))]]
    for p in params[:3]:
        p.grad = rng.standard_normal(p.shape).astype(np.float32)
    lr = 0.1
    before = [p.data.copy() for p in params]
    grads = [None if p.grad is None else p.grad.copy() for p in params]
    case = "sgd_step([W1, b1, W2, b2], lr=0.1), float32; b2.grad is None (b2 did not affect the loss)"
    _call(fn, case, params, lr, raised=[
        (_mentions("NoneType"), "a parameter whose grad is None did not affect the loss: skip it, "
         "`if p.grad is not None`.")])
    for p, old, g in zip(params, before, grads):
        if g is None:
            if not np.array_equal(p.data, old):
                raise Failed(case, "b2.data changed although b2.grad is None",
                             "leave parameters with no gradient as they are.")
            continue
        if p.grad is None or not np.array_equal(p.grad, g):
            raise Failed(case, f"{p.name}.grad changed",
                         "leave the gradients alone: zero_grad clears them before the next backward.")
        expected = old - lr * g
        if not _same(p.data, expected, 1e-6):
            mistakes = [("step downhill: p.data -= lr * p.grad, minus, not plus.", old + lr * g),
                        ("scale the step by the learning rate: p.data -= lr * p.grad.", old - g),
                        ("p.data -= lr * p.grad: the gradient times lr is the step.", old - lr)]
            raise Failed(case, _difference(f"{p.name}.data", p.data, expected), _first_match(p.data, mistakes))
        if p.data.dtype != old.dtype:
            raise Failed(case, f"{p.name}.data became {p.data.dtype}; it was {old.dtype}",
                         "update in place, p.data -= lr * p.grad, which keeps the dtype.")


def _check_train_step(fn):
    X = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]], name="X")
    y = np.array([0, 1, 1, 0])
    mine, ref = MLP(2, 8, 2, seed=3), MLP(2, 8, 2, seed=3)
    for step in range(1, 4):
        case = f"step {step} of three on XOR: MLP(2, 8, 2, seed=3), lr 0.5"
        with Tape():  # the steps' tape_reset() calls replace this tape, not the caller's
            result = _step(fn, case, mine, X, y)
            loss, logits = model.train_step.library(ref, X, y, 0.5)
        if not isinstance(result, tuple) or len(result) != 2:
            raise Failed(case, f"it returned {_short(result)}",
                         "return the loss and the logits, `return loss, logits`: train() records the "
                         "loss and counts correct answers from the logits.")
        your_loss, your_logits = result
        if not isinstance(your_loss, Tensor) or your_loss.shape != (1, 1) or not _same(your_loss.data, loss.data):
            raise Failed(case, f"the returned loss is {_short(your_loss)}"
                         + (f" = {your_loss.item():.6f}, expected {loss.item():.6f}"
                            if isinstance(your_loss, Tensor) and your_loss.shape == (1, 1) else ""),
                         "return softmax_ce(logits, y), computed before the update.")
        if not isinstance(your_logits, Tensor) or not _same(your_logits.data, logits.data):
            raise Failed(case, f"the returned logits are {_short(your_logits)}, not model(X) before the step",
                         "return the logits the forward pass computed: `return loss, logits`.")
        for p, q in zip(mine.params, ref.params):
            if not _same(p.data, q.data, 1e-5):
                moved = any(not np.array_equal(w.data, w0) for w, w0 in zip(mine.params, _start(3)))
                hint = None
                if step > 1 and _same(p.data, _without_zero_grad(step)[p.name], 1e-5):
                    hint = ("clear the old gradients first, zero_grad(model.params): backward adds "
                            "into .grad, so without it every step also repeats all earlier ones.")
                elif not moved:
                    hint = ("the weights did not move: run backward(loss) before sgd_step(model.params, "
                            "lr), since the step needs the gradients backward fills; zero_grad goes "
                            "before backward, not between backward and the step.")
                raise Failed(case, _difference(f"{p.name}.data after the step", p.data, q.data), hint)


def _step(fn, case, net, X, y):
    return _call(fn, case, net, X, y, 0.5, raised=[
        (_mentions("already walked"), "start each step with tape_reset(): a tape is walked once, "
         "and the next forward pass needs a new one."),
        (_mentions("changed in place"), "call backward before sgd_step: the step changes the "
         "weights in place, and backward needs the values the forward pass used."),
        (_mentions("already called on this tape"), "start each step with tape_reset(), then run "
         "the forward pass again.")])


def _start(seed):
    return [p.data.copy() for p in MLP(2, 8, 2, seed=seed).params]


def _without_zero_grad(steps):
    # The weights after `steps` steps that never clear the gradients.
    X = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([0, 1, 1, 0])
    net = MLP(2, 8, 2, seed=3)
    with Tape():
        for _ in range(steps):
            tape.tape_reset()
            tape.backward.library(softmax_ce(net(X), y))
            optim.sgd_step.library(net.params, 0.5)
    return {p.name: p.data for p in net.params}


# ---- the registry ----------------------------------------------------------------------

def _vjp_task(id, op, checked):
    return Task(id, f"{op}_vjp", "03_vjps", checked, _check_vjp(op), op)


_VJP_CASES = "against float64 central differences and the library, shapes of batch 1, width 1"

TASKS = {t.id: t for t in [
    Task("1.1", "zero_grad", "01_tensors", "tensors alone and in a list zeroed in place, a None "
         "gradient left None, the data untouched", _check_zero_grad),
    Task("1.2", "he_init", "01_tensors", "four tensors from (1, 1) to (8, 2): the same weights as "
         "the library's for the same seed, in place, float32 kept", _check_he_init),
    Task("2.1", "record", "02_tape", "two ops recorded in order, each entry holding the op's name, "
         "its input and output tensors themselves, and what it saved", _check_record),
    Task("2.2", "backward", "02_tape", "five graphs against the library's backward: the XOR "
         "network, a tensor used twice, a weight used twice with a constant input, an op that "
         "leads nowhere, a tensor shared by two ops", _check_backward),
    _vjp_task("3.1", "matmul", f"{_VJP_CASES}, non-square and square, an input without "
              "requires_grad, and x @ x through backward"),
    _vjp_task("3.2", "add_bias", f"{_VJP_CASES} and batch 4, a fresh array (never dout "
              "itself), and add_bias(tanh(x), x) through backward"),
    _vjp_task("3.3", "relu", f"{_VJP_CASES} and 5 x 4, inputs exactly at 0 (slope 0 there), and "
              "add_bias(relu(x), x) through backward"),
    _vjp_task("3.4", "tanh", f"{_VJP_CASES} and 5 x 4, and add_bias(tanh(x), x) through backward"),
    _vjp_task("3.5", "softmax_ce", f"{_VJP_CASES} (one class) and batch 4, an upstream "
              "gradient of 2.5, the saved probabilities left unchanged, and a graph through backward"),
    Task("4.1", "numeric_gradient", "04_gradient_check", "three shapes from (1, 1) to (3, 2) "
         "against the exact derivative of a smooth function, to 1e-5 with h = 1e-3, p restored",
         _check_numeric_gradient),
    Task("5.1", "sgd_step", "05_xor", "four parameters in float32, one without a gradient, "
         "updated in place; gradients left alone", _check_sgd_step),
    Task("5.2", "train_step", "05_xor", "three steps on XOR against the library's: the same loss, "
         "logits and weights after every step", _check_train_step),
]}
