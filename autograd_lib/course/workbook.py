"""The reader's edition of the chapters: every task's solution replaced by a stub.

The chapter notebooks in ``notebooks/`` are the one, complete source. A task cell carries
``"task": "<id>"`` in its metadata, and the lines a reader writes sit between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the nbgrader convention). The workbook
edition of a chapter is the same notebook with

* each solution region replaced by a stub that raises ``NotImplementedError`` naming the task,
* the exercises' solution cells (tagged ``solution``) and the cells that only make sense in the
  book (tagged ``book-only``) removed, the exercises' answer cells kept,
* every output and execution count cleared, and a note on how to work through it at the top.

Cell ids stay those of the complete edition. ``python -m autograd_lib.course.workbook make .``
(``make workbook``) first writes ``notebooks/setup_cell.py``, with the release set to
``autograd_lib.__version__`` (the one place the version is written by hand), into the first code
cell of every chapter, then ``workbook/NN_*.ipynb`` from ``notebooks/NN_*.ipynb``. ``... start``
(``make lab``) copies them into the reader's own folder without overwriting their work.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CHAPTER_PATTERN = "[0-9][0-9]_*.ipynb"


def solution_regions(source):
    """``[(begin, end)]`` line numbers (0-based, markers included) of every solution region."""
    regions, start = [], None
    for i, line in enumerate(source.splitlines()):
        stripped = line.strip()
        if stripped == BEGIN:
            if start is not None:
                raise ValueError(f"line {i + 1}: {BEGIN} inside another solution region")
            start = i
        elif stripped == END:
            if start is None:
                raise ValueError(f"line {i + 1}: {END} without a {BEGIN}")
            regions.append((start, i))
            start = None
    if start is not None:
        raise ValueError(f"line {start + 1}: {BEGIN} is never closed")
    return regions


def stub_source(source, task_id, name):
    """``source`` with each solution region replaced by the task's stub, at the region's indent."""
    lines = source.splitlines()
    out, last = [], 0
    for begin, end in solution_regions(source):
        indent = re.match(r"\s*", lines[begin]).group(0)
        out += lines[last:begin]
        out += [f"{indent}# Task {task_id}: your code here, in place of the next line.",
                f'{indent}raise NotImplementedError("Task {task_id} {name} is not written yet")']
        last = end + 1
    return "\n".join(out + lines[last:])


def without_markers(source):
    """``source`` as the library has it: the complete code, marker lines removed."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))


def task_function(source, name):
    """The ``def name`` statement of a task cell's source, as an AST node."""
    for node in ast.parse(without_markers(source)).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise LookupError(f"no `def {name}` at the top level of the task cell")


def task_cells(nb):
    """``{task id: cell}`` for every task cell of a notebook (nbformat's, or plain JSON)."""
    return {c["metadata"]["task"]: c for c in nb["cells"] if "task" in c["metadata"]}


def intro_cell(nbformat, stem, tasks):
    named = ", ".join(f"**Task {t.id}** `{t.name}`" for t in tasks)
    paragraphs = [
        f"**Workbook edition.** Your tasks in this chapter: {named}. Each task cell holds a "
        "function whose body is a line that raises `NotImplementedError`: replace that line "
        "with your code and run the cell (its last lines try your function), then run the "
        "check cell under it. The check says what is right, or what is wrong and where; once "
        "your function passes, it is plugged into `autograd_lib` and the rest of the chapter "
        "runs on it. Until then the chapter uses the library's own: where your function is "
        "not written yet, or raises, the task cell says so and shows the library's result, so "
        "you can read on, or Run All, past a task you have not done.",
        "Stuck? A failed check names the mistake it recognises, and "
        f'`hint("{tasks[0].id}")` (with your task\'s number) says more, one step at a time: what to '
        "think about, then the math with its shapes, and only when you ask a third time, the code.",
        "Exercises have an empty cell for your answer. The complete chapter, with every "
        f"solution, is [the book's edition](../notebooks/{stem}.ipynb).",
    ]
    cell = nbformat.v4.new_markdown_cell("\n\n".join(textwrap.fill(p, 100) for p in paragraphs))
    cell.id = f"workbook-{stem[:2]}"
    return cell


