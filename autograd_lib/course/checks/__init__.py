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

The checks live in one module per chapter (``ch1`` ... ``ch7``), on a shared ``core``: tasks and
verdicts, running the reader's code, comparing numbers, hints. A VJP task's cases and known
mistakes come from its op's spec, ``autograd_lib/course/op_specs.py``.
"""

from __future__ import annotations

from . import ch1, ch2, ch3, ch4, ch5, ch6, ch7
from .ch3 import check_rule
from .core import (LADDERS, TASKS, Failed, NotWritten, Task, Verdict, check, hint, library_pieces,
                   pieces_in_use, run_check, task, unwrapped, use, use_library, whose_code)

for _chapter in (ch1, ch2, ch3, ch4, ch5, ch6, ch7):
    TASKS.update((t.id, t) for t in _chapter.TASKS)
    LADDERS.update(_chapter.LADDERS)

__all__ = ["TASKS", "LADDERS", "Task", "Verdict", "Failed", "NotWritten", "check", "check_rule",
           "hint", "task", "run_check", "use", "use_library", "unwrapped", "whose_code",
           "pieces_in_use", "library_pieces"]
