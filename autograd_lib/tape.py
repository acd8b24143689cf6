"""The tape: a log of every op in the forward pass, walked back by backward.

Each op appends one :class:`~autograd_lib.tape.TapeEntry` holding its name,
its inputs, its output and the state its VJP needs (softmax probabilities, a
ReLU mask). ``backward(loss)`` seeds dL/dL = 1 and visits the entries from
the last to the first; for each it looks up the op's VJP rule in
``VJP_RULES`` and adds each input's share to that input's adjoint, in a dict
of its own. Only when the whole walk has succeeded are the adjoints added
into ``.grad``: a walk that stops halfway changes no gradient.

Every thread has a tape of its own, so two threads can train two models at
once. ``with Tape() as tape:`` records onto ``tape`` for the length of the
block, and ``with no_grad():`` records nothing at all (for plots and
evaluation, which never call backward).
"""

from __future__ import annotations

import threading
import warnings
import weakref

import numpy as np

from .plugin import pluggable
from .tensor import Tensor, tensor_label

VJP_RULES = {}
"""``{op name: vjp}``, one rule per op; ``vjp(entry, dout)`` returns one
gradient per input.

``ops.py`` registers each rule right below its op. Replacing a rule is one
assignment, ``VJP_RULES["relu"] = my_relu_vjp``: backward looks rules up
when it walks, not when it records.
"""

LIBRARY_RULES = {}
"""The rules ``ops.py`` registers, ``{op name: vjp}``. The tests check them
against finite differences, so :func:`apply_vjp` trusts their output and
checks only what another rule (a reader's, say) returns.
"""


class TapeEntry:
    """One recorded op.

    Attributes:
        op: the op's name, e.g. ``"matmul"``; backward finds its VJP in
            ``VJP_RULES[op]``.
        inputs: the input tensors, in argument order (the tensors
            themselves, not copies).
        out: the output tensor.
        saved: what the VJP needs beyond inputs and output, by name.
        kink: for non-smooth ops, a boolean array saying which side of the
            kink each element was on; the gradient check compares it under
            perturbation.
        versions: each input's ``version`` when the op ran, so that backward
            can tell whether one was changed in place since.
        out_version: the output's ``version`` when the op ran: an output
            assigned since no longer matches what its readers saw.
    """

    __slots__ = ("op", "inputs", "out", "saved", "kink", "versions",
                 "out_version")

    def __init__(self, op, inputs, out, saved=None, kink=None):
        self.op = op
        self.inputs = tuple(inputs)
        self.out = out
        self.saved = saved if saved is not None else {}
        self.kink = kink
        self.versions = tuple([t.version for t in self.inputs])
        self.out_version = out.version


class Tape:
    """The entries recorded since the last :func:`~autograd_lib.tape_reset`.

    Used as a context manager, ``with Tape() as tape:``, it is this thread's
    current tape inside the block, and the previous one is current again
    after it.
    """

    def __init__(self):
        self.entries = []
        self.walked = False
        self.thread = threading.get_ident()
        _live_tapes.add(self)

    def __enter__(self):
        self.thread = threading.get_ident()
        _state.tapes.append(self)
        return self

    def __exit__(self, *exc):
        _state.tapes.pop()

    def __len__(self):
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def __getitem__(self, i):
        return self.entries[i]

    def nbytes(self):
        """Bytes of arrays that only the tape keeps alive.

        That is every entry's output, its gradient once backward has filled
        it, and the saved state, each array counted once. Leaf inputs (the
        batch, the parameters) and their gradients are not counted: they
        outlive the tape.
        """
        seen = set()
        total = 0
        for e in self.entries:
            arrays = [e.out.data, e.out.grad]
            arrays += [v for v in e.saved.values()
                       if isinstance(v, np.ndarray)]
            for a in arrays:
                if a is not None and id(a) not in seen:
                    seen.add(id(a))
                    total += a.nbytes
        return total

    def table(self):
        """The tape as a text table: op, input shapes, output shape, saved."""
        names = {}

        def label(t):
            if t.name:
                return t.name
            if id(t) not in names:
                names[id(t)] = f"t{len(names)}"
            return names[id(t)]

        rows = [("#", "op", "inputs", "output", "saved")]
        for i, e in enumerate(self.entries):
            inputs = ", ".join(f"{label(t)}{t.shape}" for t in e.inputs)
            extra = e.saved.get("labels")
            if extra is not None:
                inputs += f", y{extra.shape}"
            saved = ", ".join(f"{k}{v.shape}" for k, v in e.saved.items()
                              if k not in ("labels", "rows")) or "-"
            out = f"{label(e.out)}{e.out.shape}"
            rows.append((str(i), e.op, inputs, out, saved))
        widths = [max(len(r[c]) for r in rows) for c in range(5)]
        return "\n".join(
            "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip()
            for r in rows)

    def __str__(self):
        return self.table()

    def __repr__(self):
        return f"<Tape: {len(self.entries)} entries, walked={self.walked}>"


