"""Gather a reader's pieces from their chapter notebooks, check each, and plug in those that pass.

Each chapter runs in a kernel of its own, so the functions a reader wrote in chapters 1 to 4
are not in chapter 5's kernel. :func:`gather` reads them from the saved notebooks next to it:
from each task cell it runs only the definitions (with the imports of that notebook), checks
each function exactly as its check cell did, plugs in those that pass and keeps the library's
piece for the rest. It prints which is which, so a reader always knows whose code runs.

The notebooks are read as plain JSON: nbformat needs a compiled package (``rpds-py``, through
``jsonschema``) that Pyodide, which runs the book's live edition, does not have.
"""

from __future__ import annotations

import ast
import json
import linecache
from dataclasses import dataclass
from pathlib import Path

from .checks import TASKS, run_check, use, use_library
from .workbook import task_cells


@dataclass
class Gathered:
    """One row of :func:`gather`'s table: a task, whose piece is in use, and why."""

    task: object
    yours: bool
    why: str


def gather(folder=None, chapters=("01_tensors", "02_tape", "03_vjps", "04_gradient_check")):
    """Plug in the reader's pieces from ``chapters``, read from the notebooks in ``folder``.

    ``folder`` defaults to the working directory, which in Jupyter is the notebook's own.
    Prints a table of every task and returns its rows (``Gathered``).
    """
    folder = Path.cwd() if folder is None else Path(folder)
    rows = []
    for task in TASKS.values():
        if task.chapter not in chapters:
            continue
        path = folder / f"{task.chapter}.ipynb"
        try:
            fn = load_task(path, task)
        except (OSError, LookupError, SyntaxError) as problem:
            use_library(task.id)
            rows.append(Gathered(task, False, str(problem)))
            continue
        verdict = run_check(task.id, fn)
        if verdict.passed:
            use(task.id, fn)
            rows.append(Gathered(task, True, "passed its check"))
        else:
            use_library(task.id)
            detail = f": {verdict.case}" if verdict.case else ""
            rows.append(Gathered(task, False, f"yours: {verdict.status}{detail}"))
    print(table(rows, folder))
    return rows


def table(rows, folder):
    lines = [f"Your pieces from the chapters in {folder.name or folder}/:",
             f"  {'task':<6}{'piece':<18}{'in use':<15}why"]
    for row in rows:
        who = "yours" if row.yours else "the library's"
        why = row.why if len(row.why) <= 38 else row.why[:35] + "..."
        lines.append(f"  {row.task.id:<6}{row.task.name:<18}{who:<15}{why}")
    mine = sum(row.yours for row in rows)
    lines.append(f"{mine} of {len(rows)} pieces are yours." + (
        "" if mine == len(rows) else " Fix the others in their chapters (run each check cell "
        "there to see what is wrong), save, and run this cell again."))
    return "\n".join(lines)


def load_task(path, task):
    """The reader's function for ``task``, defined from its task cell in the notebook ``path``.

    Runs the notebook's import statements and the task cell's definitions (not its demo
    lines), in a namespace of their own that also names every other piece.
    """
    if not path.exists():
        raise FileNotFoundError(f"no {path.name} next to this notebook")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise LookupError(f"{path.name} is not a notebook that can be read") from None
    cell = task_cells(nb).get(task.id)
    if cell is None:
        raise LookupError(f"no task {task.id} cell in {path.name}")
    # The other pieces by name, as the chapter's kernel has them after its check cells: a task
    # that calls an earlier one (train_step calls sgd_step, adamw_update calls adam_update)
    # gets the piece in use, the reader's if it passed.
    namespace = {"__name__": f"{path.stem}_task_{task.id.replace('.', '_')}",
                 **{t.name: t.piece for t in TASKS.values() if t.name != task.name}}
    imports = [node for c in nb["cells"] if c["cell_type"] == "code"
               for node in _statements(_text(c)) if isinstance(node, (ast.Import, ast.ImportFrom))]
    exec(compile(ast.Module(imports, []), path.name, "exec"), namespace)
    filename = f"<{path.name}, task {task.id}>"
    source = _text(cell)
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as error:
        raise SyntaxError(f"task {task.id} in {path.name} has a syntax error, line {error.lineno}") from None
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    definitions = [node for node in tree.body
                   if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))]
    exec(compile(ast.Module(definitions, []), filename, "exec"), namespace)
    if task.name not in namespace:
        raise LookupError(f"task {task.id} in {path.name} defines no {task.name}")
    return namespace[task.name]


def _text(cell):
    """A cell's source: the file stores it as one string or as a list of lines."""
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _statements(source):
    try:
        return ast.parse(source).body
    except SyntaxError:  # a cell with IPython magics, say: it holds no imports we need
        return []
