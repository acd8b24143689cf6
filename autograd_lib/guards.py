"""The guards: every check the library makes of what it is given, by name.

The modules that hold the ideas (tensor, tape, ops, optim) call these in one
line each, so that what a chapter shows of a Tensor, of ``record``, of
``backward`` or of an op is the idea, and each refusal is written once, here.
A refusal names the function that was called, the problem and the fix.
"""

from __future__ import annotations

import math
import numbers
import reprlib
import threading
import warnings

import numpy as np


# ---- naming what was passed -------------------------------------------------


def describe(value):
    """``an array of shape (2, 3)``, or ``a list``: for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


def quoted(value):
    """``str '0.1'``: a value's type and a short repr, for messages."""
    return f"{type(value).__name__} {reprlib.repr(value)}"


def tensor_label(t):
    """How error messages name a tensor: ``'W1' (2, 8)``, or ``of shape
    (4, 8)`` for one without a name."""
    return f"'{t.name}' {t.shape}" if t.name else f"of shape {t.shape}"


def what(value):
    """What a message says of a value passed where Tensors belong."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return ("a NumPy array, which has no gradient: pass the Tensor "
                "whose .data it is")
    if hasattr(value, "params"):
        return (f"a model ({type(value).__name__}): pass its parameters, "
                f"model.params")
    if isinstance(value, dict):
        return "a dict: pass its tensors, list(d.values())"
    if hasattr(value, "__next__"):
        return (f"a {type(value).__name__}, which can be read only once: "
                f"pass a list, list(...)")
    return f"a {type(value).__name__}"


# ---- tensors ----------------------------------------------------------------

def tensor_data(data, dtype):
    """``data`` as a fresh C-ordered 2-D array of ``dtype``, for ``Tensor()``.

    Refused with what to pass instead: a Tensor, a dtype that is not
    floating point, data that conversion would change without a word (see
    :func:`refuse_lossy`), and data that is not 2-D.
    """
    if isinstance(data, _tensor.Tensor):
        raise TypeError(
            "Tensor(...) got a Tensor; use .data to copy its values")
    dtype = float_dtype("Tensor",
                        _tensor.DEFAULT_DTYPE if dtype is None else dtype)
    refuse_lossy(data)
    array = np.array(data, dtype=dtype, order="C")
    if array.ndim != 2:
        raise ValueError(
            f"Tensor data must be 2-D (rows, cols); got shape "
            f"{array.shape}. Reshape it, e.g. x.reshape(1, -1) for one "
            f"row.")
    return array


def float_dtype(owner, dtype):
    """``dtype`` as a NumPy floating-point dtype, or a clear refusal."""
    try:
        found = np.dtype(dtype)
    except TypeError:
        found = None
    if found is None or not np.issubdtype(found, np.floating):
        raise TypeError(
            f"{owner}: dtype must be a floating-point type, like np.float32 "
            f"(the default) or np.float64; got "
            f"{getattr(dtype, '__name__', repr(dtype))}")
    return found


def refuse_lossy(data):
    """Refuse data that conversion to floats would change without a word:
    a mask dropped, an imaginary part dropped, dates counted in days, None or
    text turned into numbers, rows of different lengths."""
    if isinstance(data, np.ma.MaskedArray):
        raise TypeError(
            "Tensor data is a masked array; a Tensor has no mask, so the "
            "hidden values would be used as if they were data. Fill them "
            "(data.filled(0.0)) or drop those rows first.")
    try:
        kind = np.asarray(data).dtype.kind
    except ValueError:
        raise ValueError(
            "Tensor data rows must all have the same length; this data is "
            "ragged. Make every row as long as the others.") from None
    if kind == "c":
        raise TypeError(
            "Tensor data is complex; its imaginary part would be dropped. "
            "Pass data.real, data.imag or abs(data), whichever you mean.")
    if kind in "mM":
        raise TypeError(
            "Tensor data holds dates or times (datetime64 or timedelta64); "
            "as floats they would be counts of days or seconds without a "
            "word. Convert them to the numbers you mean first.")
    if kind in "OUSV":
        raise TypeError(
            "Tensor data must be numbers; this data holds Python objects or "
            "text (None, say, for a missing value). Replace them with "
            "numbers, or drop those rows.")


def check_flag(owner, name, value):
    """``value`` as a bool, if it is one: ``"False"`` or ``None`` is not."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{owner}: {name} must be True or False, got "
            f"{type(value).__name__} {value!r}")
    return bool(value)