# Every tape that still exists, to say where a loss backward cannot find
# came from (another thread, another Tape() block); weak, so a tape is freed
# as soon as nothing else holds it.
_live_tapes = weakref.WeakSet()

TAPE_WARNING_ENTRIES = 10_000
"""A tape this long without a backward is most likely forward passes made to
look (an evaluation loop, a plot) that nothing will walk back: ``record``
warns once when a tape reaches it."""


class _ThreadState(threading.local):
    # Each thread starts with a tape of its own at the bottom of its stack.
    def __init__(self):
        self.tapes = [Tape()]
        self.grad_enabled = True


_state = _ThreadState()


def current_tape():
    """The tape that ops in this thread are recording onto now."""
    return _state.tapes[-1]


def tape_reset():
    """Start a new, empty tape before a forward pass.

    Dropping the old entries releases every intermediate tensor and saved
    array they held, so memory does not grow from one step to the next.
    Inside ``with Tape():`` the new tape takes the block's place until it
    ends.
    """
    _state.tapes[-1] = Tape()


class no_grad:
    """``with no_grad():`` runs ops without recording them.

    For evaluation and plots: their outputs do not require a gradient, and
    the tape stays as it was, so a forward pass made only to look at its
    result costs no tape memory.
    """

    def __enter__(self):
        self._before = _state.grad_enabled
        _state.grad_enabled = False
        return self

    def __exit__(self, *exc):
        _state.grad_enabled = self._before


def is_grad_enabled():
    """``False`` inside ``with no_grad():``, ``True`` otherwise."""
    return _state.grad_enabled


@pluggable
def record(op, inputs, out, saved=None, kink=None):
    """Append an entry for one op to the current tape.

    Every forward op ends with this. ``inputs`` are the op's input tensors
    and ``out`` its output, stored by reference; ``saved`` is a dict of what
    the op's VJP will need; ``kink`` is for non-smooth ops. Inside
    ``no_grad()`` nothing is recorded and ``out`` needs no gradient.
    """
    if not is_grad_enabled():
        out.requires_grad = False
        return
    tape = current_tape()
    if tape.walked:
        raise RuntimeError(
            f"{op}: the tape was already walked by backward(); call "
            f"tape_reset() before starting the next forward pass")
    tape.entries.append(TapeEntry(op, inputs, out, saved, kink))
    warn_if_long(tape)


def warn_if_long(tape):
    """Warn, once, when ``tape`` reaches ``TAPE_WARNING_ENTRIES`` entries:
    how much it holds, and the fixes."""
    if len(tape.entries) != TAPE_WARNING_ENTRIES:
        return
    warnings.warn(
        f"the tape holds {len(tape.entries):,} entries "
        f"({tape.nbytes() / 2**20:,.0f} MB) recorded since the last "
        f"tape_reset(), and it keeps growing: every op is recorded until a "
        f"tape_reset(). Run forward passes made only to look (evaluation, "
        f"plots) inside `with no_grad():`, and call tape_reset() before each "
        f"training step's forward pass.", RuntimeWarning, stacklevel=5)


