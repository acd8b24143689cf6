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

Each task's function carries :func:`task` (``@task("3.3")``), so that the cell that defines it
runs on while it is unwritten or broken: its own lines get the library's result and say so, and
"Run All" goes on to the end of the chapter.

While a check runs, every other piece is the library's own, so that a mistake in one task is
never blamed on another.
"""

from __future__ import annotations

import copy
import functools
import linecache
import textwrap
import traceback
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import data, gradcheck, model, ops, optim, plugin, tape, tensor
from ..model import MLP
from ..ops import add_bias, matmul, softmax_ce, tanh
from ..tape import VJP_RULES, Tape, TapeEntry, no_grad
from ..tensor import Tensor
from .op_specs import SPECS, spec

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
        return next(getattr(m, self.name) for m in (tensor, tape, gradcheck, optim, model, data)
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
        named = f"Task {self.task.id} {self.task.name}" if self.task.id in TASKS else self.task.name
        head = f"{named}: {self.status}"
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
            out += _wrap(f"Likely mistake: {self.hint}")
        if self.task.id in TASKS:
            out += _wrap(f'More help, a step at a time: hint("{self.task.id}").')
        return out

    def __str__(self):
        return "\n".join(self.lines() + [f"  {n}" for n in self.notes])


def _wrap(text):
    return textwrap.wrap(text, WIDTH, initial_indent="  ", subsequent_indent="  ")


_CHECKED_CHAPTERS = set()
"""The chapters whose tasks have been checked in this kernel: :func:`whose_code` reports on them."""


def run_check(task_id, fn):
    """Check ``fn`` as task ``task_id`` and return the ``Verdict``; plugs nothing in."""
    task = TASKS[task_id]
    _CHECKED_CHAPTERS.add(task.chapter)
    return _verdict(task, fn, f"check({task_id!r}, {task.name})")


def check_rule(op, fn):
    """Check ``fn`` as the VJP rule of ``op`` and print the verdict; plugs nothing in.

    The cases, the known mistakes and the graph with a tensor used twice come from the op's
    spec (``autograd_lib/course/op_specs.py``), as for the VJP tasks: this is their check, for
    an op that has no task, like the sigmoid of chapter 3's last exercise. Returns the
    ``Verdict``.
    """
    s = spec(op)
    task = TASKS[s.task] if s.task else Task(
        f"{op}_vjp", f"{op}_vjp", "03_vjps", f"{_VJP_CASES} and 5 x 4, and {s.used_twice_text} through "
        "backward", _check_vjp(op), op)
    verdict = _verdict(task, fn, f"check_rule({op!r}, {task.name})")
    print(verdict)
    return verdict


def _verdict(task, fn, call):
    if not callable(fn):
        return Verdict(task, "failed", f"expected a function, got {type(fn).__name__}",
                       f"pass the function itself: {call}")
    fn = unwrapped(fn)
    with library_pieces():
        try:
            task.run(_isolated(fn, task.name))
        except NotWritten:
            return Verdict(task, "not written")
        except Failed as failure:
            return Verdict(task, "failed", failure.problem, failure.hint, failure.case)
        except Exception as error:  # noqa: BLE001 - the check met a result it could not read
            return Verdict(task, "failed", f"the check could not read what your {task.name} gave back "
                           f"({type(error).__name__}: {error})",
                           "it returned, or stored, something of another kind than the task says: "
                           "compare the types and shapes it gives with the docstring's.")
    return Verdict(task, "passed")


def check(task_id, fn):
    """Check the reader's ``fn`` for task ``task_id``, print the verdict, plug it in if it passed.

    Returns the piece the rest of the course now uses: ``fn`` if it passed, the library's
    own version otherwise.
    """
    fn = unwrapped(fn)
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


def task(task_id):
    """Decorator for the function of task ``task_id``: while it is not written, or raises, a call
    of it runs the library's piece instead and says so, so that the chapter goes on.

    The cell that defines a task's function also tries it. Unwritten (the workbook's stub raises
    ``NotImplementedError``) or broken, it would stop the chapter there, and "Run All" with it.
    Instead everything the call could have changed (its arguments' tensors, state dicts, random
    generators, models and optimisers, and the tape) is put back as it was, the library's piece
    runs from there, and one line (once per cell run) names the task and what happened; the
    check cell under it says what is wrong, with the reader's own lines. An exception the
    library's piece raises too (the task's own refusals of bad input) is raised as it is. The
    function itself is ``__wrapped__``: the check tests it, and a passing one is plugged in as it
    is, without this wrapper.
    """
    def decorate(fn):
        @functools.wraps(fn)
        def attempt(*args, **kwargs):
            before = _Snapshot(args, kwargs)
            try:
                return fn(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - reported, and the library's piece runs
                unwritten = isinstance(error, NotImplementedError) and _from_reader(error, fn)
                before.restore()
                try:
                    result = TASKS[task_id].library(*args, **kwargs)
                except Exception:  # noqa: BLE001 - the library refuses these arguments too
                    before.restore()
                    raise error from None
                _note_stand_in(task_id, None if unwritten else error)
                return result
        attempt.task_id = task_id
        return attempt
    return decorate


class _Snapshot:
    """What a task's function can change, as it was before the call, to put back if it raises.

    The tensors in the arguments (in lists, tuples, dicts, a model's or an optimiser's
    parameters) and on the current tape, with their data, gradient and version; the dicts (an
    optimiser's state); random generators; and the current tape itself, its entries and whether
    it was walked. Arrays are put back in place, so that every reference to them sees it.
    """

    def __init__(self, args, kwargs):
        self.tensors, self.dicts, self.rngs = {}, {}, {}
        self.tape = tape._state.tapes[-1]  # the tape object itself: tape_reset replaces it
        self.entries, self.walked = len(self.tape.entries), self.tape.walked
        for entry in self.tape.entries:
            for t in (*entry.inputs, entry.out):
                self._add(t)
        self._add(list(args) + list(kwargs.values()))

    def _add(self, value):
        if isinstance(value, Tensor):
            if id(value) not in self.tensors:
                self.tensors[id(value)] = (value, _kept(value.data), _kept(value.grad),
                                           value.version)
        elif isinstance(value, (list, tuple, set)):
            for item in value:
                self._add(item)
        elif isinstance(value, dict):
            if id(value) not in self.dicts:
                self.dicts[id(value)] = (value, {k: _kept(v) for k, v in value.items()})
                self._add(list(value.values()))
        elif isinstance(value, np.random.Generator):
            self.rngs[id(value)] = (value, copy.deepcopy(value.bit_generator.state))
        elif isinstance(value, (MLP, optim.Optimizer)):
            self._add(value.params)
            self._add(getattr(value, "state", []))

    def restore(self):
        tape._state.tapes[-1] = self.tape
        del self.tape.entries[self.entries:]
        self.tape.walked = self.walked
        for t, data, grad, version in self.tensors.values():
            t._data, t.grad = _put_back(data), _put_back(grad)
            t.version = version
        for d, items in self.dicts.values():
            d.clear()
            d.update({k: _put_back(v) for k, v in items.items()})
        for rng, state in self.rngs.values():
            rng.bit_generator.state = state


def _kept(value):
    """``(value, a copy of its numbers)`` for an array, ``(value, None)`` for anything else."""
    return value, (value.copy() if isinstance(value, np.ndarray) else None)


def _put_back(kept):
    value, numbers = kept
    if numbers is not None and value.flags.writeable:
        np.copyto(value, numbers)
    return value


_NOTED = set()


def _note_stand_in(task_id, error):
    """Say, once per cell run, that the library's piece stood in for the reader's."""
    try:
        from IPython import get_ipython
        run = getattr(get_ipython(), "execution_count", None)
    except ImportError:
        run = None
    if (task_id, run) in _NOTED:  # outside IPython, run is None: once in all
        return
    _NOTED.add((task_id, run))
    name = TASKS[task_id].name
    if error is None:
        print(f"(Task {task_id}: {name} is not written yet, so the library's {name} ran here.)")
    else:
        print(f"(Task {task_id}: your {name} raised {type(error).__name__}, so the library's "
              f"{name} ran here; the check below shows where.)")


def unwrapped(fn):
    """The reader's own function inside :func:`task`'s wrapper (or ``fn`` itself)."""
    return getattr(fn, "__wrapped__", fn)


def use(task_id, fn):
    """Plug ``fn`` in as task ``task_id``'s piece, unchecked."""
    fn = unwrapped(fn)
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
    """Which pieces are the reader's now and which the library's, as a few lines of text.

    It reports on the tasks of every chapter up to the last one with a task checked in this
    kernel (by :func:`check`, or by ``gather``), so that chapter 5 speaks of its own twelve
    pieces and not of later chapters'; on every task if none was checked.
    """
    used = pieces_in_use()
    last = max(_CHECKED_CHAPTERS, default=None)
    tasks = [t for t in TASKS.values() if last is None or t.chapter <= last]
    yours = [t.name for t in tasks if used[t.id]]
    library = [t.name for t in tasks if not used[t.id]]
    lines = [f"Yours ({len(yours)} of {len(tasks)}): " + (", ".join(yours) or "none yet."),
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
    return _error(yours, expected) <= tol


def _difference(label, yours, expected):
    """Where ``yours`` is furthest from ``expected``, as a sentence with both numbers, and the
    error the check measured, said to be absolute or relative and what it is relative to."""
    yours, expected = np.asarray(yours, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(yours)):
        idx = tuple(int(i) for i in np.unravel_index(np.argmin(np.isfinite(yours)), yours.shape))
        return f"{label} has a NaN or infinite entry at {list(idx)}: {yours[idx]}"
    gap = np.abs(yours - expected)
    idx = tuple(int(i) for i in np.unravel_index(np.argmax(gap), gap.shape))
    scale = max(1.0, float(np.max(np.abs(expected))))
    measured = (f"absolute error {gap[idx]:.3g}" if scale == 1.0 else
                f"relative error {gap[idx] / scale:.3g} (the difference, {gap[idx]:.3g}, over the "
                f"largest expected size, {scale:.3g})")
    return (f"{label} is wrong: furthest off at {list(idx)}, yours {yours[idx]:+.6g}, expected "
            f"{expected[idx]:+.6g}; {measured}")


def _first_match(yours, mistakes):
    """The hint of the first known mistake whose result ``yours`` equals, or None: equal to
    float32's round-off when ``yours`` is float32, to 1e-9 otherwise."""
    tol = 1e-6 if getattr(yours, "dtype", None) == np.float32 else 1e-9
    for hint, result in mistakes:
        try:
            if result is not None and _same(yours, result, tol):
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
                                "a number fan_in and a numpy.random.Generator rng, whose own "
                                "methods draw the numbers.")])
        expected = tensor.he_init.library(Tensor(np.zeros((rows, cols))), fan_in, np.random.default_rng(seed)).data
        if result is not t:
            raise Failed(case, f"it returned {_short(result)}, not the tensor t it was given",
                         "he_init returns the tensor it filled, so that a call can build and fill a "
                         "weight in one line.")
        if t.data.dtype != array.dtype:
            raise Failed(case, f"t.data became {t.data.dtype}; it was {array.dtype}",
                         "t.data was replaced by a new array of another dtype; writing into the "
                         "existing array keeps it.")
        if np.array_equal(t.data, np.zeros((rows, cols))):
            raise Failed(case, "t.data is still all zeros",
                         "the numbers were drawn but never written into t's own array (a new array "
                         "bound to a local name leaves t as it was).")
        if not np.array_equal(t.data, expected):
            std = np.sqrt(2.0 / fan_in)
            draws = expected / std
            mistakes = [
                ("the numbers were scaled by the variance, 2 / fan_in, instead of the standard "
                 "deviation, its square root.", draws * (2.0 / fan_in)),
                ("He's scale is sqrt(2 / fan_in); sqrt(1 / fan_in) is LeCun's, made for tanh-like "
                 "units, and leaves ReLU activations shrinking layer by layer.", draws * np.sqrt(1.0 / fan_in)),
                ("the scale came from the tensor's number of rows, not from the fan_in argument: the "
                 "caller knows how many inputs each unit adds up, the shape need not tell it.",
                 draws * np.sqrt(2.0 / rows)),
                ("the scale came from the number of columns (that would be fan_out), not from the "
                 "fan_in argument.", draws * np.sqrt(2.0 / cols)),
            ]
            hint = _first_match(t.data, mistakes) or _he_statistics_hint(fn)
            raise Failed(case, _difference("t.data", t.data, expected), hint)


