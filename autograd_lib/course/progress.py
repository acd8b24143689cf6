"""A progress bar for the long training runs, quiet where nobody watches.

In JupyterLab, Colab or any notebook, :func:`bar` is tqdm's notebook bar; in a terminal, tqdm's text
bar. Where the environment variable ``TQDM_DISABLE`` is set to anything but ``""``, ``"0"`` or
``"false"`` there is no bar at all: ``make book``, ``make notebooks`` and the tests set it, so that
neither the built book nor the outputs nbval compares hold a bar's widget or its stderr. (tqdm reads
that variable too, but its notebook bar overrides it; hence this function.)
"""

from __future__ import annotations

import os

QUIET = "TQDM_DISABLE"


def quiet():
    """Whether ``TQDM_DISABLE`` asks for no progress bars."""
    return os.environ.get(QUIET, "").strip().lower() not in ("", "0", "false")


def bar(iterable, **options):
    """``iterable``, wrapped in tqdm's bar (``tqdm.auto``) unless :func:`quiet`.

    ``options`` go to tqdm (``desc``, ``leave``, ...). Pass it as ``fit(..., progress=bar)``.
    """
    from tqdm.auto import tqdm

    # No monitor thread: it only nudges bars that stall, and Pyodide (the book's live edition)
    # cannot start threads, so there tqdm would print a warning into the chapter.
    tqdm.monitor_interval = 0
    return tqdm(iterable, disable=quiet(), **options)
