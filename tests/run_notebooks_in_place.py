"""Run notebooks top to bottom, errors allowed, and save them with their outputs.

Usage: python tests/run_notebooks_in_place.py NOTEBOOK...

Run by the Python of another environment (.colab-venv, .binder-venv), so it needs only
nbclient and nbformat there; the tests then read the saved notebooks.
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

for name in sys.argv[1:]:
    path = Path(name)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
