"""The workbook: the reader's edition, made from the complete chapters and kept in step with them.

Every task cell of the complete chapters holds the library's own code (the same AST as the
function in autograd_lib), so the book, the workbook and the library cannot drift apart.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap

import nbformat
import pytest

from autograd_lib.course.checks import TASKS
from autograd_lib.course.workbook import (BEGIN, END, make_workbook, solution_regions, stub_source,
                                          sync_setup_cells, task_cells, task_function,
                                          without_markers)

from .running import CHAPTERS, NOTEBOOKS, WORKBOOK


def read(folder, name):
    return nbformat.read(folder / name, as_version=4)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("workbook")
    make_workbook(NOTEBOOKS, out)
    return out


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_committed_workbook_is_up_to_date(generated, name):
    committed = json.loads((WORKBOOK / name).read_text(encoding="utf-8"))
    fresh = json.loads((generated / name).read_text(encoding="utf-8"))
    assert committed == fresh, f"workbook/{name} is out of date: run `make workbook` and commit it"


def test_every_task_is_in_exactly_one_chapter_in_order():
    found = []
    for name in CHAPTERS:
        for task_id, c in task_cells(read(NOTEBOOKS, name)).items():
            assert TASKS[task_id].chapter == name[:-6], f"task {task_id} sits in {name}"
            found.append(task_id)
    assert found == list(TASKS), "the tasks must appear once each, in the order they are numbered"


@pytest.mark.parametrize("task_id", list(TASKS))
def test_each_solution_is_the_library_code(task_id):
    """The task cell's function, markers removed, is the library's function (same AST)."""
    task = TASKS[task_id]
    source = task_cells(read(NOTEBOOKS, f"{task.chapter}.ipynb"))[task_id].source
    in_book = task_function(source, task.name)
    # The book's function is marked as its task (checks.task); the library's may be pluggable.
    assert [ast.unparse(d) for d in in_book.decorator_list] == [f"task({task_id!r})"]
    library = ast.parse(textwrap.dedent(inspect.getsource(task.library))).body[0]
    in_book.decorator_list = library.decorator_list = []
    assert ast.dump(in_book) == ast.dump(library), (
        f"task {task_id}: the notebook's {task.name} differs from autograd_lib's; change both")
    assert solution_regions(source), f"task {task_id} has no {BEGIN} region"


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_line_of_a_solution_reaches_the_workbook(generated, name):
    book, work = read(NOTEBOOKS, name), read(generated, name)
    for task_id, c in task_cells(book).items():
        lines = c.source.splitlines()
        given = {l.strip() for i, l in enumerate(lines)
                 if not any(b <= i <= e for b, e in solution_regions(c.source))}
        hidden = {lines[i].strip() for b, e in solution_regions(c.source) for i in range(b, e + 1)}
        stub = {line.strip() for line in task_cells(work)[task_id].source.splitlines()}
        for line in hidden - given - {""}:
            assert line not in stub, f"task {task_id}: the workbook shows the solution line {line!r}"
    for c in work.cells:
        assert BEGIN not in c.source and END not in c.source
        assert "solution" not in c.metadata.get("tags", []) and "book-only" not in c.metadata.get("tags", [])


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_workbook_has_no_outputs_and_keeps_the_cell_ids(generated, name):
    book, work = read(NOTEBOOKS, name), read(generated, name)
    for c in work.cells:
        if c.cell_type == "code":
            assert c.outputs == [] and c.execution_count is None
    kept = [c.id for c in book.cells
            if not {"solution", "book-only"} & set(c.metadata.get("tags", []))]
    assert [c.id for c in work.cells if not c.id.startswith("workbook-")] == kept
    assert "widgets" not in work.metadata


@pytest.mark.parametrize("name", CHAPTERS)
def test_each_exercise_keeps_an_answer_cell_and_loses_its_solution(generated, name):
    book, work = read(NOTEBOOKS, name), read(generated, name)
    answers = [c.id for c in book.cells if "answer" in c.metadata.get("tags", [])]
    solutions = [c.id for c in book.cells if "solution" in c.metadata.get("tags", [])]
    assert answers and solutions
    assert set(answers) <= {c.id for c in work.cells}
    assert not set(solutions) & {c.id for c in work.cells}


def test_solutions_are_folded_in_the_book_and_in_jupyterlab():
    for name in CHAPTERS:
        for c in read(NOTEBOOKS, name).cells:
            tags = c.metadata.get("tags", [])
            if "solution" in tags and c.cell_type == "code":
                assert "hide-cell" in tags, f"{name} {c.id}: the book must fold input and output"
                assert c.metadata.get("jupyter") == {"source_hidden": True, "outputs_hidden": True}
            if "task" in c.metadata:
                assert "hide-input" in tags, f"{name} {c.id}: the book folds a task's solution"
            if "answer" in tags:
                assert "remove-cell" in tags, "an empty answer cell has no place in the book"


def test_a_stub_raises_naming_its_task_at_the_region_indent():
    source = "def f(x):\n    y = x\n    ### BEGIN SOLUTION\n    y = 2 * x\n    ### END SOLUTION\n    return y"
    stub = stub_source(source, "9.9", "f")
    assert stub.splitlines()[2:4] == ["    # Task 9.9: your code here, in place of the next line.",
                                      '    raise NotImplementedError("Task 9.9 f is not written yet")']
    namespace = {}
    exec(stub, namespace)
    with pytest.raises(NotImplementedError, match="Task 9.9 f is not written yet"):
        namespace["f"](1)
    assert without_markers(source) == "def f(x):\n    y = x\n    y = 2 * x\n    return y"


@pytest.mark.parametrize("bad, message", [
    ("### BEGIN SOLUTION\nx = 1", "never closed"),
    ("x = 1\n### END SOLUTION", "without a"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
])
def test_unbalanced_markers_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        solution_regions(bad)


def test_make_lab_copies_missing_chapters_and_never_overwrites_a_readers_work(tmp_path):
    from autograd_lib.course.workbook import main

    work = tmp_path / "my-work"
    assert main(["start", str(WORKBOOK.parent), str(work)]) == 0
    assert sorted(p.name for p in work.glob("*.ipynb")) == CHAPTERS
    mine = work / "03_vjps.ipynb"
    mine.write_text("my answers", encoding="utf-8")
    (work / "05_xor.ipynb").unlink()
    assert main(["start", str(WORKBOOK.parent), str(work)]) == 0
    assert mine.read_text(encoding="utf-8") == "my answers"
    assert (work / "05_xor.ipynb").read_bytes() == (WORKBOOK / "05_xor.ipynb").read_bytes()
    assert main(["nonsense"]) == 2


def test_make_lab_opens_the_readers_copy_of_the_workbook():
    makefile = (WORKBOOK.parent / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "-m autograd_lib.course.workbook start . my-work" in recipe
    assert "jupyter lab my-work/01_tensors.ipynb" in recipe
    assert "my-work/" in (WORKBOOK.parent / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_make_workbook_writes_the_version_into_every_chapters_setup_cell(tmp_path):
    import autograd_lib

    (tmp_path / "setup_cell.py").write_text('import sys\nRELEASE = "0.0.1"\nprint(RELEASE)\n')
    stale = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01"),
                                            nbformat.v4.new_code_cell("old setup"),
                                            nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(stale, tmp_path / "01_a.ipynb")
    assert sync_setup_cells(tmp_path) == [tmp_path / "01_a.ipynb"]
    cell = f'import sys\nRELEASE = "{autograd_lib.__version__}"\nprint(RELEASE)'
    assert (tmp_path / "setup_cell.py").read_text() == cell + "\n"
    nb = nbformat.read(tmp_path / "01_a.ipynb", as_version=4)
    assert [c.source for c in nb.cells] == ["# 01", cell, "x = 1"]
    assert sync_setup_cells(tmp_path) == [], "an up-to-date chapter is not rewritten"


def test_a_setup_cell_without_its_release_line_is_refused(tmp_path):
    (tmp_path / "setup_cell.py").write_text("import sys\n")
    with pytest.raises(ValueError, match='one line RELEASE = "..."'):
        sync_setup_cells(tmp_path)


def _squeezed(text):
    """Code or prose without spaces, backticks and ``.data``: how an expression is recognised."""
    return "".join(text.replace("`", "").replace(".data", "").split())


def solution_expressions(source):
    """The expressions a task's solution region computes (products, calls, subscripts...), squeezed."""
    lines = source.splitlines()
    region = [lines[i] for begin, end in solution_regions(source) for i in range(begin + 1, end)]
    tree = ast.parse("def _():\n" + textwrap.indent(textwrap.dedent("\n".join(region)), "    "))
    kinds = (ast.BinOp, ast.Call, ast.Subscript, ast.Compare, ast.UnaryOp, ast.AugAssign)
    found = {_squeezed(ast.unparse(node)) for node in ast.walk(tree) if isinstance(node, kinds)}
    return {e for e in found if len(e) >= 8}


