"""The first cell of every chapter: notebooks/setup_cell.py.

It must be the same in every chapter and workbook chapter, do nothing where the course's
distribution (backprop-from-scratch) is installed (make lab, Binder, the book build, nbval),
install the release the book was built from where it is not (Colab), and never hide a failed
install.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

import autograd_lib

ROOT = Path(__file__).resolve().parent.parent
SETUP_CELL = ROOT / "notebooks" / "setup_cell.py"
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (ROOT / "workbook").glob("[0-9][0-9]_*.ipynb"))


def setup_code() -> str:
    # A notebook cell holds the file's text without the file's final newline.
    return SETUP_CELL.read_text(encoding="utf-8").rstrip("\n")


def expected_requirement() -> str:
    """The pip requirement the cell must install: this project's release, from _config.yml's
    repository, at the tag of the version the book was built from (shown in its footer)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return f"{project['name']} @ git+{config['repository']['url']}@v{autograd_lib.__version__}"


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks/NN_*.ipynb found: the setup-cell check has nothing to check"


@pytest.mark.parametrize("path", CHAPTERS, ids=[f"{p.parent.name}/{p.name}" for p in CHAPTERS])
def test_first_code_cell_is_the_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells, f"{path.name} has no code cell"
    assert code_cells[0].source.rstrip("\n") == setup_code(), (
        f"the first code cell of {path.name} differs from notebooks/setup_cell.py; "
        "run `make workbook`, which copies it into every chapter"
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


def run_setup_cell(monkeypatch, *, installed: str | None, run: Recorder) -> dict:
    """Run the cell with ``installed`` as the version of backprop-from-scratch (None: absent)."""
    def version(name):
        if name == "backprop-from-scratch" and installed is not None:
            return installed
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(subprocess, "run", run)
    namespace: dict = {"__name__": "__main__"}
    exec(compile(setup_code(), str(SETUP_CELL), "exec"), namespace)
    return namespace


def test_the_release_is_the_version_the_book_was_built_from():
    assert f'RELEASE = "{autograd_lib.__version__}"' in setup_code(), \
        "run `make workbook`: it writes the library's version into the setup cell"


def test_does_nothing_where_the_course_release_is_installed(monkeypatch, capsys):
    run = Recorder()
    run_setup_cell(monkeypatch, installed=autograd_lib.__version__, run=run)
    assert run.calls == []
    assert capsys.readouterr().out == "", "the cell must print nothing (nbval compares outputs)"


def test_installs_the_course_release_where_it_is_missing(monkeypatch, capsys):
    run = Recorder()
    run_setup_cell(monkeypatch, installed=None, run=run)
    assert run.calls == [(
        ([sys.executable, "-m", "pip", "install", "--quiet", expected_requirement()],),
        {"check": True},
    )]
    assert "Installing the course's autograd_lib" in capsys.readouterr().out


def test_the_unrelated_autograd_lib_on_pypi_does_not_count(monkeypatch):
    # "autograd-lib" also installs a top-level autograd_lib; only our distribution counts.
    assert importlib.util.find_spec("autograd_lib") is not None
    run = Recorder()
    run_setup_cell(monkeypatch, installed=None, run=run)
    assert len(run.calls) == 1


def test_another_version_of_the_course_is_named_not_replaced(monkeypatch, capsys):
    run = Recorder()
    run_setup_cell(monkeypatch, installed="0.1.0", run=run)
    assert run.calls == []
    assert "autograd_lib 0.1.0 is installed; this chapter was written for" in capsys.readouterr().out


def test_a_failed_install_is_not_hidden(monkeypatch):
    command = [sys.executable, "-m", "pip", "install"]
    run = Recorder(error=subprocess.CalledProcessError(1, command))
    with pytest.raises(subprocess.CalledProcessError):
        run_setup_cell(monkeypatch, installed=None, run=run)
    assert len(run.calls) == 1
