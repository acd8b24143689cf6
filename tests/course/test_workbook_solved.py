"""The workbook with every task solved: every check passes, and chapter 5 trains XOR on the
reader's own library and prints the book's table. And one planted mistake, as a reader makes it."""

from __future__ import annotations

import pytest

import nbformat

from autograd_lib.course.checks import TASKS
from autograd_lib.course.workbook import task_cells

from .running import CHAPTERS, NOTEBOOKS, WORKBOOK, cell, errors, execute, text_of

pytestmark = pytest.mark.slow(seconds=60)


def solve(folder, name, answers=None):
    """Write the workbook chapter ``name`` into ``folder`` with each task's solution filled in
    from the complete chapter, or from ``answers[task id]`` where given."""
    work = nbformat.read(WORKBOOK / name, as_version=4)
    book = task_cells(nbformat.read(NOTEBOOKS / name, as_version=4))
    for task_id, c in task_cells(work).items():
        c.source = (answers or {}).get(task_id, book[task_id].source)
    nbformat.write(work, folder / name)
    return folder / name


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("solved")
    paths = [solve(folder, name) for name in CHAPTERS]
    return {p.name: execute(p) for p in paths}


@pytest.mark.parametrize("name", CHAPTERS)
def test_a_solved_workbook_runs_without_an_error(runs, name):
    assert errors(runs[name]) == {}


@pytest.mark.parametrize("task_id", list(TASKS))
def test_every_check_passes_and_plugs_the_piece_in(runs, task_id):
    nb = runs[f"{TASKS[task_id].chapter}.ipynb"]
    check = next(c for c in nb.cells if c.source.endswith(f'check("{task_id}", {TASKS[task_id].name})'))
    text = text_of(check)
    assert text.startswith(f"Task {task_id} {TASKS[task_id].name}: passed.\n")
    assert "Plugged in: from here on" in text


def test_chapter_5_trains_on_the_readers_library_and_prints_the_books_table(runs):
    nb = runs["05_xor.ipynb"]
    assert "10 of 10 pieces are yours." in text_of(cell(nb, "191de0a0"))
    book = nbformat.read(NOTEBOOKS / "05_xor.ipynb", as_version=4)
    theirs, ours = text_of(cell(nb, "7aecde9a")), text_of(cell(book, "7aecde9a"))
    assert "Yours (12 of 12)" in theirs and "The library's: none." in theirs
    assert "500     0.002089    4/4" in ours
    assert theirs == ours


RELU_AS_MAX = '''
def relu_vjp(entry, dout):
    return (np.maximum(dout, 0),)
'''


def test_a_planted_relu_mistake_is_named_and_the_chapter_goes_on(tmp_path):
    nb = execute(solve(tmp_path, "03_vjps.ipynb", {"3.3": RELU_AS_MAX}))
    check = text_of(cell(nb, "check-3-3"))
    assert check.startswith("Task 3.3 relu_vjp: failed.\n  Case: batch 1: x (1, 4), dout (1, 4).")
    assert "Likely mistake: your dx is max(dout, 0): that applies relu to the gradient." in check
    assert "Not plugged in: until it passes, the library's relu_vjp is used." in check
    assert errors(nb) == {}


def test_chapters_6_and_7_gather_every_earlier_piece_of_the_reader(runs):
    assert "12 of 12 pieces are yours." in text_of(cell(runs["06_optimisers.ipynb"], "whose-06"))
    assert "15 of 15 pieces are yours." in text_of(cell(runs["07_digits.ipynb"], "whose-07"))


def test_chapter_7_trains_the_digits_on_the_readers_pieces_to_the_books_test_accuracy(runs):
    nb = runs["07_digits.ipynb"]
    book = nbformat.read(NOTEBOOKS / "07_digits.ipynb", as_version=4)
    theirs, ours = text_of(cell(nb, "final")), text_of(cell(book, "final"))
    assert "test accuracy: 99.16% (356 of 359)" in ours
    assert theirs == ours


def test_chapter_6_steps_with_the_readers_updates_to_the_books_numbers(runs):
    nb = runs["06_optimisers.ipynb"]
    book = nbformat.read(NOTEBOOKS / "06_optimisers.ipynb", as_version=4)
    for cell_id in ("paths", "decay-adam", "moons-train"):
        assert text_of(cell(nb, cell_id)) == text_of(cell(book, cell_id))