def _he_statistics_hint(fn):
    t = Tensor(np.zeros((400, 300)))
    fn(t, 300, np.random.default_rng(5))
    again = Tensor(np.zeros((400, 300)))
    fn(again, 300, np.random.default_rng(5))
    if not np.array_equal(t.data, again.data):
        return ("the same seed gave different weights: the numbers came from somewhere other "
                "than rng, the Generator you were given (np.random's global state, say).")
    std, target = float(t.data.std()), np.sqrt(2 / 300)
    if abs(std / target - 1) < 0.05 and abs(float(t.data.mean())) < 0.01:
        return ("the distribution is right (std {:.4f}, target {:.4f}) but not the library's numbers: "
                "they were drawn another way than standard normals of t's shape, scaled, so the same "
                "seed gives other weights than the book's.".format(std, target))
    return (f"on a 400 x 300 tensor with fan_in = 300 your weights have mean {t.data.mean():.4f} and "
            f"std {std:.4f}; He wants mean 0 and std sqrt(2 / 300) = {target:.4f}.")


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
        (_mentions("list", "grad"), "zero_grad accepts tensors and lists of tensors, and the given loop "
         "already flattens them: your code treated a list as one tensor."),
        (_mentions("NoneType"), "a tensor whose grad is None has no buffer to zero, and your code "
         "tried to zero it anyway.")])
    for t in (W, b, c):
        if t.grad is None:
            raise Failed(case, f"{t.name}.grad became None",
                         "the buffer was thrown away (set to None) instead of zeroed in place: backward "
                         "would allocate a new one on every step.")
        if t.grad is not buffers[t.name]:
            raise Failed(case, f"{t.name}.grad is a new array, not the old buffer set to zero",
                         "a new zero array was bound to t.grad; the old buffer, which training reuses "
                         "every step, still holds its numbers.")
        if np.any(t.grad != 0):
            raise Failed(case, f"{t.name}.grad is not all zero: {_difference('it', t.grad, 0 * t.grad)}",
                         "the tensors inside the list were skipped." if t is not W else None)
    if X.grad is not None:
        raise Failed(case, f"X.grad became {_short(X.grad)}; it was None",
                     "a gradient that was never written must stay None: a zero buffer was made "
                     "where there was none.")
    for t in (W, b, c, X):
        if not np.array_equal(t.data, data[t.name]):
            raise Failed(case, f"{t.name}.data changed", "the numbers were zeroed, not the gradient.")


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