def start_backward(loss):
    """Check that ``backward(loss)`` can run, and return the current tape.

    Refused, each with the reason and the fix: a loss that is not a
    ``(1, 1)`` tensor on the current tape; a second walk of one tape; a
    graph that uses a tensor made on an older tape (a ``tape_reset()`` in
    the middle of the forward pass), or a tensor changed in place since an
    op recorded it.
    """
    if not isinstance(loss, Tensor):
        raise TypeError(
            f"backward expects a Tensor, got {type(loss).__name__}")
    if loss.shape != (1, 1):
        raise ValueError(
            f"backward needs a scalar (1, 1) loss; got shape {loss.shape}. "
            f"Reduce it to one number first (softmax_ce returns the mean "
            f"loss).")
    tape = current_tape()
    if tape.walked:
        raise RuntimeError(
            "backward was already called on this tape; a second walk would "
            "add every gradient a second time. Call tape_reset() and run "
            "the forward pass again.")
    made_here = {id(e.out) for e in tape.entries}
    if id(loss) not in made_here:
        raise RuntimeError(_not_on_this_tape(loss))
    if not loss.requires_grad:
        raise RuntimeError(
            "the loss does not depend on any tensor with requires_grad=True, "
            "so there is no gradient to compute; make the parameters with "
            "requires_grad=True")
    for e in tape.entries:
        if e.out.version != e.out_version:
            raise RuntimeError(
                f"entry {tape.entries.index(e)} ({e.op}): its output "
                f"{tensor_label(e.out)} was assigned after the op ran, so "
                f"the tape no longer describes what was computed: the ops "
                f"that read it saw the new values, backward would send the "
                f"gradient through the old ones. To change an activation "
                f"(dropout, a rescale), do it with an op that records itself, "
                f"as chapter 2's dropout does.")
        for t, version in zip(e.inputs, e.versions):
            if t.requires_grad and not t.is_leaf and id(t) not in made_here:
                raise RuntimeError(
                    f"{_reads(tape, e, t)} an op made on an older tape: a "
                    f"tape_reset() ran in the middle of this forward pass, "
                    f"and the gradients of everything before it would be "
                    f"lost. Call tape_reset() once, then run the whole "
                    f"forward pass.")
            if t.version != version:
                raise RuntimeError(
                    f"{_reads(tape, e, t)} was changed in place after the op "
                    f"ran (version {version} then, {t.version} now), so its "
                    f"VJP would use the new values. Change tensors only "
                    f"after backward, e.g. call sgd_step after backward, "
                    f"or run the forward pass again.")
    return tape


def _not_on_this_tape(loss):
    # Why the loss is not on the current tape, found only when it is not:
    # the loss keeps no link to its tape, so every live tape is searched.
    if loss.is_leaf:
        return (
            "backward(loss) needs the output of an op, and this loss is a "
            "tensor you made (a leaf): nothing was recorded that leads to "
            "it. Compute the loss with the ops, e.g. softmax_ce(model(X), y).")
    here = threading.get_ident()
    for tape in list(_live_tapes):
        if id(loss) in {id(e.out) for e in tape.entries}:
            if tape.thread != here:
                return (
                    "the loss was recorded in another thread: every thread "
                    "has a tape of its own, so call backward in the thread "
                    "that ran the forward pass")
            return (
                "the loss was recorded on another tape, inside a with "
                "Tape(): block (or outside the one running now): call "
                "backward inside the block where the forward pass ran")
    if not loss.requires_grad:
        return ("the loss was computed inside no_grad(), which records "
                "nothing; compute it outside the with no_grad(): block")
    return (
        "the loss was not recorded on the current tape: tape_reset() was "
        "called after the forward pass that produced it (or it was made in "
        "a thread that has ended). Call tape_reset() before the forward "
        "pass, then backward(loss).")


def _reads(tape, entry, t):
    # Only for an error message: formatting it, or even counting entries and
    # inputs with enumerate, on every check costs microseconds each step.
    # Neither class defines ==, so index() finds these very objects.
    i, k = tape.entries.index(entry), entry.inputs.index(t)
    return f"entry {i} ({entry.op}) reads input {k} {tensor_label(t)}, which"