def check_name(name):
    """A tensor's name: a string, or None."""
    if name is not None and not isinstance(name, str):
        raise TypeError(
            f"Tensor: name must be a string, like name=\"W1\", or None; got "
            f"{type(name).__name__} {name!r}")
    return name


def check_data(array, current):
    """What ``t.data = array`` accepts: what ``Tensor(...)`` would make.

    A plain 2-D NumPy array of floats; anything else is refused with what
    to pass instead, rather than failing in some later op. ``t.data -= x``
    hands back ``current``, the tensor's own array, already checked.
    """
    if array is current:
        return array
    if isinstance(array, _tensor.Tensor):
        raise TypeError(
            "Tensor data must be a NumPy array, got a Tensor; assign its "
            "values, t.data = other.data.copy()")
    if isinstance(array, (np.ma.MaskedArray, np.matrix)):
        masked = isinstance(array, np.ma.MaskedArray)
        raise TypeError(
            f"Tensor data must be a plain NumPy array, got a "
            f"{'masked' if masked else 'matrix'} array, whose "
            f"{'mask' if masked else 'matrix'} rules the ops do not follow; "
            f"pass np.asarray(...)"
            f"{' after filling the mask' if masked else ''}")
    if not isinstance(array, np.ndarray) or array.ndim != 2:
        raise ValueError(
            f"Tensor data must be a 2-D NumPy array; got {describe(array)}")
    if array.dtype.kind != "f":  # np.issubdtype: the same answer, 30x slower
        raise TypeError(
            f"Tensor data must be floating point, got dtype {array.dtype}; "
            f"convert it, e.g. array.astype(np.float32)")
    # Read-only only while a tape holds it (Tape.hold): another tensor's
    # held array, or a broadcast view, gets a copy of its own.
    return array if array.flags.writeable else array.copy()


def check_grad(t, array):
    """What ``t.grad = array`` accepts: ``None``, or an array of floats of
    t's shape, returned in t's dtype (NumPy would promote a float32
    parameter's gradient to float64 when the data was float64). ``0`` or a
    scalar is refused: ``None`` clears a gradient, and ``zero_grad`` zeroes
    one."""
    data = t.data
    if array is None or (type(array) is np.ndarray
                         and array.shape == data.shape
                         and array.dtype == data.dtype):
        return array
    if isinstance(array, _tensor.Tensor):
        raise TypeError(
            "a grad is a NumPy array, got a Tensor; assign its .data")
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"the grad of the tensor {tensor_label(t)} must be None or an "
            f"array of its shape {t.shape}; got {type(array).__name__} "
            f"{array!r}. To clear a gradient: t.grad = None or zero_grad(t)")
    if array.shape != t.shape:
        raise ValueError(
            f"the grad of the tensor {tensor_label(t)} must have its shape "
            f"{t.shape}; got an array of shape {array.shape}, which would be "
            f"broadcast into the wrong entries")
    if array.dtype.kind != "f":
        raise TypeError(
            f"the grad of the tensor {tensor_label(t)} must be floating "
            f"point, got dtype {array.dtype}")
    return array.astype(t.dtype)


def check_item(t):
    """``t.data`` if ``t`` is ``(1, 1)``, for ``item()``; else a refusal."""
    if t.shape != (1, 1):
        raise ValueError(
            f"item() needs a (1, 1) tensor; this one is {t.shape}")
    return t.data


def tensor_repr(t):
    """``<Tensor W1: shape=(2, 8) dtype=float32 requires_grad=True
    grad=None>``: what printing a tensor shows."""
    label = f"{t.name}: " if t.name else ""
    grad = "None" if t.grad is None else "set"
    return (f"<Tensor {label}shape={t.shape} dtype={t.dtype} "
            f"requires_grad={t.requires_grad} grad={grad}>")


def check_init_args(t, fan_in, rng):
    """Refuse what :func:`~autograd_lib.he_init` cannot fill right: not a
    Tensor, a ``fan_in`` that is not a whole number from 1 up (NaN would fill
    the weights with NaN), or a seed or the global random state in place of
    a ``numpy.random.Generator``."""
    if not isinstance(t, _tensor.Tensor):
        raise TypeError(
            f"he_init fills a Tensor in place, got {what(t)}")
    if (not isinstance(fan_in, numbers.Integral) or isinstance(fan_in, bool)
            or fan_in < 1):
        raise ValueError(
            f"he_init: fan_in, the number of inputs each unit adds up, must "
            f"be a whole number of at least 1, like W.rows; got {fan_in!r}")
    check_generator("he_init", rng)
    refuse_held("he_init", [t])


