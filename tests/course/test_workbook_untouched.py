"""An untouched workbook, run top to bottom as "Run All" runs it: no cell raises; each task cell
says its task is not written yet and shows the library's result instead, and every check cell
says that its task is not written yet.

It runs where most readers open it, in Binder's environment (.binder-venv, see
tests/test_binder.py); Colab's runs it too (tests/test_colab.py), and the solved workbook runs in
this one (test_workbook_solved.py).
"""

from __future__ import annotations

import pytest

from autograd_lib.course.checks import TASKS
from autograd_lib.course.workbook import task_cells

from ..other_environments import BINDER, run_in
from .running import CHAPTERS, WORKBOOK, cell, errors, stand_in_note, text_of

pytestmark = pytest.mark.slow(seconds=60)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("untouched")
    return run_in(BINDER, folder, [WORKBOOK / name for name in CHAPTERS])


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_cell_raises_and_each_task_cell_says_the_librarys_piece_ran(runs, name):
    nb = runs[name]
    assert errors(nb) == {}
    for task_id, c in task_cells(nb).items():
        assert stand_in_note(task_id) in text_of(c).splitlines(), task_id


@pytest.mark.parametrize("task_id", list(TASKS))
def test_each_check_says_its_task_is_not_written_yet(runs, task_id):
    nb = runs[f"{TASKS[task_id].chapter}.ipynb"]
    check = next(c for c in nb.cells if c.source.endswith(f'check("{task_id}", {TASKS[task_id].name})'))
    assert text_of(check).splitlines() == [
        f"Task {task_id} {TASKS[task_id].name}: not written yet (it raises NotImplementedError).",
        "  Write its body in the task cell above, run that cell, then this one.",
        f"  Not plugged in: until it passes, the library's {TASKS[task_id].name} is used.",
    ]


def test_chapter_5_says_that_no_piece_is_yours_yet(runs):
    nb = runs["05_xor.ipynb"]
    gathered = text_of(cell(nb, "191de0a0"))
    assert "0 of 10 pieces are yours." in gathered
    assert gathered.count("the library's  yours: not written") == 10
    assert "Yours (0 of 12): none yet.\nThe library's: zero_grad, he_init," in text_of(cell(nb, "7aecde9a"))


def test_chapters_6_and_7_say_that_no_earlier_piece_is_yours_yet(runs):
    assert "0 of 12 pieces are yours." in text_of(cell(runs["06_optimisers.ipynb"], "whose-06"))
    assert "0 of 15 pieces are yours." in text_of(cell(runs["07_digits.ipynb"], "whose-07"))


def test_chapter_7_still_trains_on_the_librarys_pieces(runs):
    text = text_of(cell(runs["07_digits.ipynb"], "final"))
    assert "test accuracy: 99.16% (356 of 359)" in text