# ---- chapter 3: the VJP rules ----------------------------------------------------------

def _record_op(op, arrays, grad, kwargs):
    with Tape() as recorded:
        inputs = [Tensor(a, requires_grad=g, dtype=np.float64, name=n)
                  for a, g, n in zip(arrays, grad, spec(op).inputs)]
        out = spec(op).forward(*inputs, **kwargs)
    return recorded.entries[-1], out


def _numeric_vjp(op, arrays, k, dout, kwargs, h=1e-6):
    """Central differences of ``sum(dout * op(arrays))`` with respect to ``arrays[k]``."""
    values = [np.array(a, dtype=np.float64) for a in arrays]

    def f():
        with no_grad():
            return float(np.sum(dout * spec(op).forward(
                *[Tensor(v, dtype=np.float64) for v in values], **kwargs).data))

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


def _check_vjp(op):
    def run(fn):
        rng = np.random.default_rng(sum(map(ord, op)))
        for c in spec(op).cases(rng):
            entry, out = _record_op(op, c.arrays, c.grad, c.kwargs)
            dout = c.dout_scale * np.ones((1, 1)) if op == "softmax_ce" else rng.standard_normal(out.shape)
            names = spec(op).inputs
            case = (f"{c.name}: " + _shapes(**{n: a for n, a in zip(names, c.arrays)}, dout=dout)
                    + (f", labels {c.kwargs['y'].tolist()}" if "y" in c.kwargs else ""))
            saved_before = {k: v.copy() for k, v in entry.saved.items() if isinstance(v, np.ndarray)}
            given = dout.copy()  # the reader's function may keep the one it is given, or change it
            grads = _call(fn, case, entry, given, raised=[
                (_mentions("mismatch in its core dimension"),
                 "NumPy could not multiply these shapes: a transpose is missing or misplaced. "
                 "Write each factor's shape under it; the result must have the input's shape."),
                (_mentions("'Tensor' object has no attribute"),
                 "an input is a Tensor, not an array: it has no .T or NumPy methods of its own, and "
                 "its numbers are in its data."),
                (_mentions("unsupported operand type", "Tensor"),
                 "a Tensor met an array in arithmetic: a Tensor's numbers are in its data."),
                (_mentions("operands could not be broadcast"),
                 "two arrays of different shapes met in an elementwise operation; check each "
                 "array's shape against the docstring."),
                (_kind(KeyError), "entry.saved holds only what the forward saved: "
                 f"{sorted(entry.saved) or 'nothing'} for {op}, and your code asked for another key.")])
            _check_structure(op, entry, grads, case)
            for k, (name, wanted) in enumerate(zip(names, c.grad)):
                g = grads[k]
                shape = entry.inputs[k].shape
                if g is None:
                    if wanted:
                        raise Failed(case, f"d{name} is None, but {name} requires a gradient",
                                     f"None is only for an input that needs no gradient.")
                    continue
                if np.shape(g) != shape:
                    raise Failed(case, f"d{name} has shape {np.shape(g)}; {name} has shape {shape}",
                                 _shape_hint(op, k, np.shape(g), shape, dout.shape))
                if not np.array_equal(given, dout):
                    raise Failed(case, "your function changed dout in place",
                                 "dout belongs to backward: it is the output's adjoint, and it may "
                                 "be another tensor's too. A rule computes new arrays from it (or "
                                 "returns it as it is), and leaves its numbers alone.")
                if not wanted:
                    continue
                expected = (_numeric_vjp(op, c.arrays, k, dout, c.kwargs) if c.numeric
                            else spec(op).vjp(entry, dout)[k])
                if not _same(g, expected):
                    mistakes = [(h, w) for h, i, w in spec(op).mistakes(entry, dout) if i == k and h]
                    reference = "float64 central differences" if c.numeric else "the library"
                    raise Failed(case, _difference(f"d{name}", g, expected) + f" (expected: {reference})",
                                 _first_match(g, mistakes))
            for key, before in saved_before.items():
                if not np.array_equal(entry.saved[key], before):
                    raise Failed(case, f"entry.saved[{key!r}] was changed by your VJP",
                                 "it was changed in place: the tape's saved arrays must stay as the "
                                 "forward left them.")
        _check_used_twice(op, fn)
    return run


def _check_structure(op, entry, grads, case):
    n = len(entry.inputs)
    example = "(dx,)" if n == 1 else "(da, db)" if op == "matmul" else "(da, dbias)"
    if isinstance(grads, np.ndarray):
        raise Failed(case, f"it returned an array of shape {grads.shape}, not a tuple",
                     f"a VJP returns a tuple with one gradient per input, here {example}"
                     + (" (mind the comma: (dx) is just dx)." if n == 1 else "."))
    if isinstance(grads, (tuple, list)) and any(isinstance(g, Tensor) for g in grads):
        raise Failed(case, "a gradient it returned is a Tensor, not a NumPy array",
                     "VJPs work on numbers: an input's numbers are in its data, and a gradient is a "
                     "plain array.")
    if not isinstance(grads, (tuple, list)) or len(grads) != n:
        got = f"a {type(grads).__name__} of length {len(grads)}" if isinstance(grads, (tuple, list)) \
            else _short(grads)
        raise Failed(case, f"it returned {got}; {op} has {n} input{'s' if n > 1 else ''}",
                     f"a VJP returns one gradient per input, in the order of the inputs: {example}.")


def _shape_hint(op, k, got, want, dout_shape):
    if op == "add_bias" and k == 1:
        if got == (want[1],):
            return "the sum lost its row dimension: the bias is a row, (1, M), and so is its gradient."
        if got == (dout_shape[0], 1) and got != dout_shape:
            return "the sum ran along each row (across the M units), not down the batch."
        return ("the bias was added to every row, so its gradient gathers dout over the batch "
                f"(the rows), shape {want}.")
    if op == "matmul":
        rule = "a's shape (B, N)" if k == 0 else "b's shape (N, M)"
        return f"a gradient has its input's shape, here {rule}: a transpose is missing or misplaced."
    return f"a gradient has the shape of its input, {want}."


