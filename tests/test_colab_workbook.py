"""Every workbook chapter runs top to bottom on Google Colab's versions (see test_colab.py),
raising nothing, its unwritten tasks standing in with the library's pieces: what "Workbook on
Colab" opens."""

from __future__ import annotations

import pytest

from autograd_lib.course.workbook import task_cells

from .course.running import errors, stand_in_note, text_of
from .other_environments import COLAB, ROOT, run_in

pytestmark = pytest.mark.slow(seconds=60)

WORKBOOK = sorted((ROOT / "workbook").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return run_in(COLAB, tmp_path_factory.mktemp("colab") / "workbook", WORKBOOK)


@pytest.mark.parametrize("name", [p.name for p in WORKBOOK])
def test_each_workbook_chapter_runs_with_its_tasks_unwritten(workbook, name):
    nb = workbook[name]
    assert errors(nb) == {}
    for task_id, c in task_cells(nb).items():
        assert stand_in_note(task_id) in text_of(c).splitlines(), task_id
