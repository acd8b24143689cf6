"""The first cell of every chapter: notebooks/setup_cell.py.

It must be the same in every chapter, do nothing where autograd_lib is importable (make lab,
Binder, the book build, nbval), install exactly the course package from the repository and
branch the launch buttons open where it is not (Colab), and never hide a failed install.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETUP_CELL = ROOT / "notebooks" / "setup_cell.py"
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def setup_code() -> str:
    # A notebook cell holds the file's text without the file's final newline.
    return SETUP_CELL.read_text(encoding="utf-8").rstrip("\n")


def expected_requirement() -> str:
    """The pip requirement the cell must install: this project, from _config.yml's repository."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    name = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    return f"{name} @ git+{repo['url']}@{repo['branch']}"


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks/NN_*.ipynb found: the setup-cell check has nothing to check"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_first_code_cell_is_the_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells, f"{path.name} has no code cell"
    assert code_cells[0].source.rstrip("\n") == setup_code(), (
        f"the first code cell of {path.name} differs from notebooks/setup_cell.py; "
        "copy it again (CONTRIBUTING.md, 'The setup cell')"
    )
    # The book is static and shows nothing for it to do; the notebook keeps it for Colab.
    assert "remove-cell" in code_cells[0].metadata.get("tags", [])


class Recorder:
    """Stands in for subprocess.run and records every call."""

    def __init__(self, error: Exception | None = None):
        self.calls = []
        self.error = error

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        if self.error is not None:
            raise self.error
        return subprocess.CompletedProcess(args[0] if args else kwargs.get("args"), 0)


def run_setup_cell(monkeypatch, *, importable: bool, run: Recorder) -> dict:
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name == "autograd_lib" and not importable:
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(subprocess, "run", run)
    namespace: dict = {"__name__": "__main__"}
    exec(compile(setup_code(), str(SETUP_CELL), "exec"), namespace)
    return namespace


def test_the_requirement_is_the_repository_and_branch_of_the_launch_buttons():
    assert expected_requirement() in setup_code()


def test_does_nothing_where_autograd_lib_is_importable(monkeypatch, capsys):
    assert importlib.util.find_spec("autograd_lib") is not None
    run = Recorder()
    run_setup_cell(monkeypatch, importable=True, run=run)
    assert run.calls == []
    assert capsys.readouterr().out == "", "the cell must print nothing (nbval compares outputs)"


def test_installs_the_course_package_where_autograd_lib_is_missing(monkeypatch, capsys):
    run = Recorder()
    run_setup_cell(monkeypatch, importable=False, run=run)
    assert run.calls == [(
        ([sys.executable, "-m", "pip", "install", "--quiet", expected_requirement()],),
        {"check": True},
    )]
    assert "installing" in capsys.readouterr().out


def test_a_failed_install_is_not_hidden(monkeypatch):
    command = [sys.executable, "-m", "pip", "install"]
    run = Recorder(error=subprocess.CalledProcessError(1, command))
    with pytest.raises(subprocess.CalledProcessError):
        run_setup_cell(monkeypatch, importable=False, run=run)
    assert len(run.calls) == 1
