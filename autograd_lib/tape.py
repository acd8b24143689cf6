"""The tape: a log of every op in the forward pass, walked back by backward.

Each op appends one :class:`~autograd_lib.tape.TapeEntry` holding its name,
its inputs, its output and the state its VJP needs (softmax probabilities, a
ReLU mask). ``backward(loss)`` seeds dL/dL = 1 and visits the entries from
the last to the first; for each it looks up the op's VJP rule in
``VJP_RULES`` and adds each input's share to that input's adjoint, in a dict
of its own. Only when the whole walk has succeeded are the adjoints added
into ``.grad``: a walk that stops halfway changes no gradient.

While a tape can still be walked, the arrays it recorded are read-only:
writing into one in place (``W.data[...] -= x``) would hand backward values
the forward pass never used. Walking the tape, or dropping it, makes them
writable again.

Every thread has a tape of its own, so two threads can train two models at
once. ``with Tape() as tape:`` records onto ``tape`` for the length of the
block, and ``with no_grad():`` records nothing at all (for plots and
evaluation, which never call backward).
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from .plugin import pluggable
from .guards import (check_backward, check_rule_output, refuse_walked,
                     warn_if_long)

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
        self.held = []
        self.entries = []
        self.walked = False
        self.thread = threading.get_ident()
        live_tapes.add(self)

    def __enter__(self):
        self.thread = threading.get_ident()
        _state.tapes.append(self)
        return self

    def __exit__(self, *exc):
        # backward cannot walk a block's tape once the block has ended.
        _state.tapes.pop()
        self.release()

    def __del__(self):
        self.release()

    def hold(self, inputs, out):
        """Make the arrays of ``inputs`` and ``out`` read-only until this
        tape is walked or dropped.

        The VJPs will read them: a write in place now (``W.data[...] -= x``,
        ``np.add(W.data, x, out=W.data)``) is refused by NumPy at once,
        rather than giving backward values the forward pass never used.
        Assigning a new array, ``W.data = ...``, is still allowed: the
        version counter sees it, and backward refuses.
        """
        held = self.held
        for t in (*inputs, out):
            array = t.data
            if array.flags.writeable:
                array.setflags(False)  # write=False; by keyword it costs 2x
                held.append(array)

    def release(self):
        """Make writable again every array :meth:`hold` made read-only."""
        for array in self.held:
            array.setflags(True)
        self.held.clear()

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
live_tapes = weakref.WeakSet()


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
    _state.tapes[-1].release()
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
    and ``out`` its output, stored by reference and held read-only until
    the tape is walked; ``saved`` is a dict of what the op's VJP will need;
    ``kink`` is for non-smooth ops. Inside ``no_grad()`` nothing is
    recorded and ``out`` needs no gradient.
    """
    if not is_grad_enabled():
        out.requires_grad = False
        return
    tape = current_tape()
    refuse_walked(op, tape)
    tape.entries.append(TapeEntry(op, inputs, out, saved, kink))
    tape.hold(inputs, out)
    warn_if_long(tape)


def start_backward(loss):
    """Check that ``backward(loss)`` can run, and return the current tape.

    The checks are :func:`~autograd_lib.guards.check_backward`'s, each
    refusal with its reason and fix.
    """
    tape = current_tape()
    check_backward(loss, tape)
    return tape


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
    if LIBRARY_RULES.get(entry.op) is not rule:
        check_rule_output(entry, rule, grads)
    return grads


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
    A walked tape holds nothing read-only any more: the optimiser may step.
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
    tape.release()