def _check_used_twice(op, fn):
    rng = np.random.default_rng(1)
    x_value = rng.standard_normal(spec(op).x_shape)
    loss_of, graph = spec(op).used_twice, spec(op).used_twice_text
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
                         "an entry was moved and never put back, or put back to another value "
                         "than it had.")
        if p.data is not array:
            raise Failed(case, "p.data is a new array after the call",
                         "p.data was replaced by a new array: f() reads p's own array, so entries "
                         "must change in it, in place.")
        if result is None:
            raise Failed(case, "it returned None", "numeric_gradient returns the array of slopes it "
                         "filled.")
        result = np.asarray(result)
        if result.shape != shape:
            raise Failed(case, f"it returned {_short(result)}; p has shape {shape}",
                         "the result must hold one derivative per entry of p, shaped like p.")
        if not _same(result, exact, 1e-5):
            size = int(np.prod(shape))
            mistakes = _numeric_mistakes(f, p, h, exact)
            hint = _first_match(result, mistakes)
            if hint is None and n_calls == size + 1 and size > 1:
                hint = ("f ran once per entry plus once more: that is a one-sided difference, "
                        "while the central one evaluates f on both sides of every entry.")
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
        ("that is the one-sided difference from p up to p + h, whose error shrinks only like h; "
         "the central difference, from p - h to p + h, cancels the h term.", diff("forward")),
        ("that is the one-sided difference from p - h up to p; the central difference uses both "
         "sides.", diff("backward")),
        ("your result is twice too large: the two points are 2 h apart, not h.", diff("no 2")),
        ("your result is off by a factor of about 4 h^2: in Python, a / 2 * h divides by 2 and then "
         "MULTIPLIES by h, reading left to right.", diff("2 * h")),
        ("every entry was moved at once: that measures the slope along the diagonal, not one "
         "entry's while the others stay fixed.", all_at_once()),
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
    versions = {p.name: p.version for p in params}
    grads = [None if p.grad is None else p.grad.copy() for p in params]
    case = "sgd_step([W1, b1, W2, b2], lr=0.1), float32; b2.grad is None (b2 did not affect the loss)"
    _call(fn, case, params, lr, raised=[
        (_mentions("NoneType"), "a parameter whose grad is None did not affect the loss, and your "
         "code stepped it anyway.")])
    for p, old, g in zip(params, before, grads):
        if g is None:
            if not np.array_equal(p.data, old):
                raise Failed(case, "b2.data changed although b2.grad is None",
                             "a parameter with no gradient must stay as it is.")
            continue
        if p.grad is None or not np.array_equal(p.grad, g):
            raise Failed(case, f"{p.name}.grad changed",
                         "the step changed a gradient: zero_grad clears them before the next backward, "
                         "and the step must leave them alone.")
        expected = old - lr * g
        if not _same(p.data, expected, 1e-6):
            mistakes = [("the step went uphill: along the gradient instead of against it.", old + lr * g),
                        ("the step is the whole gradient: the learning rate never scaled it.", old - g),
                        ("the step is lr alone: the gradient never came into it.", old - lr)]
            raise Failed(case, _difference(f"{p.name}.data", p.data, expected), _first_match(p.data, mistakes))
        if p.data.dtype != old.dtype:
            raise Failed(case, f"{p.name}.data became {p.data.dtype}; it was {old.dtype}",
                         "the update made a new array of another dtype; an in-place update keeps it.")
        if p.version != versions[p.name] + 1:
            raise Failed(case, f"{p.name}'s numbers changed but its version did not count it "
                         f"(version {versions[p.name]} before the step, {p.version} after)",
                         "the step wrote into the array behind the tensor's back (through p.data[...]): "
                         "chapter 2's version counter, which lets backward refuse a tensor changed "
                         "after the forward pass, never saw it. An update of the attribute itself "
                         "counts.")


def _check_train_step(fn):
    X = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]], name="X")
    y = np.array([0, 1, 1, 0])
    mine, ref = MLP(2, 8, 2, seed=3), MLP(2, 8, 2, seed=3)
    # The reader's three steps share one tape, as a training loop's do (their tape_reset() calls
    # replace it, not the caller's): a step that starts no fresh tape finds the last one, walked.
    with Tape():
        for step in range(1, 4):
            case = f"step {step} of three on XOR: MLP(2, 8, 2, seed=3), lr 0.5"
            result = _step(fn, case, mine, X, y)
            with Tape():
                loss, logits = model.train_step.library(ref, X, y, 0.5)
            if not isinstance(result, tuple) or len(result) != 2:
                raise Failed(case, f"it returned {_short(result)}",
                             "train_step returns a pair, the loss and the logits: train() records the "
                             "loss and counts correct answers from the logits.")
            your_loss, your_logits = result
            if not isinstance(your_loss, Tensor) or your_loss.shape != (1, 1) or not _same(your_loss.data, loss.data):
                raise Failed(case, f"the returned loss is {_short(your_loss)}"
                             + (f" = {your_loss.item():.6f}, expected {loss.item():.6f}"
                                if isinstance(your_loss, Tensor) and your_loss.shape == (1, 1) else ""),
                             "the loss returned must be the (1, 1) tensor softmax_ce gave, computed "
                             "before the update.")
            if not isinstance(your_logits, Tensor) or not _same(your_logits.data, logits.data):
                raise Failed(case, f"the returned logits are {_short(your_logits)}, not model(X) before the step",
                             "the logits returned must be the forward pass's own, from before the update.")
            for p, q in zip(mine.params, ref.params):
                if not _same(p.data, q.data, 1e-5):
                    moved = any(not np.array_equal(w.data, w0) for w, w0 in zip(mine.params, _start(3)))
                    hint = None
                    if step > 1 and _same(p.data, _without_zero_grad(step)[p.name], 1e-5):
                        hint = ("the old gradients were never cleared: backward adds into .grad, so "
                                "every step also repeated all earlier ones.")
                    elif not moved:
                        hint = ("the weights did not move: the step ran without the gradients backward "
                                "fills (backward after the step, or zero_grad between backward and the "
                                "step, say).")
                    raise Failed(case, _difference(f"{p.name}.data after the step", p.data, q.data), hint)


def _step(fn, case, net, X, y):
    return _call(fn, case, net, X, y, 0.5, raised=[
        (_mentions("already walked"), "the step did not start a fresh tape: the last step's "
         "backward walked it, and a tape is walked once."),
        (_mentions("changed in place"), "the weights were updated before backward ran: the step "
         "changes them in place, and backward needs the values the forward pass used."),
        (_mentions("already called on this tape"), "the step did not start a fresh tape, so its "
         "backward met the last step's walked one.")])


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


# ---- chapter 6: momentum_update, adam_update, adamw_update -----------------------------

def _gradients(shape, steps, seed, scales=None):
    """``steps`` seeded gradients of ``shape``, float64; column j scaled by ``scales[j]``."""
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(shape) for _ in range(steps)]
    return [g * np.asarray(scales) for g in grads] if scales is not None else grads


def _run_optimizer_steps(fn, case, p, grads, state, args, per_step):
    """Call ``fn(p, g, state, *args)`` once per gradient, as an optimiser's step does.

    ``g`` lives in one buffer, like ``p.grad``, zeroed in place after each step as
    ``zero_grad`` zeroes it. ``per_step(t, array)`` checks the result of step ``t``.
    """
    grad = np.zeros(p.shape, dtype=p.dtype)
    for t, g in enumerate(grads, start=1):
        grad[...] = g
        array = p.data
        _call(fn, f"{case}, step {t}", p, grad, state, *args, raised=[
            (_kind(KeyError), "the state dict is empty at the first step, and your code read an "
             "entry before making it.")])
        if p.data is not array:
            raise Failed(f"{case}, step {t}", "p.data is a new array after the step",
                         "the step replaced the parameter's array instead of changing it in place: the "
                         "parameter must keep its buffer, its dtype and its place in the model.")
        per_step(t, grad)
        grad.fill(0)