def check_generator(owner, rng):
    """Refuse a seed, ``np.random`` or a ``RandomState`` where a seeded
    ``numpy.random.Generator`` belongs: every random number has a seed."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{owner} needs a numpy.random.Generator, got "
            f"{type(rng).__name__}; use numpy.random.default_rng(seed)")


def tensors_in(caller, args):
    """The Tensors in ``args``, each a Tensor or a list or tuple of them.

    Anything else is refused with what to pass instead: ``caller`` names the
    function in the message.
    """
    found = []
    for arg in args:
        for t in arg if isinstance(arg, (list, tuple)) else (arg,):
            if not isinstance(t, _tensor.Tensor):
                raise TypeError(
                    f"{caller} takes Tensors or lists of them, like "
                    f"{caller}(W, b) or {caller}(model.params); got "
                    f"{what(t)}")
            found.append(t)
    return found


# ---- the tape ---------------------------------------------------------------

TAPE_WARNING_ENTRIES = 10_000
"""A tape this long without a backward is most likely forward passes made to
look (an evaluation loop, a plot) that nothing will walk back: ``record``
warns once when a tape reaches it."""


def refuse_walked(op, tape):
    """Refuse to record ``op`` onto a tape that backward has walked."""
    if tape.walked:
        raise RuntimeError(
            f"{op}: the tape was already walked by backward(); call "
            f"tape_reset() before starting the next forward pass")


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


HELD = (
    "is held read-only by the tape: a forward pass recorded it, and backward "
    "has not walked that tape yet, so a change in place now would hand "
    "backward values the forward pass never used. Call backward(loss) first "
    "and change it after (as a training step does); or call tape_reset() to "
    "drop that forward pass, and run passes made only to look inside `with "
    "no_grad():`; or assign a new array, t.data = t.data - x, which counts "
    "as a change: backward then refuses that forward pass.")
"""Why a tensor's array is read-only, and the three ways on."""

NUMPY_READ_ONLY = ("assignment destination is read-only",
                   "output array is read-only")
"""What NumPy says, and no more, when something writes into a read-only
array."""


def refuse_held(owner, tensors):
    """Refuse to change ``tensors`` in place while a tape holds them.

    For the library's own writers (the optimisers, ``he_init``): the
    refusal names ``owner``, the tensor and the way on, where NumPy would
    only say that an array is read-only.
    """
    for t in tensors:
        if not t.data.flags.writeable:
            raise RuntimeError(f"{owner}: {_held_label(t)} {HELD}")


def _held_label(t):
    return f"parameter '{t.name}'" if t.name else f"a tensor {t.shape}"


def held_tensors():
    """The tensors whose arrays this thread's tapes hold read-only now."""
    from .tape import _state  # tape.py imports this module first

    found = {}
    for tape in _state.tapes:
        held = {id(array) for array in tape.held}
        for e in tape.entries:
            for t in (*e.inputs, e.out):
                if id(t.data) in held:
                    found[id(t)] = t
    return list(found.values())


def explain_read_only(error):
    """NumPy's read-only ``error`` with the reason and the way on added, when
    a tape holds arrays now; ``None`` for any other error.

    NumPy cannot say why an array is read-only; a notebook shows this in
    its place (see ``autograd_lib.course.show``).
    """
    if (not isinstance(error, ValueError)
            or not any(s in str(error) for s in NUMPY_READ_ONLY)):
        return None
    held = held_tensors()
    if not held:
        return None
    names = [t.name for t in held if t.name]
    unnamed = len(held) - len(names)
    listed = ", ".join(names + ([f"{unnamed} unnamed"] if unnamed else []))
    return (f"{error}: the tensor whose data you are writing into {HELD} "
            f"(Held now: {listed}.)")


