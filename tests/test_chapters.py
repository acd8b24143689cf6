"""The chapters as a reader meets them: what they show fits the page, and exercises look alike.

At 1280 px the book's code column holds 88 columns of its code font (book/static/course.css):
code is kept to 79, as in the library's modules the book shows, and printed lines to 88.
tests/test_book.py measures the same thing in a browser.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
READERS_MODULES = ["tensor", "tape", "ops", "gradcheck", "optim", "model", "data", "plugin"]
CODE, PRINTED = 79, 88


def shown_code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"
            and "remove-cell" not in c.metadata.get("tags", [])]


def printed_text(cell):
    for out in cell.outputs:
        if out.output_type == "stream":
            yield out.text
        elif out.output_type in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "text/plain" in data and not {"text/html", "image/png",
                                              "application/vnd.jupyter.widget-view+json"} & set(data):
                yield data["text/plain"]


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_code_and_printed_lines_fit_the_books_column(path):
    nb = nbformat.read(path, as_version=4)
    wide = []
    for cell in shown_code_cells(nb):
        wide += [(cell.id, "code", line) for line in cell.source.splitlines() if len(line) > CODE]
        for text in printed_text(cell):
            wide += [(cell.id, "output", line) for line in text.splitlines() if len(line) > PRINTED]
    assert wide == []


@pytest.mark.parametrize("module", READERS_MODULES)
def test_the_library_modules_the_book_shows_fit_79_columns(module):
    lines = (ROOT / "autograd_lib" / f"{module}.py").read_text(encoding="utf-8").splitlines()
    assert [(i + 1, line) for i, line in enumerate(lines) if len(line) > CODE] == []


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_every_exercise_has_one_format_an_answer_cell_and_a_folded_solution(path):
    nb = nbformat.read(path, as_version=4)
    exercises = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                 and re.search(r"^\*\*Exercise \d+\b", c.source, re.M)]
    assert exercises, f"{path.name} has no exercises"
    numbers = [int(re.search(r"\*\*Exercise (\d+)", nb.cells[i].source).group(1)) for i in exercises]
    assert numbers == list(range(1, len(numbers) + 1))
    for i in exercises:
        after = nb.cells[i + 1]
        assert "answer" in after.metadata.get("tags", []), f"Exercise at cell {i}: no answer cell"
        following = nb.cells[i + 2]
        assert "solution" in following.metadata.get("tags", []) or following.cell_type == "markdown" \
            and "Solution" in following.source, f"Exercise at cell {i}: no solution after its answer"
    assert not any(c.cell_type == "markdown" and re.search(r"^#{2,4} \d+\. ", c.source, re.M)
                   for c in nb.cells), "exercises are bold paragraphs, not numbered headings"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_a_markdown_solution_is_folded_in_the_book(path):
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if c.cell_type == "markdown" and "solution" in c.metadata.get("tags", []):
            assert re.match(r"```\{admonition\}[^\n]*\n:class: dropdown", c.source), c.id


def markdown(path):
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def bibliography():
    """{key: the link a chapter gives for it (its DOI, else its URL, else None)}."""
    works = {}
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    for key, body in re.findall(r"^@\w+\{(\w+),(.*?)^\}", text, re.M | re.S):
        doi = re.search(r"^\s*doi\s*=\s*\{([^}]+)\}", body, re.M)
        url = re.search(r"^\s*url\s*=\s*\{([^}]+)\}", body, re.M)
        works[key] = (f"https://doi.org/{doi.group(1)}" if doi else url.group(1) if url else None)
    return works


SOURCE_SECTION = "../book/references.md#the-source-chapter"
WORKS_CITED = "../book/references.md#works-cited"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_citations_are_links_that_read_in_jupyterlab_too(path):
    # jupyterlab-myst does not resolve {cite} roles: a reader would see a raw key and a warning.
    text = markdown(path)
    assert "{cite}" not in text, f"{path.name}: cite as [Author, year](DOI or URL)"
    known = {link for link in bibliography().values() if link}
    # A Markdown link target: <anything but >> (a URL with parentheses), or no spaces and no ")".
    for target in re.findall(r"\]\((<[^>]+>|[^)\s]+)\)", text):
        link = target.strip("<>")
        if not link.startswith(("https://doi.org/", "https://jmlr.org/",
                                "https://proceedings.mlr.press/", "https://cs231n.github.io/",
                                "https://www.youtube.com/")):
            continue
        assert link in known, f"{path.name}: {link} is not a DOI or URL in book/references.bib"


def test_every_work_in_the_bibliography_is_cited():
    text = "\n".join(markdown(p) for p in CHAPTERS) + "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md"))
    for key, link in bibliography().items():
        assert (link and link in text) or f"{{cite}}`{key}`" in text, f"{key} is never cited"
    assert WORKS_CITED.split("#")[1] == re.sub(
        r"\W+", "-", "Works cited".lower()), "the heading the links point at"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_a_chapter_links_the_c_chapter_where_it_first_mentions_it(path):
    text = markdown(path)
    first = re.search(r"C (library|chapter)", text)
    if first is None:
        return
    link = text.find(f"]({SOURCE_SECTION})", first.start())
    assert 0 <= link - first.start() < 80, (
        f"{path.name}: the first mention of the C chapter, "
        f"{text[first.start():first.start() + 60]!r}, does not link to what it is ({SOURCE_SECTION})")
    headings = (ROOT / "book" / "references.md").read_text(encoding="utf-8")
    assert "\n## The source chapter\n" in headings and "\n## Works cited\n" in headings