def _momentum_by_hand(grads, lr, momentum, nesterov, p0, variant="right"):
    """``[(p, buf)]`` after each step, in float64, by the equations or by a known mistake."""
    p, buf, first, out = p0.copy(), None, None, []
    for g in grads:
        if variant == "not stored":  # the first buffer stored, every later one only in a local
            first = g.copy() if first is None else first
            buf = first if buf is None else momentum * first + g
        elif variant == "dampened":
            buf = (1 - momentum) * g if buf is None else momentum * buf + (1 - momentum) * g
        elif variant == "forgets":
            buf = g.copy()
        elif variant == "lr inside":
            buf = lr * g if buf is None else momentum * buf + lr * g
        else:
            buf = g.copy() if buf is None else momentum * buf + g
        use_nesterov = {"nesterov ignored": False, "nesterov always": True}.get(variant, nesterov)
        step = g + momentum * buf if use_nesterov else buf
        if variant == "lr inside":
            p = p - (lr * g + momentum * buf if use_nesterov else buf)
        elif variant == "uphill":
            p = p + lr * step
        else:
            p = p - lr * step
        out.append((p, buf))
    return out


_MOMENTUM_HINTS = {
    "dampened": "your buffer is a running average, with the gradient damped by 1 - momentum; "
                "PyTorch's SGD adds the gradient undamped, a running sum that grows to "
                "g / (1 - momentum) on a steady slope.",
    "forgets": "the buffer starts again from g at every step: the velocity of the earlier steps "
               "is never read back from state.",
    "not stored": "the new velocity was computed into a local name and never stored: state still "
                  "holds the first step's buffer, so each step forgets all but the first gradient.",
    "nesterov ignored": "with nesterov=True the step must look ahead, along the gradient plus "
                        "momentum times the buffer; yours stepped along the buffer alone.",
    "nesterov always": "with nesterov=False the step is along the buffer itself; yours took "
                       "Nesterov's look-ahead step.",
    "uphill": "the step went uphill: along the velocity instead of against it.",
}


def _check_momentum_update(fn):
    for shape, momentum, nesterov, dtype, seed in [((2, 3), 0.9, False, np.float64, 0),
                                                   ((2, 3), 0.9, True, np.float64, 1),
                                                   ((1, 4), 0.5, False, np.float32, 2)]:
        lr = 0.1
        kind = "Nesterov momentum" if nesterov else "momentum"
        case = f"{kind} {momentum}, lr {lr}, p {shape} {np.dtype(dtype).name}"
        grads = _gradients(shape, 4, seed)
        p0 = np.random.default_rng(seed + 10).standard_normal(shape)
        p = Tensor(p0, requires_grad=True, dtype=dtype, name="p")
        state = {}
        right = _momentum_by_hand(grads, lr, momentum, nesterov, p0)
        tol = 1e-12 if dtype == np.float64 else 1e-5

        def per_step(t, grad):
            here = f"{case}, step {t}"
            buf = state.get("momentum_buffer")
            if not isinstance(buf, np.ndarray):
                raise Failed(here, f"state['momentum_buffer'] is {_short(buf)} after the step",
                             "the velocity must live in state['momentum_buffer'] (PyTorch's name, the "
                             "one SGD.state shows), where the next step finds it.")
            if np.shares_memory(buf, grad):
                raise Failed(here, "state['momentum_buffer'] is the gradient array g itself",
                             "the buffer shares g's memory: g is p.grad, which zero_grad zeroes in "
                             "place, and the velocity would vanish with it.")
            p_right, buf_right = right[t - 1]
            if not _same(p.data, p_right, tol):
                variants = [v for v in _MOMENTUM_HINTS if not (v == "nesterov ignored" and not nesterov)
                            and not (v == "nesterov always" and nesterov)]
                mistakes = [(_MOMENTUM_HINTS[v], _momentum_by_hand(grads, lr, momentum, nesterov, p0, v)[t - 1][0])
                            for v in variants]
                hint = _first_match(p.data, mistakes) if dtype == np.float64 else None
                raise Failed(here, _difference("p.data", p.data, p_right)
                             + " (expected: the equations, in float64)", hint)
            if not _same(buf, buf_right, tol):
                lr_inside = _momentum_by_hand(grads, lr, momentum, nesterov, p0, "lr inside")[t - 1][1]
                hint = _first_match(buf, [(
                    "your buffer holds lr times the gradients: PyTorch keeps lr out of the buffer "
                    "and applies it in the step. The two agree while lr stays fixed, but not once a "
                    "schedule changes it.", lr_inside)])
                if hint is None and t > 1 and _same(buf, right[0][1], tol):
                    hint = _MOMENTUM_HINTS["not stored"]
                raise Failed(here, _difference("state['momentum_buffer']", buf, buf_right), hint)
            for label, array in (("p.data", p.data), ("state['momentum_buffer']", buf)):
                if array.dtype != np.dtype(dtype):
                    raise Failed(here, f"{label} is {array.dtype}; the parameter is {np.dtype(dtype).name}",
                                 "the buffer or the update is not in the parameter's dtype: a float32 "
                                 "model must stay float32.")

        _run_optimizer_steps(fn, case, p, grads, state, (lr, momentum, nesterov), per_step)


def _adam_by_hand(grads, lr, betas, eps, p0, variant="right"):
    """``[(p, m, v)]`` after each step, in float64, by the equations or by a known mistake."""
    b1, b2 = betas
    p, m, v, out = p0.copy(), np.zeros_like(p0), np.zeros_like(p0), []
    with np.errstate(divide="ignore", invalid="ignore"):
        for t, g in enumerate(grads, start=1):
            if variant == "forgets":
                m, v, t = np.zeros_like(p0), np.zeros_like(p0), 1
            if variant == "betas swapped":
                m, v = (1 - b1) * m + b1 * g, (1 - b2) * v + b2 * g * g
            else:
                m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            c1 = 1 if variant in ("no correction", "only v corrected") else 1 - b1**t
            c2 = 1 if variant in ("no correction", "only m corrected") else 1 - b2**t
            if variant == "t from 0":
                c1, c2 = 1 - b1**(t - 1), 1 - b2**(t - 1)
            denominator = np.sqrt(v / c2 + eps) if variant == "eps inside" else np.sqrt(v / c2) + eps
            p = p - lr * (m / c1) / denominator
            out.append((p, m, v))
    return out


_ADAM_HINTS = {
    "no correction": "no bias correction: m and v start at zero, so early on they are too small, v "
                     "much more than m.",
    "only m corrected": "v is not bias-corrected, only m.",
    "only v corrected": "m is not bias-corrected, only v: the first steps are about ten times too small.",
    "eps inside": "eps went inside the square root; it belongs outside, added to the root.",
    "betas swapped": "the running averages weigh the old value and the new one the wrong way round: "
                     "b1 is the weight of the OLD m.",
    "forgets": "the averages start again at every step: what a step computes is never kept in state "
               "for the next one.",
    "t from 0": "the step count is 0 at the first step; t is 1 there (at t = 0 the correction "
                "divides by zero).",
}