def apply_vjp(entry, dout):
    """The gradients of ``entry``'s inputs: its VJP rule applied to ``dout``.

    Looks the rule up in ``VJP_RULES[entry.op]``. Unless it is the
    library's own rule, makes sure it returned a tuple with one gradient (or
    ``None``) per input, each of its input's shape, so that a wrong rule is
    named here rather than failing somewhere later.
    """
    rule = VJP_RULES.get(entry.op)
    if rule is None:
        raise KeyError(
            f"no VJP rule for op {entry.op!r}: register one with "
            f"VJP_RULES[{entry.op!r}] = ...")
    grads = rule(entry, dout)
    if LIBRARY_RULES.get(entry.op) is rule:
        return grads
    inputs = entry.inputs
    n = len(inputs)
    if not isinstance(grads, (tuple, list)) or len(grads) != n:
        got = (f"a {type(grads).__name__} of length {len(grads)}"
               if isinstance(grads, (tuple, list)) else _describe(grads))
        raise TypeError(
            f"the VJP rule for {entry.op} ({_rule_name(rule)}) must return a "
            f"tuple with one gradient per input ({n}), like (dx,) or "
            f"(da, db); it returned {got}")
    for t, g in zip(inputs, grads):
        if g is not None and (not isinstance(g, np.ndarray)
                              or g.shape != t.shape):
            k = _position(inputs, grads, t, g)
            raise ValueError(
                f"the VJP rule for {entry.op} ({_rule_name(rule)}) returned "
                f"{_describe(g)} for input {k}, which has shape {t.shape}; "
                f"a gradient is an array of its input's shape")
    return grads


def _position(inputs, grads, t, g):
    # Which input, counted only for an error message, as in _reads: the
    # first place where these very objects meet (index() would compare
    # arrays with ==).
    return next(k for k, pair in enumerate(zip(inputs, grads))
                if pair[0] is t and pair[1] is g)


def _rule_name(rule):
    # Only for an error message, like _reads: repr(rule) on every entry
    # would cost more than the check itself.
    name = getattr(rule, "__name__", None)
    return repr(rule) if name is None else name


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


@pluggable
def backward(loss):
    """Fill ``.grad`` of every tensor that ``loss`` depends on.

    ``loss`` must be the ``(1, 1)`` output of an op on the current tape.
    Seeds dL/dL = 1, then walks the tape from the last entry to the first,
    skipping entries whose output got no adjoint (they do not lead to the
    loss), and sends each input its share from ``apply_vjp``; a tensor used
    twice gets the sum of both. The adjoints go into ``.grad`` (added to a
    gradient already there) only once the walk is done.
    """
    tape = start_backward(loss)
    adjoint = {loss: np.ones_like(loss.data)}  # dL/dL = 1
    for entry in reversed(tape.entries):
        dout = adjoint.get(entry.out)
        if dout is None:
            continue  # this output does not lead to the loss
        for t, g in zip(entry.inputs, apply_vjp(entry, dout)):
            if g is None or not t.requires_grad:
                continue
            # A tensor used by two ops receives both. + makes a new array:
            # no array a rule returned is ever changed.
            adjoint[t] = adjoint[t] + g if t in adjoint else g
    finish_backward(tape, adjoint)


def finish_backward(tape, adjoint):
    """Add each adjoint into its tensor's ``.grad``, and mark ``tape`` walked.

    ``adjoint`` maps each tensor to dL/d(tensor), an array of its shape.
    A gradient already there (from an earlier backward, for accumulation)
    is added to in place; otherwise the adjoint itself becomes ``.grad``.
    """
    given = set()
    for t, g in adjoint.items():
        if t.grad is not None:
            t.grad += g
        else:
            # One rule may hand two inputs the same array (or dout itself);
            # two leaves must not share one buffer, which the next backward
            # adds into in place.
            t.grad = g.copy() if t.is_leaf and id(g) in given else g
            given.add(id(g))
    tape.walked = True