# What a task's contract must name, though the solution computes it too: which draws give the
# book's numbers, which number is the loss's adjoint, where the velocity lives between steps.
NAMED_BY_THE_CONTRACT = {"1.2": {"rng.standard_normal(t.shape)"}, "3.5": {"dout[0,0]"},
                         "6.1": {"state['momentum_buffer']"}}


@pytest.mark.parametrize("task_id", list(TASKS))
def test_no_task_function_or_its_text_in_the_workbook_holds_the_solutions_expressions(generated, task_id):
    """Issue 20: the task says what goes in and comes out, never the formula as code: turning the
    chapter's math into NumPy is the reader's step. (The check of lines above is the weaker one.)
    The lines after the function, which try it, may call what they like."""
    name = f"{TASKS[task_id].chapter}.ipynb"
    expressions = solution_expressions(task_cells(read(NOTEBOOKS, name))[task_id].source)
    work = read(generated, name)
    index = next(i for i, c in enumerate(work.cells) if c.metadata.get("task") == task_id)
    source = work.cells[index].source
    function = ast.get_source_segment(source, next(
        node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)))
    shown = _squeezed(function + work.cells[index - 1].source)
    allowed = NAMED_BY_THE_CONTRACT.get(task_id, set())
    assert sorted(e for e in expressions if e in shown and e not in allowed) == []