def _check_adam_update(fn):
    for shape, scales, lr, betas, eps, dtype in [
            ((1, 4), [1e-3, 1.0, 1e3, -5.0], 0.01, (0.9, 0.999), 1e-8, np.float64),
            ((2, 2), None, 0.1, (0.5, 0.9), 1e-3, np.float64),
            ((3, 1), None, 0.01, (0.9, 0.999), 1e-8, np.float32)]:
        case = f"p {shape} {np.dtype(dtype).name}, lr {lr}, betas {betas}, eps {eps:g}"
        if scales is not None:
            case += ", gradients of scales 1e-3 to 1e3"
        grads = _gradients(shape, 5, len(case), scales)
        p0 = np.random.default_rng(7).standard_normal(shape)
        p = Tensor(p0, requires_grad=True, dtype=dtype, name="p")
        state = {}
        right = _adam_by_hand(grads, lr, betas, eps, p0)
        tol = 1e-10 if dtype == np.float64 else 1e-5

        def per_step(t, grad):
            here = f"{case}, step {t}"
            missing = [k for k in ("step", "exp_avg", "exp_avg_sq") if k not in state]
            if missing:
                raise Failed(here, f"state has no {', '.join(repr(k) for k in missing)} after the step",
                             "t, m and v must live in state under PyTorch's names, 'step', 'exp_avg' and "
                             "'exp_avg_sq' (Adam.state shows them), where the next step finds them.")
            p_right, m_right, v_right = right[t - 1]
            if state["step"] != t:
                raise Failed(here, f"state['step'] is {state['step']!r} after step {t}",
                             "the step count is off: t is 1 at the first step, and counts every step "
                             "before the bias correction uses it.")
            for k, mine, expected in (("exp_avg", state["exp_avg"], m_right),
                                      ("exp_avg_sq", state["exp_avg_sq"], v_right)):
                if not isinstance(mine, np.ndarray) or np.shares_memory(mine, grad):
                    raise Failed(here, f"state[{k!r}] is {_short(mine)}"
                                 + (", the gradient array itself" if isinstance(mine, np.ndarray) else ""),
                                 f"state[{k!r}] must be an array of its own, zeros like p.data at the "
                                 "first step, changed in place after that.")
                if not _same(mine, expected, tol):
                    b1, b2 = betas
                    hat = expected / (1 - (b1 if k == "exp_avg" else b2) ** t)
                    hint = _first_match(mine, [
                        ("state holds the bias-corrected average instead of the running average "
                         "itself: the correction is new every step and must not be kept.", hat)]) \
                        or _first_match(p.data, [(_ADAM_HINTS[v], _adam_by_hand(grads, lr, betas, eps, p0, v)
                                                  [t - 1][0]) for v in ("betas swapped", "forgets")])
                    raise Failed(here, _difference(f"state[{k!r}]", mine, expected), hint)
            if not _same(p.data, p_right, tol):
                mistakes = [(hint, _adam_by_hand(grads, lr, betas, eps, p0, v)[t - 1][0])
                            for v, hint in _ADAM_HINTS.items()]
                hint = _first_match(p.data, mistakes) if dtype == np.float64 else None
                if not np.all(np.isfinite(p.data)):
                    hint = ("a NaN or an infinity from finite gradients is a division by zero or the "
                            "root of a negative number: a bias correction of 0 or less (a step count of "
                            "0 at the first step, or b times t where the correction raises b to the "
                            "power t), or eps inside the square root, where it cannot keep the divisor "
                            "from 0.")
                raise Failed(here, _difference("p.data", p.data, p_right)
                             + " (expected: the equations, in float64)", hint)
            if p.data.dtype != np.dtype(dtype) or state["exp_avg"].dtype != np.dtype(dtype):
                raise Failed(here, f"p.data is {p.data.dtype} and exp_avg {state['exp_avg'].dtype}; "
                             f"the parameter was {np.dtype(dtype).name}",
                             "m, v or the update are not in the parameter's dtype: a float32 model must "
                             "stay float32.")

        with np.errstate(divide="ignore", invalid="ignore"):  # the verdict says what went wrong
            _run_optimizer_steps(fn, case, p, grads, state, (lr, betas, eps), per_step)


def _adamw_by_hand(grads, lr, betas, eps, weight_decay, p0, variant="right"):
    """``p`` after each AdamW step in float64, by the equations or by a known mistake."""
    b1, b2 = betas
    p, m, v, out = p0.copy(), np.zeros_like(p0), np.zeros_like(p0), []
    for t, g in enumerate(grads, start=1):
        if variant in ("right", "twice"):
            p = p * (1 - lr * weight_decay)
        if variant == "no lr":
            p = p * (1 - weight_decay)
        if variant in ("l2", "twice"):
            g = g + weight_decay * p
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        if variant == "after":
            p = p * (1 - lr * weight_decay)
        out.append(p)
    return out


_ADAMW_HINTS = {
    "l2": "that is Adam with L2: the decay went into the gradient, so Adam's division by sqrt(v_hat) "
          "rescales it. AdamW decays the parameter itself and gives Adam the plain gradient.",
    "twice": "the decay is applied twice, to the parameter and again through the gradient.",
    "after": "the decay came after the Adam step; it comes first, from the parameter before the "
             "step (as PyTorch does): decaying after the step also shrinks the step itself.",
    "no lr": "the decay was not scaled by the learning rate: the parameter shrinks by lr times "
             "weight_decay of itself per step.",
    "adam": "there is no decay: that is a plain Adam step.",
}


def _check_adamw_update(fn):
    lr, betas, eps, weight_decay = 0.05, (0.9, 0.999), 1e-8, 0.5
    # The zero gradient first: there only the decay moves p, so a decay that is missing, or that
    # went into the gradient (where Adam's normalisation rescales it), shows at once.
    for shape, label, scale in [((1, 3), ", a zero gradient: only the decay moves p", 0.0), ((2, 3), "", 1.0)]:
        case = f"p {shape} float64, lr {lr}, weight_decay {weight_decay}{label}"
        grads = [scale * g for g in _gradients(shape, 4, 3)]
        p0 = np.random.default_rng(4).standard_normal(shape)
        p = Tensor(p0, requires_grad=True, dtype=np.float64, name="p")
        state = {}
        right = _adamw_by_hand(grads, lr, betas, eps, weight_decay, p0)

        def per_step(t, grad):
            if not _same(p.data, right[t - 1], 1e-10):
                mistakes = [(hint, _adamw_by_hand(grads, lr, betas, eps, weight_decay, p0, v)[t - 1])
                            for v, hint in _ADAMW_HINTS.items()]
                raise Failed(f"{case}, step {t}", _difference("p.data", p.data, right[t - 1])
                             + " (expected: the equations, in float64)", _first_match(p.data, mistakes))

        _run_optimizer_steps(fn, case, p, grads, state, (lr, betas, eps, weight_decay), per_step)


# ---- chapter 7: batches, train_epoch ---------------------------------------------------

def _numbered(n, n_classes=3):
    # Row i is (i, 100 + i, -i) and its label i % n_classes: a batch shows where each row came from.
    X = Tensor(np.column_stack([np.arange(n), 100 + np.arange(n), -np.arange(n)]), name="X")
    return X, np.arange(n) % n_classes


