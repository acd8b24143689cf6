"""What the Binder button opens: repo2docker's Notebook 7.4.7 and JupyterLab, binder/postBuild
on top, and the workbook chapters running there.

.binder-venv is built by the Makefile the way Binder builds its image (tests/binder_base.txt
stands for repo2docker's own environment), so pip's verdict on it is Binder's.
"""

from __future__ import annotations

import subprocess

import pytest

from autograd_lib.course.checks import TASKS
from autograd_lib.course.workbook import task_cells

from .other_environments import BINDER, ROOT, python_of, python_says, run_in
from .course.running import errors

WORKBOOK = sorted((ROOT / "workbook").glob("[0-9][0-9]_*.ipynb"))


def test_pip_check_is_clean():
    done = subprocess.run([str(python_of(BINDER)), "-m", "pip", "check"], capture_output=True,
                          text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "No broken requirements found.")


def test_the_reader_gets_binders_jupyter_and_the_courses_pins_without_the_book_tools():
    found = python_says(BINDER, """
import importlib.metadata as m
for name in ["notebook", "jupyterlab", "ipywidgets", "backprop-from-scratch", "jupyter-book",
             "sphinx"]:
    try:
        print(name, m.version(name))
    except m.PackageNotFoundError:
        print(name, "-")
""").splitlines()
    versions = dict(line.split() for line in found)
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line)
    assert versions["notebook"] == "7.4.7"
    assert tuple(int(x) for x in versions["jupyterlab"].split(".")[:2]) < (4, 5)
    assert versions["ipywidgets"] == pins["ipywidgets"]
    assert versions["jupyter-book"] == versions["sphinx"] == "-"
    assert versions["backprop-from-scratch"] != "-"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return run_in(BINDER, tmp_path_factory.mktemp("binder") / "workbook", WORKBOOK)


@pytest.mark.parametrize("name", [p.name for p in WORKBOOK])
def test_each_workbook_chapter_runs_on_binder_with_only_its_tasks_unwritten(workbook, name):
    nb = workbook[name]
    expected = {c.id: f"NotImplementedError: Task {t} {TASKS[t].name} is not written yet"
                for t, c in task_cells(nb).items()}
    assert errors(nb) == expected
