"""The first cell of every chapter: notebooks/setup_cell.py.

It must be the same in every chapter and workbook chapter, do nothing where the course's
distribution (backprop-from-scratch) is installed (make lab, Binder, the book build, nbval),
install the release the book was built from where it is not (Colab), install from the site's
own files in the book's live edition (Pyodide, where there is no subprocess and the install is
awaited), and never hide a failed install.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.metadata
import importlib.util
import re
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


class Piplite:
    """Stands in for Pyodide's piplite: records what is installed, then it is there."""

    def __init__(self, installed: dict):
        self.calls = []
        self.installed = installed

    async def install(self, requirements):
        self.calls.append(requirements)
        self.installed["backprop-from-scratch"] = "0.0.browser"


def run_setup_cell(monkeypatch, *, installed: str | None, run: Recorder,
                   platform: str = "linux", piplite: Piplite | None = None) -> dict:
    """Run the cell with ``installed`` as the version of backprop-from-scratch (None: absent),
    as IPython runs a cell holding ``await``: compiled to a coroutine, run to its end."""
    versions = {} if installed is None else {"backprop-from-scratch": installed}
    if piplite is not None:
        piplite.installed = versions
        monkeypatch.setitem(sys.modules, "piplite", piplite)

    def version(name):
        if name in versions:
            return versions[name]
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(sys, "platform", platform)
    namespace: dict = {"__name__": "__main__"}
    code = compile(setup_code(), str(SETUP_CELL), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)
    if result is not None:
        asyncio.run(result)
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


def test_in_the_browser_it_installs_from_the_site_and_says_so(monkeypatch, capsys):
    # The live edition: Pyodide reports "emscripten"; piplite reads the site's own wheels.
    run, piplite = Recorder(), Piplite({})
    run_setup_cell(monkeypatch, installed=None, run=run, platform="emscripten", piplite=piplite)
    assert run.calls == [], "no subprocess in the browser"
    assert piplite.calls == [["backprop-from-scratch", "ipywidgets", "matplotlib", "tqdm"]]
    out = capsys.readouterr().out
    assert out.startswith("Installed autograd_lib 0.0.browser from this site.")
    assert "File > Download" in out


def test_in_the_browser_a_second_run_installs_nothing(monkeypatch, capsys):
    run, piplite = Recorder(), Piplite({})
    run_setup_cell(monkeypatch, installed=autograd_lib.__version__, run=run, platform="emscripten",
                   piplite=piplite)
    assert run.calls == [] and piplite.calls == []
    assert capsys.readouterr().out == ""


def test_what_the_browser_installs_is_what_the_site_ships():
    # Every name the cell asks piplite for is a wheel of the site (book/lite/sources.toml, and
    # autograd_lib's own, built by scripts/build_lite.py) or a package of its Pyodide.
    from packaging.utils import canonicalize_name

    sources = tomllib.loads((ROOT / "book" / "lite" / "sources.toml").read_text(encoding="utf-8"))
    asked = ast.literal_eval(re.search(r"piplite\.install\((\[.*?\])\)", setup_code()).group(1))
    wheels = {canonicalize_name(f.split("-")[0]) for f in sources["wheels"]} | {"backprop-from-scratch"}
    pyodide = {canonicalize_name(n) for n in sources["pyodide"]["ship"]["packages"]}
    assert {canonicalize_name(n) for n in asked} <= wheels | pyodide
