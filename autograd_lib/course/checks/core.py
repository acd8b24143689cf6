"""The checks' shared core: tasks and verdicts, running the reader's code, comparing numbers, hints."""

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

from ... import data, gradcheck, model, ops, optim, plugin, tape, tensor
from ...model import MLP
from ...tape import VJP_RULES
from ...tensor import Tensor

WIDTH = 79
TOL = 1e-6
LIBRARY_DIR = Path(__file__).resolve().parents[2]


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
        if not self.walked:  # a tape_reset in the call let go of what the tape holds
            for entry in self.tape.entries:
                self.tape.hold(entry.inputs, entry.out)
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




def _short(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, Tensor):
        return f"a Tensor of shape {value.shape}"
    return "None" if value is None else f"a {type(value).__name__}"


TASKS = {}
"""Every task by its id, ``{"3.1": Task(...)}``; each chapter's module adds its own."""

LADDERS = {}
"""Each task's first two hints, by task id."""


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
