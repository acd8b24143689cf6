"""Running notebooks from the tests: a kernel per notebook, in the notebook's own folder."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
WORKBOOK = ROOT / "workbook"
CHAPTERS = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` top to bottom, errors allowed, and return it with outputs."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def text_of(cell) -> str:
    """Everything a code cell printed, as one string (errors as 'ename: evalue')."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        elif "text/plain" in out.get("data", {}):
            parts.append(out.data["text/plain"])
    return "".join(parts)


def errors(nb) -> dict:
    """``{cell id: 'ename: evalue'}`` for every cell that raised."""
    return {c.id: f"{o.ename}: {o.evalue}" for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"}


def cell(nb, cell_id):
    return next(c for c in nb.cells if c.id == cell_id)


def stand_in_note(task_id) -> str:
    """What an unwritten task's cell prints when it tries its function (checks.task)."""
    from autograd_lib.course.checks import TASKS

    name = TASKS[task_id].name
    return f"(Task {task_id}: {name} is not written yet, so the library's {name} ran here.)"