def check_backward(loss, tape):
    """Refuse a ``backward(loss)`` on ``tape`` that cannot be right.

    Refused, each with the reason and the fix: a loss that is not a
    ``(1, 1)`` tensor recorded on ``tape`` (and why not: a leaf, another
    thread, another ``Tape()`` block, ``no_grad()``, a ``tape_reset()``); a
    loss that needs no gradient; a second walk of one tape; an op's output
    assigned after the op ran; a graph that uses a tensor made on an older
    tape (a ``tape_reset()`` in the middle of the forward pass), or a tensor
    changed in place since an op recorded it.
    """
    if not isinstance(loss, _tensor.Tensor):
        raise TypeError(
            f"backward expects a Tensor, got {type(loss).__name__}")
    if loss.shape != (1, 1):
        raise ValueError(
            f"backward needs a scalar (1, 1) loss; got shape {loss.shape}. "
            f"Reduce it to one number first (softmax_ce returns the mean "
            f"loss).")
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


def _not_on_this_tape(loss):
    # Why the loss is not on the current tape, found only when it is not:
    # the loss keeps no link to its tape, so every live tape is searched.
    if loss.is_leaf:
        return (
            "backward(loss) needs the output of an op, and this loss is a "
            "tensor you made (a leaf): nothing was recorded that leads to "
            "it. Compute the loss with the ops, e.g. softmax_ce(model(X), y).")
    from .tape import live_tapes  # tape.py imports this module first

    here = threading.get_ident()
    for tape in list(live_tapes):
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


def check_rule_output(entry, rule, grads):
    """Refuse what a VJP rule (a reader's, say) returned, unless it is one
    gradient (or ``None``) per input, each an array of its input's shape:
    a wrong rule is named here rather than failing somewhere later."""
    inputs = entry.inputs
    n = len(inputs)
    if not isinstance(grads, (tuple, list)) or len(grads) != n:
        got = (f"a {type(grads).__name__} of length {len(grads)}"
               if isinstance(grads, (tuple, list)) else describe(grads))
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
                f"{describe(g)} for input {k}, which has shape {t.shape}; "
                f"a gradient is an array of its input's shape")


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


# ---- the ops ----------------------------------------------------------------

def check_tensor(op, name, t):
    """Refuse an input of ``op`` that is not a Tensor."""
    if not isinstance(t, _tensor.Tensor):
        raise TypeError(
            f"{op}: {name} must be a Tensor, got {type(t).__name__}; wrap it "
            f"with Tensor(...)")


def check_matmul(a, b):
    """Tensors ``a`` ``(B, N)`` and ``b`` ``(N, M)``, inner sizes equal."""
    check_tensor("matmul", "a", a)
    check_tensor("matmul", "b", b)
    if a.data.shape[1] != b.data.shape[0]:
        raise ValueError(
            f"matmul: inner dimensions differ: a is {a.shape}, b is "
            f"{b.shape}; a's columns ({a.shape[1]}) must equal b's rows "
            f"({b.shape[0]})")


def check_add_bias(a, bias):
    """Tensors ``a`` ``(B, M)`` and a ``bias`` row ``(1, M)``."""
    check_tensor("add_bias", "a", a)
    check_tensor("add_bias", "bias", bias)
    if bias.data.shape[0] != 1 or bias.data.shape[1] != a.data.shape[1]:
        raise ValueError(
            f"add_bias: bias must have shape (1, {a.shape[1]}) to match a "
            f"{a.shape}; got bias {bias.shape}")


def check_labels(y, logits_shape):
    """``y`` as an int64 copy of ``B`` class indices in ``[0, C)`` for
    logits of shape ``(B, C)``, or a refusal that says what labels are."""
    batch, classes = logits_shape
    if y is None or isinstance(y, _tensor.Tensor):
        raise TypeError(
            f"softmax_ce: labels must be a 1-D NumPy array of {batch} class "
            f"indices, like np.array([0, 1, 1, 0]); got "
            f"{'None' if y is None else 'a Tensor'}. Labels are not "
            f"differentiated, so they stay a plain array.")
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.shape[0] != batch:
        raise ValueError(
            f"softmax_ce: labels must be a 1-D array of {batch} class "
            f"indices (one per row of the logits {logits_shape}); got shape "
            f"{labels.shape}")
    if batch == 0:
        raise ValueError(
            "softmax_ce: the batch is empty; the mean loss of no rows is "
            "undefined")
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"softmax_ce: labels must be integers, got dtype {labels.dtype}")
    # Python's min and max on a list beat two NumPy reductions for the
    # batches of this course.
    values = labels.tolist()
    if min(values) < 0 or max(values) >= classes:
        bad = labels[(labels < 0) | (labels >= classes)]
        raise ValueError(
            f"softmax_ce: labels must be in [0, {classes}) for {classes} "
            f"classes; got {bad.tolist()}")
    # A copy, in int64 on every platform: the tape keeps it for backward, so a
    # later y[:] = ... cannot change this batch's gradient, and the tape's size
    # is the same in the browser (Pyodide's default integer is 32-bit).
    return labels.astype(np.int64)


