"""The course's notebooks run in the environments readers really have: Colab's and Binder's.

The Makefile builds each once (.colab-venv, .binder-venv) and reuses it; these helpers copy
notebooks into a temporary folder, run them with that environment's Python, and read them back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
COLAB = ROOT / ".colab-venv"
BINDER = ROOT / ".binder-venv"
RUNNER = ROOT / "tests" / "run_notebooks_in_place.py"


def python_of(env: Path) -> Path:
    python = env / "bin" / "python"
    if not python.exists():
        pytest.fail(f"no {env.name}: `make test` builds it (see the Makefile)")
    return python


def run_in(env: Path, folder: Path, sources: list[Path]) -> dict:
    """Copy ``sources`` into ``folder``, run them all with ``env``'s Python, return them by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for source in sources:
        shutil.copy(source, folder / source.name)
        paths.append(folder / source.name)
    environ = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", "MPLBACKEND": "Agg"}
    environ.pop("PYTHONPATH", None)
    subprocess.run([str(python_of(env)), str(RUNNER), *map(str, paths)], check=True,
                   env=environ, cwd=folder, capture_output=True, timeout=1200)
    return {p.name: nbformat.read(p, as_version=4) for p in paths}


def python_says(env: Path, code: str) -> str:
    done = subprocess.run([str(python_of(env)), "-c", code], check=True, capture_output=True,
                          text=True, cwd=ROOT.parent)
    return done.stdout.strip()
