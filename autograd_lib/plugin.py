"""Swapping a reader's own version of a library function in, and out again.

The course has its readers write the library's key functions themselves,
one workbook task each. Every such function is marked ``@pluggable``: once
``plug_in(name, fn)`` has registered a replacement, every call of the
library's function, from anywhere (the model, the training loop, a
notebook), runs ``fn`` instead, until ``unplug(name)``. The library's own
version stays reachable as ``function.library``.

VJP rules need none of this: ``backward`` looks them up in
``tape.VJP_RULES``, a plain dict, so replacing one is a single assignment.
"""

from __future__ import annotations

import functools

_library = {}
_plugged = {}


def pluggable(fn):
    """Mark ``fn`` as a piece a reader may replace.

    The result calls the replacement, if one is plugged in, else ``fn``.
    """
    name = fn.__name__
    _library[name] = fn

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if _plugged:  # most calls: nothing is plugged in, no lookup
            return _plugged.get(name, fn)(*args, **kwargs)
        return fn(*args, **kwargs)

    call.library = fn
    return call


def plug_in(name, fn):
    """Make every call of the pluggable function ``name`` run ``fn`` instead.

    Plugging in the library's own function (or the pluggable wrapper around
    it) is the same as :func:`unplug`.
    """
    if name not in _library:
        raise KeyError(
            f"{name!r} is not a pluggable piece; the pieces are "
            f"{sorted(_library)}")
    if not callable(fn):
        raise TypeError(
            f"plug_in({name!r}, ...) needs a function, got "
            f"{type(fn).__name__}")
    fn = getattr(fn, "library", fn)
    if fn is _library[name]:
        _plugged.pop(name, None)
    else:
        _plugged[name] = fn


def unplug(name=None):
    """Go back to the library's own ``name`` (every piece, if None)."""
    if name is None:
        _plugged.clear()
    else:
        _plugged.pop(name, None)


def plugged():
    """``{name: function}`` for every piece that is replaced now."""
    return dict(_plugged)
