"""Every workbook chapter runs top to bottom on Google Colab's versions (see test_colab.py),
raising only its tasks' NotImplementedError: what "Workbook on Colab" opens."""

from __future__ import annotations

import pytest

from autograd_lib.course.checks import TASKS
from autograd_lib.course.workbook import task_cells

from .course.running import errors
from .other_environments import COLAB, ROOT, run_in

WORKBOOK = sorted((ROOT / "workbook").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return run_in(COLAB, tmp_path_factory.mktemp("colab") / "workbook", WORKBOOK)


@pytest.mark.parametrize("name", [p.name for p in WORKBOOK])
def test_each_workbook_chapter_runs_with_only_its_tasks_unwritten(workbook, name):
    nb = workbook[name]
    expected = {c.id: f"NotImplementedError: Task {t} {TASKS[t].name} is not written yet"
                for t, c in task_cells(nb).items()}
    assert errors(nb) == expected