# ---- the optimisers ---------------------------------------------------------

def check_params(owner, params):
    """``params`` as a list of distinct Tensors that take a gradient.

    Any iterable of Tensors is read once into a list (a generator would be
    empty the second time). Refused, each naming ``owner`` and the fix: one
    Tensor, a dict, a model, anything else that is not a collection of
    Tensors, an empty one, a Tensor with ``requires_grad=False``, and one
    listed twice (it would move twice).
    """
    if (isinstance(params, (_tensor.Tensor, dict, str, np.ndarray))
            or not _iterable(params)):
        raise TypeError(
            f"{owner}: params must be a list of Tensors, like model.params "
            f"or [W, b]; got {_what_params(params)}")
    params = list(params)
    if not params:
        raise ValueError(
            f"{owner}: params is empty; pass the tensors to train, e.g. "
            f"model.params")
    for i, p in enumerate(params):
        if not isinstance(p, _tensor.Tensor):
            raise TypeError(
                f"{owner}: params[{i}] is {_what_params(p)}; params must "
                f"hold only Tensors, like model.params")
        if not p.requires_grad:
            label = f" ({p.name!r})" if p.name else ""
            raise ValueError(
                f"{owner}: params[{i}]{label} has requires_grad=False, so "
                f"it never gets a gradient; make it with requires_grad=True")
    if len({id(p) for p in params}) < len(params):
        raise ValueError(
            f"{owner}: params lists a Tensor more than once, so each step "
            f"would move it more than once; list each parameter once")
    return params


def _iterable(value):
    try:
        iter(value)
    except TypeError:
        return False
    return True


def _what_params(value):
    if isinstance(value, _tensor.Tensor):
        return "one Tensor; put it in a list, [W]"
    return what(value)


LARGEST_LR = float(np.finfo(np.float32).max)
"""The largest learning rate float32 holds; with a larger one, every step of
a float32 parameter would write inf or NaN."""


def check_lr(owner, lr):
    """Return ``lr`` if it is a learning rate a float32 step can use.

    Refused, naming ``owner``: anything but a number (a string, None, an
    array, True), and a number that is not positive or that float32 cannot
    hold (NaN, inf, 1e300).
    """
    if not is_number(lr):
        raise TypeError(
            f"{owner}: lr, the learning rate, must be a number, got "
            f"{quoted(lr)}; e.g. lr=0.1")
    if not 0 < lr <= LARGEST_LR:
        raise ValueError(
            f"{owner}: lr, the learning rate, must be a positive number "
            f"float32 can hold (at most {LARGEST_LR:.3g}), got {lr}; try "
            f"0.1 for SGD, 1e-3 for Adam")
    return lr


def is_number(value):
    """A real number, but not a bool: lr=True is a slip, not a rate."""
    return (isinstance(value, (float, int, np.floating, np.integer))
            and not isinstance(value, bool))


def check_non_negative(owner, name, value):
    """``value`` if it is a finite number from 0 up (0 turns it off)."""
    if not is_number(value):
        raise TypeError(
            f"{owner}: {name} must be a number, got {quoted(value)}")
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(
            f"{owner}: {name} must be non-negative and finite, got "
            f"{value}; 0 turns it off")
    return value


def check_momentum(owner, momentum):
    """``momentum`` if it is a number in [0, 1)."""
    if not is_number(momentum):
        raise TypeError(
            f"{owner}: momentum must be a number, got {quoted(momentum)}")
    if not 0 <= momentum < 1:
        raise ValueError(
            f"{owner}: momentum must be in [0, 1), got {momentum}; 0.9 is "
            f"the usual choice, 0 turns it off")
    return momentum


def check_betas(owner, betas):
    """``betas`` as a tuple of two numbers in [0, 1)."""
    if (np.ndim(betas) != 1 or len(betas) != 2
            or not all(is_number(b) and 0 <= b < 1 for b in betas)):
        raise ValueError(
            f"{owner}: betas must be two numbers in [0, 1), got {betas}; "
            f"the usual ones are (0.9, 0.999)")
    return tuple(betas)


