"""The tape: a log of every op in the forward pass, walked in reverse by backward.

Each op appends one :class:`~autograd_lib.tape.TapeEntry` holding its inputs, its output, the
state its VJP needs (softmax probabilities, a ReLU mask) and the VJP itself.
``backward(loss)`` seeds dL/dL = 1 and calls the VJPs from the last entry to the
first, adding (+=) each input's share into its ``.grad``.
"""

from __future__ import annotations

import numpy as np

from .tensor import Tensor


class TapeEntry:
    """One recorded op.

    Attributes:
        op: the op's name, e.g. ``"matmul"``.
        inputs: the input tensors, in argument order.
        out: the output tensor.
        saved: what the VJP needs beyond inputs and output, by name.
        vjp: ``vjp(entry, dout) -> tuple`` of one gradient (or ``None``) per input.
        kink: for non-smooth ops, a boolean array saying which side of the kink
            each element was on; the gradient check compares it under perturbation.
    """

    __slots__ = ("op", "inputs", "out", "saved", "vjp", "kink")

    def __init__(self, op, inputs, out, vjp, saved=None, kink=None):
        self.op = op
        self.inputs = inputs
        self.out = out
        self.vjp = vjp
        self.saved = saved if saved is not None else {}
        self.kink = kink


class Tape:
    """The list of entries recorded since the last :func:`~autograd_lib.tape_reset`."""

    def __init__(self):
        self.entries = []
        self.walked = False

    def __len__(self):
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def __getitem__(self, i):
        return self.entries[i]

    def nbytes(self):
        """Bytes of arrays the tape keeps alive: every output plus saved state.

        Inputs that are outputs of earlier entries are counted once; leaf inputs
        (the batch, the parameters) are not counted, since they outlive the tape.
        """
        seen = set()
        total = 0
        for e in self.entries:
            arrays = [e.out.data] + [v for v in e.saved.values() if isinstance(v, np.ndarray)]
            for a in arrays:
                if id(a) not in seen:
                    seen.add(id(a))
                    total += a.nbytes
        return total

    def table(self):
        """The tape as a text table: op, input shapes, output shape, saved state."""
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
            saved = ", ".join(
                f"{k}{v.shape}" for k, v in e.saved.items() if k not in ("labels", "rows")
            ) or "-"
            rows.append((str(i), e.op, inputs, f"{label(e.out)}{e.out.shape}", saved))
        widths = [max(len(r[c]) for r in rows) for c in range(5)]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def __repr__(self):
        return f"<Tape: {len(self.entries)} entries, walked={self.walked}>"


_TAPE = Tape()


def current_tape():
    """The tape that ops are recording onto now."""
    return _TAPE


def tape_reset():
    """Start a new, empty tape before a forward pass.

    Dropping the old entries releases every intermediate tensor and saved
    array they held, so memory does not grow from one step to the next.
    """
    global _TAPE
    _TAPE = Tape()


def record(op, inputs, out, vjp, saved=None, kink=None):
    """Append an entry to the current tape (called by every forward op)."""
    if _TAPE.walked:
        raise RuntimeError(
            f"{op}: the tape was already walked by backward(); call tape_reset() "
            "before starting the next forward pass"
        )
    _TAPE.entries.append(TapeEntry(op, inputs, out, vjp, saved, kink))


def backward(loss):
    """Fill ``.grad`` of every tensor that ``loss`` depends on.

    ``loss`` must be the ``(1, 1)`` output of an op on the current tape. Seeds
    dL/dL = 1, then walks the tape from the last entry to the first, calling
    each entry's VJP and adding its results into the inputs' ``.grad``.
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"backward expects a Tensor, got {type(loss).__name__}")
    if loss.shape != (1, 1):
        raise ValueError(
            f"backward needs a scalar (1, 1) loss; got shape {loss.shape}. "
            "Reduce it to one number first (softmax_ce returns the mean loss)."
        )
    tape = _TAPE
    if tape.walked:
        raise RuntimeError(
            "backward was already called on this tape; a second walk would add every "
            "gradient a second time. Call tape_reset() and run the forward pass again."
        )
    if not tape.entries or (tape.entries[-1].out is not loss
                            and not any(e.out is loss for e in tape.entries)):
        raise RuntimeError(
            "the loss was not recorded on the current tape; was tape_reset() called "
            "after the forward pass that produced it?"
        )
    if not loss.requires_grad:
        raise RuntimeError("the loss does not depend on any tensor with requires_grad=True")
    tape.walked = True
    loss.grad = np.array([[1.0]], dtype=loss.data.dtype)
    for e in reversed(tape.entries):
        dout = e.out.grad
        if dout is None:
            continue  # this output does not lead to the loss
        for t, g in zip(e.inputs, e.vjp(e, dout)):
            if g is None or not t.requires_grad:
                continue
            # +=, not =: a tensor used by two ops receives both contributions.
            if t.grad is None:
                t.grad = g
            else:
                t.grad += g