def workbook_edition(nb, stem):
    """The reader's edition of the complete chapter ``nb`` (not modified)."""
    import copy

    import nbformat

    from .checks import TASKS

    book = copy.deepcopy(nb)
    cells = []
    for cell in book.cells:
        tags = cell.metadata.get("tags", [])
        if "solution" in tags or "book-only" in tags:
            continue
        task_id = cell.metadata.get("task")
        if task_id is not None:
            cell.source = stub_source(cell.source, task_id, TASKS[task_id].name)
        elif BEGIN in cell.source:
            raise ValueError(f"{stem}: cell {cell.id} has a solution region but no task metadata")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for book_only in ("execution", "jupyter", "mystnb"):
            cell.metadata.pop(book_only, None)
        cells.append(cell)
    title = next(i for i, c in enumerate(cells) if c.cell_type == "markdown")
    tasks = [TASKS[c.metadata["task"]] for c in cells if "task" in c.metadata]
    cells.insert(title + 1, intro_cell(nbformat, stem, tasks))
    book.cells = cells
    book.metadata.pop("widgets", None)
    return book


RELEASE_LINE = re.compile(r'^RELEASE = "[^"]*"$', re.M)


def sync_setup_cells(source_dir):
    """Set the setup cell's release to this version and make it every chapter's first code cell.

    Returns the chapters that changed. The cell is the file's text without its final newline.
    """
    import nbformat

    from .. import __version__

    setup = Path(source_dir) / "setup_cell.py"
    text, found = RELEASE_LINE.subn(f'RELEASE = "{__version__}"', setup.read_text())
    if found != 1:
        raise ValueError(f"{setup}: expected one line RELEASE = \"...\", found {found}")
    setup.write_text(text)
    changed = []
    for path in sorted(Path(source_dir).glob(CHAPTER_PATTERN)):
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        if first.source != text.rstrip("\n"):
            first.source = text.rstrip("\n")
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def make_workbook(source_dir, out_dir):
    """Write the workbook edition of every chapter in ``source_dir`` to ``out_dir``."""
    import nbformat

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(Path(source_dir).glob(CHAPTER_PATTERN)):
        nb = nbformat.read(path, as_version=4)
        target = out_dir / path.name
        nbformat.write(workbook_edition(nb, path.stem), target)
        written.append(target)
    return written


def start_work(workbook_dir, work_dir):
    """Copy each workbook chapter that ``work_dir`` does not have yet; never overwrite one."""
    import shutil

    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    copied = []
    for path in sorted(Path(workbook_dir).glob(CHAPTER_PATTERN)):
        if not (work_dir / path.name).exists():
            shutil.copy(path, work_dir / path.name)
            copied.append(work_dir / path.name)
    return copied


USAGE = """usage: python -m autograd_lib.course.workbook make ROOT
       python -m autograd_lib.course.workbook start ROOT WORK_DIR

make   sets the setup cell of ROOT/notebooks/NN_*.ipynb to notebooks/setup_cell.py at this
       version, then writes ROOT/workbook/NN_*.ipynb from them
start  copies the workbook chapters that WORK_DIR lacks into it, never overwriting one"""


def main(argv):
    if len(argv) == 2 and argv[0] == "make":
        root = Path(argv[1])
        for chapter in sync_setup_cells(root / "notebooks"):
            print(f"updated the setup cell of {chapter}")
        for target in make_workbook(root / "notebooks", root / "workbook"):
            print(f"wrote {target}")
    elif len(argv) == 3 and argv[0] == "start":
        root, work = Path(argv[1]), Path(argv[2])
        copied = start_work(root / "workbook", work)
        print(f"Your work is in {work}/: " + (f"copied {', '.join(p.name for p in copied)} from the workbook."
                                              if copied else "every chapter is there already, none was touched."))
    else:
        print(USAGE, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