# ---- the model and its training loops --------------------------------------

MAX_EPOCHS = 10_000_000
"""More epochs than this would take days, and their history gigabytes."""


def check_mlp(n_in, n_hidden, n_out, activation, activations, seed, dtype):
    """``MLP``'s arguments as its layer sizes ``[n_in, *hidden, n_out]`` and
    dtype, or a refusal: an unknown activation (``activations`` holds the
    known ones), a seed that is not a whole number from 0 up, a width that
    is not a positive whole number, no hidden layer at all."""
    if not isinstance(activation, str) or activation not in activations:
        raise ValueError(
            f"MLP: activation must be one of the names "
            f"{sorted(activations)}, got {activation!r}")
    check_seed("MLP", seed)
    dtype = float_dtype("MLP", dtype)
    _check_width("n_in", n_in)
    _check_width("n_out", n_out)
    if isinstance(n_hidden, (list, tuple)):
        if not n_hidden:
            raise ValueError(
                "MLP: n_hidden is an empty list; give at least one "
                "hidden layer's width, like [16]")
        for n in n_hidden:
            _check_width("n_hidden", n)
        hidden = list(n_hidden)
    else:
        _check_width("n_hidden", n_hidden)
        hidden = [n_hidden]
    return [int(n) for n in (n_in, *hidden, n_out)], dtype


def _check_width(name, n):
    """A layer width must be a positive whole number: an int, or NumPy's."""
    if isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1:
        return
    example = ("8 or [16, 16]" if name == "n_hidden" else "2")
    if isinstance(n, numbers.Integral) and not isinstance(n, bool):
        problem = f"got {n}"
    elif (isinstance(n, numbers.Real) and not isinstance(n, bool)
          and float(n).is_integer()):
        problem = (f"got {n!r}, a {type(n).__name__}; widths count units, "
                   f"so pass int({n!r})")
    else:
        problem = f"got {n!r} ({type(n).__name__})"
    plural = " or a list of them" if name == "n_hidden" else ""
    error = (ValueError if isinstance(n, numbers.Integral)
             and not isinstance(n, bool) else TypeError)
    raise error(
        f"MLP: {name} must be a positive whole number{plural}, like "
        f"{example}; {problem}")


def check_model_input(model, X):
    """Refuse an input the model cannot take: not a Tensor, or not
    ``(B, n_in)``. Here, where the model's ``n_in`` is known, rather than
    inside the first matmul, whose message would name its operands a and
    b."""
    n_in = model.sizes[0]
    if not isinstance(X, _tensor.Tensor):
        raise TypeError(
            f"{type(model).__name__}: X must be a Tensor of shape (B, "
            f"{n_in}), got {type(X).__name__}; wrap it: Tensor(X)")
    if X.cols != n_in:
        raise ValueError(
            f"{type(model).__name__}: X has {X.cols} columns, but this "
            f"network takes {n_in} inputs (n_in={n_in}); X must be "
            f"(B, {n_in}), got {X.shape}")


def check_model(caller, model):
    """Refuse anything but a model (callable, with ``params``) where the
    model belongs: the first argument of the training loops."""
    if callable(model) and hasattr(model, "params"):
        return
    what = ("a Tensor: the model comes first"
            if isinstance(model, _tensor.Tensor) else type(model).__name__)
    raise TypeError(
        f"{caller}: model must be a network such as MLP(2, 8, 2), passed "
        f"first, as in {caller}(model, X, y, ...); got {what}")


def check_train(model, X, y, lr, epochs, optimizer):
    """``train``'s arguments: returns ``epochs`` and the labels as an array.

    Refused, each with the fix: epochs that are not a whole number, no
    model first, labels that are not an array with one per row of ``X``,
    inputs with NaN or inf, a learning rate that is not a usable number,
    and both ``lr`` and an optimiser, or an optimiser of other tensors.
    """
    epochs = check_whole("train", "epochs", epochs, 0, MAX_EPOCHS)
    check_model("train", model)
    if y is None or isinstance(y, _tensor.Tensor):
        raise TypeError(
            f"train: y, the labels, must be a 1-D NumPy array of class "
            f"indices, like np.array([0, 1, 1, 0]); got "
            f"{'None' if y is None else 'a Tensor'}")
    labels = check_samples("train", X, y)
    check_finite_inputs("train", X)
    if optimizer is None:
        if lr is not None:
            check_lr("train", lr)
    else:
        if lr is not None:
            raise ValueError(
                f"train: lr={lr} and an optimizer were both given; the "
                f"optimiser has its own learning rate "
                f"({type(optimizer).__name__}(model.params, lr=...)), so "
                f"leave lr out")
        check_optimizer("train", optimizer, model)
    return epochs, labels