def _check_batches(fn):
    for n, batch_size, seed in [(10, 4, 5), (3, 1, 6), (5, 64, 7)]:
        case = f"X ({n}, 3) float32 with y, batch_size {batch_size}, default_rng({seed})"
        X, y = _numbered(n)
        rng, twin = np.random.default_rng(seed), np.random.default_rng(seed)
        result = _call(fn, case, X, y, batch_size, rng, raised=[
            (_mentions("slice indices must be integers"), "a slice bound is not an int: batch_size "
             "is one, and so are the positions made from it by + and *, but not those made by /.")])
        expected = data.batches.library(X, y, batch_size, twin)
        try:
            pairs = list(result)
        except TypeError:
            raise Failed(case, f"it returned {_short(result)}",
                         "batches returns a list of pairs (X_batch, y_batch), one per batch.") from None
        if not all(isinstance(pair, tuple) and len(pair) == 2 for pair in pairs):
            raise Failed(case, "an item of the result is not a pair (X_batch, y_batch)",
                         "each batch must go into the list as one pair, not as two items.")
        for X_batch, y_batch in pairs:
            if not isinstance(X_batch, Tensor):
                raise Failed(case, f"an X_batch is {_short(X_batch)}",
                             "each X_batch must be a new Tensor of the chosen rows, for the model to "
                             "take.")
            if X_batch.dtype != X.dtype:
                raise Failed(case, f"an X_batch is {X_batch.dtype}; X is {X.dtype}",
                             "the Tensor made for the batch did not keep X's dtype (a new Tensor is "
                             "float32 unless told otherwise).")
            rows = X_batch.data[:, 0].astype(int)
            if not np.array_equal(X_batch.data, X.data[rows]) or not np.array_equal(
                    np.asarray(y_batch), y[rows]):
                raise Failed(case, "a batch pairs rows of X with labels of other rows",
                             "X and y were ordered by different permutations (or slices): each sample "
                             "must keep its own label.")
        sizes = [len(y_batch) for _, y_batch in pairs]
        ids = np.concatenate([X_batch.data[:, 0].astype(int) for X_batch, _ in pairs]) if pairs \
            else np.array([], int)
        want = [len(b) for _, b in expected]
        if sorted(ids.tolist()) != list(range(n)):
            dropped = sum(sizes) < n and all(size == batch_size for size in sizes)
            raise Failed(case, f"the batches hold samples {sorted(ids.tolist())}; every one of 0 to "
                         f"{n - 1} must appear exactly once (batch sizes: yours {sizes}, expected {want})",
                         "the last, smaller batch was dropped: it must be there too." if dropped
                         else "samples repeat or go missing: the batches were not cut from one "
                         "permutation.")
        if sizes != want:
            raise Failed(case, f"the batch sizes are {sizes}; expected {want}",
                         f"the batches are not consecutive pieces of batch_size ({batch_size}), the "
                         f"last one smaller.")
        order = [int(i) for i in ids]
        if n > 3 and order == sorted(order):
            raise Failed(case, f"the samples come in their original order, {order}",
                         "the samples were never shuffled.")
        if rng.bit_generator.state == np.random.default_rng(seed).bit_generator.state:
            raise Failed(case, "rng was not used: its state is as it was before the call",
                         "the order came from somewhere other than the Generator you were given: "
                         "np.random or a new default_rng would give every epoch the same order, or "
                         "one no seed can repeat.")
        expected_order = [int(i) for X_batch, _ in expected for i in X_batch.data[:, 0]]
        if order != expected_order:
            raise Failed(case, f"the samples come in the order {order}; expected {expected_order}",
                         "the order was drawn from rng in another way than one permutation of the "
                         "n indices, so a seed does not give the library's batches.")
        if rng.bit_generator.state != twin.bit_generator.state:
            raise Failed(case, "rng has drawn more numbers than one permutation needs",
                         "rng drew more than one permutation, so the next epoch's order will differ "
                         "from the library's.")


def _check_train_epoch(fn):
    for optimizer_class, hyper, batch_size in [(optim.SGD, dict(lr=0.1, momentum=0.9), 4),
                                               (optim.Adam, dict(lr=0.01), 10)]:
        rng = np.random.default_rng(0)
        X = Tensor(rng.standard_normal((10, 3)), dtype=np.float64, name="X")
        y = rng.integers(0, 3, 10)
        mine, ref = (MLP(3, 5, 3, seed=4, dtype=np.float64) for _ in range(2))
        opt, ref_opt = optimizer_class(mine.params, **hyper), optimizer_class(ref.params, **hyper)
        rng, twin = np.random.default_rng(2), np.random.default_rng(2)
        label = f"{optimizer_class.__name__}({', '.join(f'{k}={v}' for k, v in hyper.items())})"
        for epoch in (1, 2):
            case = (f"epoch {epoch} of two, MLP(3, 5, 3) float64, 10 samples, batch_size {batch_size}, "
                    f"{label}, one default_rng(2) for both epochs")
            alternatives = _epoch_alternatives(ref, optimizer_class, hyper, X, y, batch_size, twin)
            before = rng.bit_generator.state
            with Tape():
                result = _call(fn, case, mine, opt, X, y, batch_size, rng, raised=[
                    (_mentions("'tuple' object has no attribute"),
                     "train_on_batch returns a pair, the loss and the logits, and your code used the "
                     "pair as if it were the loss.")])
                expected = model.train_epoch.library(ref, ref_opt, X, y, batch_size, twin)
            if isinstance(result, Tensor):
                raise Failed(case, f"it returned {_short(result)}",
                             "the epoch's loss is a Python float, not a Tensor.")
            if not isinstance(result, (float, np.floating)) or not np.isfinite(result):
                raise Failed(case, f"it returned {_short(result) if not isinstance(result, float) else result}",
                             "train_epoch returns the epoch's mean loss, a float.")
            if rng.bit_generator.state == before:
                raise Failed(case, "rng was not used: its state is as it was before the call",
                             "the batches did not come from the Generator you were given: a new one "
                             "inside would give every epoch the same order.")
            for p, q in zip(mine.params, ref.params):
                if not _same(p.data, q.data, 1e-9):
                    hint = _first_match(p.data, [(
                        "that is one step on all the samples at once, not one optimiser step per "
                        "minibatch.",
                        alternatives["full batch"][p.name])])
                    raise Failed(case, _difference(f"{p.name}.data after the epoch", p.data, q.data), hint)
            if not _same(result, expected, 1e-9):
                hint = _first_match(result, [
                    ("that is the plain mean of the batches' losses: the last batch is smaller, and "
                     "counted as much as a full one.", alternatives["unweighted"]),
                    ("that is the sum over the samples, not their mean.", alternatives["sum"]),
                    ("that is the last batch's loss, not the mean over the whole epoch.",
                     alternatives["last"])])
                raise Failed(case, f"it returned {result:.6g}; expected {expected:.6g}, the mean loss "
                             f"over the epoch's samples", hint)


def _copy_rng(rng):
    """A Generator that will draw what ``rng`` draws next, leaving ``rng`` as it is."""
    copy = np.random.Generator(type(rng.bit_generator)())
    copy.bit_generator.state = rng.bit_generator.state
    return copy


def _epoch_alternatives(ref, optimizer_class, hyper, X, y, batch_size, rng):
    """What known mistakes would give on this epoch, from copies of ``ref``: loss summaries and weights."""
    def copy_model():
        net = MLP(3, 5, 3, seed=4, dtype=np.float64)
        for p, q in zip(net.params, ref.params):
            p.data[...] = q.data
        return net

    losses, sizes = [], []
    with Tape():
        net = copy_model()
        opt = optimizer_class(net.params, **hyper)
        parts = data.batches.library(X, y, batch_size, _copy_rng(rng))
        for X_batch, y_batch in parts:
            loss, _ = model.train_on_batch(net, opt, X_batch, y_batch)
            losses.append(loss.item())
            sizes.append(len(y_batch))
        full = copy_model()
        model.train_on_batch(full, optimizer_class(full.params, **hyper), X, y)
    weighted = np.array(losses) * sizes
    return {"unweighted": float(np.mean(losses)), "sum": float(weighted.sum()), "last": losses[-1],
            "full batch": {p.name: p.data for p in full.params}}


