"""Execute chapter notebooks in place, so their stored outputs are those of the current library.

Usage: python scripts/run_notebooks.py [notebooks/NN_name.ipynb ...]   (default: every chapter)

nbval compares each run with these stored outputs, so run this after changing the library or a
chapter. Per-cell execution timestamps are dropped to keep diffs to what changed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
# The stored outputs hold no progress bar, as the book's and nbval's runs make none.
os.environ["TQDM_DISABLE"] = "1"


def run(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print(f"executed {path.name}")


if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for p in paths:
        run(p)