def check_whole(caller, name, value, least, most, alternative=""):
    """``value`` as an int if it is a whole number in [least, most]."""
    if (not isinstance(value, numbers.Real) or isinstance(value, bool)
            or not np.isfinite(value) or int(value) != value
            or not least <= value <= most):
        raise ValueError(
            f"{caller}: {name} must be a whole number from {least} to "
            f"{most:,}{alternative}, got {value!r}")
    return int(value)


def check_finite_inputs(caller, X):
    """Refuse inputs with NaN or inf: every loss from them is NaN, which
    would look like a diverged run rather than bad data."""
    if isinstance(X, _tensor.Tensor) and not np.isfinite(X.data).all():
        rows = np.flatnonzero(~np.isfinite(X.data).all(axis=1))
        raise ValueError(
            f"{caller}: X has NaN or infinite values in rows "
            f"{rows[:10].tolist()}{' ...' if len(rows) > 10 else ''}; fix "
            f"or drop those rows before training")


def check_optimizer(owner, optimizer, model=None):
    """Refuse what is not an optimiser object, or, given ``model``, one
    made for other tensors than ``model.params``."""
    from .optim import Optimizer  # optim.py imports this module first

    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"{owner}: optimizer must be an optimiser object such as "
            f"SGD(model.params, lr=0.1), got {type(optimizer).__name__}")
    if model is not None and ({id(p) for p in optimizer.params}
                              != {id(p) for p in model.params}):
        raise ValueError(
            f"{owner}: the optimiser holds other tensors than "
            f"model.params; make it for this model: "
            f"{type(optimizer).__name__}(model.params, ...)")


def check_confusion(y_true, y_pred, n_classes):
    """``confusion_matrix``'s arguments as two arrays and an int, or a
    refusal: not 1-D of one length, not integers, a class outside
    ``[0, n_classes)``."""
    true, pred = np.asarray(y_true), np.asarray(y_pred)
    if true.shape != pred.shape or true.ndim != 1:
        raise ValueError(
            f"confusion_matrix: y_true and y_pred must be 1-D and of one "
            f"length; got shapes {true.shape} and {pred.shape}")
    n_classes = check_whole("confusion_matrix", "n_classes", n_classes, 1,
                            MAX_EPOCHS)
    for name, labels in (("y_true", true), ("y_pred", pred)):
        if labels.size and labels.dtype.kind not in "iu":
            raise TypeError(
                f"confusion_matrix: {name} must hold integer class indices, "
                f"got dtype {labels.dtype}")
        outside = (labels < 0) | (labels >= n_classes)
        if outside.any():
            raise ValueError(
                f"confusion_matrix: {name} must hold classes in [0, "
                f"{n_classes}) for n_classes={n_classes}; got "
                f"{labels[outside][:10].tolist()}")
    return true, pred, n_classes


def check_fit(model, optimizer, train_data, val_data, epochs, seed,
              patience, progress):
    """``fit``'s arguments: returns ``epochs`` and ``patience`` as ints (or
    ``patience`` None). Refused, each with the fix: epochs that are not a
    whole number from 1, no model first, data that is not a pair
    ``(X, y)``, a seed that is not a whole number, a ``progress`` that is
    not a function, an optimiser of other tensors."""
    epochs = check_whole("fit", "epochs", epochs, 1, MAX_EPOCHS)
    check_model("fit", model)
    for name, pair in (("train_data", train_data), ("val_data", val_data)):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(
                f"fit(model, optimizer, train_data, val_data, epochs): "
                f"{name} must be a pair (X, y), like (X_train, y_train); got "
                f"{_what_pair(pair)}")
    check_seed("fit", seed)
    if progress is not None and not callable(progress):
        raise TypeError(
            f"fit: progress must be a function that wraps the range of "
            f"epochs, like tqdm, or None; got {type(progress).__name__} "
            f"{progress!r}")
    if patience is not None:
        patience = check_whole("fit", "patience", patience, 1, MAX_EPOCHS,
                               " or None")
    check_optimizer("fit", optimizer, model)
    return epochs, patience