# ---- the registry ----------------------------------------------------------------------

def _vjp_task(id, op, checked):
    assert spec(op).task == id, f"op_specs gives {op} the task {spec(op).task}, not {id}"
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
    _vjp_task("3.2", "add_bias", f"{_VJP_CASES} and batch 4, dout left as it was, and "
              "add_bias(tanh(x), x) through backward"),
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
    Task("6.1", "momentum_update", "06_optimisers", "four steps each of momentum, Nesterov momentum and "
         "a float32 parameter against the equations in float64: the parameter in place, the buffer a "
         "copy kept in state", _check_momentum_update),
    Task("6.2", "adam_update", "06_optimisers", "five steps each on three parameters, one with gradients "
         "from 1e-3 to 1e3, one float32, against the equations in float64: step, m and v in state, "
         "bias correction, eps", _check_adam_update),
    Task("6.3", "adamw_update", "06_optimisers", "four steps on a parameter with a zero gradient, and "
         "four on one with gradients, against AdamW's equations in float64: the decay decoupled from "
         "the gradient",
         _check_adamw_update),
    Task("7.1", "batches", "07_digits", "three cases against the library's: every sample once with its "
         "label, the last batch smaller, the order from rng.permutation", _check_batches),
    Task("7.2", "train_epoch", "07_digits", "two epochs each with SGD with momentum and with Adam, one "
         "Generator for both epochs, against the library's: the weights and the weighted mean loss",
         _check_train_epoch),
]}


# ---- hints, one step at a time ---------------------------------------------------------------

# For each task, what to think about, then the math with shapes. The third step, on request only,
# is the library's code. A failed check never shows code that fixes it: it names the mistake.
LADDERS = {
    "1.1": ("The training loop reuses each tensor's gradient buffer every step. Clear the numbers "
            "inside the buffer, not the name that points to it; a tensor whose grad is None has no "
            "buffer yet, and nothing to clear.",
            "In place means that p.grad is the very same array after the call, every entry 0. A "
            "NumPy array can be filled, or assigned to through a slice of all of it, without making "
            "a new one."),
    "1.2": ("Fill t.data with normal numbers of mean 0 and variance 2 / fan_in: the derivation above "
            "the task shows that this variance keeps ReLU activations at one scale, layer after "
            "layer.",
            "rng.standard_normal(shape) draws N(0, 1); times s it is N(0, s^2). So s is the square "
            "root of 2 / fan_in. Write the numbers into t's existing array, so that t keeps its "
            "dtype, and return t."),
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
    **{s.task: s.hints for s in SPECS.values() if s.task},
    "4.1": ("For each entry of p on its own: move it up by h and measure f(), move it down by h "
            "and measure again; the slope is the difference over 2h. Then put the entry back "
            "exactly as it was.",
            "grad[idx] = (f() with p[idx] + h, minus f() with p[idx] - h) / (2 h), for every idx of "
            "np.ndindex(*p.shape). Keep the entry's old value in a variable and write it back after "
            "the two calls, so that p.data ends as it began."),
    "5.1": ("Each parameter moves against its gradient, by lr times it, in place; a parameter "
            "without a gradient stays where it is, and the gradients stay too.",
            "p <- p - lr grad for every p in params whose grad is not None. Change the numbers "
            "through the tensor's data attribute (an in-place operator on p.data), so that the "
            "tensor counts the change in its version; writing into p.data[...] slips past that "
            "count."),
    "5.2": ("One training step is five things, in order: a fresh tape, cleared gradients, the "
            "forward pass and the loss, backward, the update. Return the loss and the logits from "
            "before the update.",
            "Each is a function you have: tape_reset; zero_grad of the model's parameters; the "
            "model called on X, then softmax_ce of its logits and y; backward of the loss; "
            "sgd_step of the parameters with lr."),
    "6.1": ("The velocity remembers the earlier gradients: each step it decays by the factor "
            "momentum and adds the new gradient. It lives in state between calls.",
            "buf_1 = g (a copy), buf_t = momentum buf_(t-1) + g; the step is p <- p - lr buf, or "
            "with Nesterov p <- p - lr (g + momentum buf). state['momentum_buffer'] holds buf: "
            "read it there, change it there, in place."),
    "6.2": ("Adam keeps two running averages for each parameter, of g and of g^2, corrects both "
            "for starting at zero, and steps by their ratio.",
            "t <- t + 1; m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; m_hat = m / (1 - b1^t), "
            "v_hat = v / (1 - b2^t); p <- p - lr m_hat / (sqrt(v_hat) + eps). state holds 'step', "
            "'exp_avg' (m) and 'exp_avg_sq' (v): zeros like p.data at the first step, changed in "
            "place after."),
    "6.3": ("AdamW shrinks the parameter itself a little before each step, then takes a plain "
            "Adam step with the gradient alone.",
            "p <- p (1 - lr weight_decay), from p before the step; then the Adam step "
            "(adam_update) with g itself, unchanged."),
    "7.1": ("Shuffle the sample indices once with rng, then cut the shuffled order into consecutive "
            "pieces of batch_size; each piece picks the same rows of X and entries of y.",
            "order = rng.permutation of the B sample indices; pieces order[0:s], order[s:2s], ..., "
            "the last maybe shorter; each batch is a new Tensor of X's rows at the piece (in X's "
            "dtype) and the labels at the piece."),
    "7.2": ("An epoch is one optimiser step per minibatch. Its loss is the mean over samples, so "
            "each batch's mean loss counts with the weight of its size.",
            "For each (X_batch, y_batch) of batches(X, y, batch_size, rng): train_on_batch(model, "
            "optimizer, X_batch, y_batch) returns a pair, (loss, logits); add loss.item() times "
            "len(y_batch) to a total. Return total / len(y), a float."),
}
_HINTS_GIVEN = {}


def hint(task_id):
    """Print the next hint for task ``task_id``; call it again for more.

    First what to think about, then the math with its shapes, and last, only when asked a third
    time, the library's code, which passes the check. Returns nothing.
    """
    if task_id not in TASKS:
        print(f"No task {task_id!r}: the tasks are {', '.join(TASKS)}.")
        return
    task = TASKS[task_id]
    step = _HINTS_GIVEN.get(task_id, 0)
    _HINTS_GIVEN[task_id] = min(step + 1, 2)
    head = f"Task {task_id} {task.name}, hint {step + 1} of 3"
    if step < 2:
        lines = [f"{head}:", *_wrap(LADDERS[task_id][step]),
                 f'  (hint("{task_id}") again for the {"math" if step == 0 else "code"}.)']
    else:
        lines = [f"{head}: the library's {task.name}, which passes the check.", *_library_code(task)]
    print("\n".join(lines))


def _library_code(task):
    """The library's function, without its decorators and docstring, indented for printing."""
    import ast
    import inspect

    source = textwrap.dedent(inspect.getsource(task.library))
    node = ast.parse(source).body[0]
    body = node.body[1:] if isinstance(node.body[0], ast.Expr) and \
        isinstance(node.body[0].value, ast.Constant) else node.body
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def "))
    signature = lines[start:node.body[0].lineno - 1]
    code = signature + lines[body[0].lineno - 1:node.end_lineno]
    return ["    " + line for line in code]