def _what_pair(value):
    if isinstance(value, _tensor.Tensor):
        return "a Tensor alone: pass X and y together, (X, y)"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    return type(value).__name__


# ---- the data sets ----------------------------------------------------------

def check_seed(owner, seed):
    """``seed`` if it is a whole number from 0 up, the seeds NumPy takes.

    ``None`` is refused too: it would draw different numbers on every run.
    """
    if (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)
            or seed < 0):
        raise ValueError(
            f"{owner}: seed must be a whole number from 0 up, like seed=0, "
            f"so that every run draws the same numbers; got {seed!r}")
    return seed


def check_samples(owner, X, y):
    """``y`` as an array, once ``X`` is a Tensor and ``y`` holds one label
    per row of it."""
    if not isinstance(X, _tensor.Tensor):
        raise TypeError(
            f"{owner}: X must be a Tensor with one sample per row, got "
            f"{type(X).__name__}; wrap an array: Tensor(array)")
    labels = np.asarray(y)
    if labels.shape != (X.rows,):
        raise ValueError(
            f"{owner}: y must hold one label per row of X, {X.rows} in a "
            f"1-D array; got shape {labels.shape}")
    return labels


def check_batches(X, y, batch_size, rng):
    """Check the arguments of :func:`~autograd_lib.batches`; returns ``y``.

    Refused, each with the fix: an ``X`` that is not a Tensor, labels that
    are not one per row, a ``batch_size`` that is not a positive integer,
    and a seed where a ``numpy.random.Generator`` belongs. ``y`` comes back
    as an array.
    """
    labels = check_samples("batches", X, y)
    if (not isinstance(batch_size, (int, np.integer))
            or isinstance(batch_size, bool) or batch_size < 1):
        raise ValueError(
            f"batches: batch_size must be a positive integer, got "
            f"{batch_size!r}")
    check_generator("batches", rng)
    return labels


def check_fractions(fractions):
    """``split``'s fractions as cumulative ones, e.g. ``[0.6, 0.8, 1.0]``,
    once they are two or more positive numbers adding up to 1."""
    values = np.asarray(fractions, dtype=np.float64)
    if (values.ndim != 1 or len(values) < 2 or not np.all(values > 0)
            or not np.isclose(values.sum(), 1)):
        raise ValueError(
            f"split: fractions must be two or more positive numbers that "
            f"add up to 1, e.g. (0.6, 0.2, 0.2); got {fractions}")
    return np.cumsum(values)


def refuse_empty_parts(indices, fractions):
    """Refuse a split with an empty part: too few samples for the
    fractions."""
    n = sum(len(index) for index in indices)
    for k, index in enumerate(indices):
        if len(index) == 0:
            raise ValueError(
                f"split: part {k} (fraction {fractions[k]}) would be empty; "
                f"{n} samples are too few for fractions {fractions}")


def check_standardizer(owner, X, columns=None):
    """Refuse what a Standardizer cannot measure (``columns`` None) or
    apply to: not a Tensor, no rows to measure, another number of
    columns."""
    if not isinstance(X, _tensor.Tensor):
        if columns is None:
            raise TypeError(
                f"Standardizer needs the training inputs as a Tensor, got "
                f"{type(X).__name__}; wrap an array: Tensor(array)")
        raise TypeError(
            f"a Standardizer applies to a Tensor, got {type(X).__name__}")
    if columns is None and X.rows < 1:
        raise ValueError(
            "Standardizer needs at least one training row to measure")
    if columns is not None and X.cols != columns:
        raise ValueError(
            f"this Standardizer was fitted on {columns} columns; X has "
            f"shape {X.shape}")


def check_two_moons(n_samples, noise):
    """Refuse fewer than two points (one per moon) or a noise that is
    negative or not finite."""
    if int(n_samples) != n_samples or n_samples < 2:
        raise ValueError(
            f"two_moons: n_samples must be an integer of at least 2, one "
            f"point per moon, got {n_samples}")
    if not (noise >= 0 and np.isfinite(noise)):
        raise ValueError(
            f"two_moons: noise must be non-negative and finite (0 puts "
            f"every point on its arc), got {noise}")


# Last, so that whichever of the two modules is imported first, the other
# finds what it needs: tensor.py imports these checks, and they look Tensor
# up in the module only when they run.
from . import tensor as _tensor  # noqa: E402
