"""How `make book` behaves: it rebuilds what a change to the library makes stale, finishes a
book an interrupted build left half-written, and keeps its caches inside the repository.

Each test runs the Makefile's real recipe on a small stand-in book, not the course's book.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

pytestmark = pytest.mark.slow(seconds=30)

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def make_book(book: Path, bin_dir: Path, env=None):
    """`make book` in ``book``, with ``bin_dir`` standing in for .venv/bin, and without the live
    edition (tests/test_lite.py checks the one the course's build made)."""
    stamp = book / "installed"
    stamp.touch()
    return subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"),
                           "-o", str(stamp), "-o", ".lite-venv/.installed", "BUILD_LITE=true",
                           f"BIN={bin_dir}", f"STAMP={stamp}", "book"],
                          cwd=book, capture_output=True, text=True, env=env)


def build_pages_read(src: Path, out: Path) -> list[str]:
    """Build ``src`` with the rebuild_on_change extension; return the pages Sphinx read."""
    from sphinx.testing.util import SphinxTestApp

    app = SphinxTestApp("html", srcdir=src, builddir=out, status=io.StringIO(),
                        warning=io.StringIO(), confoverrides={
                            "extensions": ["rebuild_on_change"],
                            "course_rebuild_on": ["lib", "pins.txt"]})
    read = []
    app.connect("source-read", lambda app, docname, source: read.append(docname))
    try:
        app.build()
    finally:
        app.cleanup()  # Sphinx registers nodes for the whole process; a later app warns
    return sorted(read)


def test_a_changed_library_or_pin_reads_every_page_again(tmp_path, monkeypatch):
    sphinx = CONFIG["sphinx"]
    assert sphinx["config"]["course_rebuild_on"] == ["autograd_lib", "constraints.txt"]
    assert "rebuild_on_change" in sphinx["local_extensions"]
    monkeypatch.syspath_prepend(str(ROOT / "book" / "_ext"))
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "lib" / "sub").mkdir(parents=True)
    (src / "conf.py").write_text("")
    (src / "index.rst").write_text("Title\n=====\n\n.. toctree::\n\n   chapter\n")
    (src / "chapter.rst").write_text("Chapter\n=======\n\nText.\n")
    (src / "lib" / "sub" / "ops.py").write_text("x = 1\n")
    (src / "pins.txt").write_text("numpy==2.1.3\n")
    assert build_pages_read(src, out) == ["chapter", "index"]
    assert build_pages_read(src, out) == [], "nothing changed: nothing to read"
    (src / "lib" / "sub" / "ops.py").write_text("x = 2\n")
    assert build_pages_read(src, out) == ["chapter", "index"]
    assert build_pages_read(src, out) == []
    (src / "pins.txt").write_text("numpy==2.1.4\n")
    assert build_pages_read(src, out) == ["chapter", "index"]
    (src / "chapter.rst").write_text("Chapter\n=======\n\nMore text.\n")
    assert build_pages_read(src, out) == ["chapter"], "Sphinx's own rule still holds"


def test_a_book_build_after_an_unfinished_one_starts_from_nothing(tmp_path):
    """make book with a stand-in for jupyter-book that fails (as an interrupted build does)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "jupyter-book"
    fake.write_text("#!/bin/sh\nmkdir -p _build/html _build/.doctrees\n"
                    "touch _build/html/page.html\nexit \"$(cat outcome)\"\n")
    fake.chmod(0o755)

    def build(outcome):
        (tmp_path / "outcome").write_text(str(outcome))
        return make_book(tmp_path, bin_dir)

    assert build(1).returncode != 0
    leftover = tmp_path / "_build" / "html" / "half-written.html"
    leftover.touch()
    rerun = build(0)
    assert rerun.returncode == 0, rerun.stderr
    assert "The last build did not finish" in rerun.stdout
    assert not leftover.exists()
    assert (tmp_path / "_build" / ".book-complete").exists()
    kept = tmp_path / "_build" / "html" / "kept.html"
    kept.touch()
    again = build(0)
    assert "did not finish" not in again.stdout and kept.exists(), \
        "after a finished build, the next one is incremental"


def test_a_build_with_an_unwritable_home_writes_nothing_outside_the_book(tmp_path):
    """A one-chapter book that plots with matplotlib, built by the real jupyter-book."""
    book = tmp_path / "book"
    book.mkdir()
    (book / "_config.yml").write_text(yaml.safe_dump({
        "title": "t", "only_build_toc_files": True, "execute": CONFIG["execute"]}))
    (book / "_toc.yml").write_text("format: jb-book\nroot: chapter\n")
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A chapter"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nimport IPython\n"
                                  "plt.plot([0, 1], [1, 0])\nplt.show()")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}}), book / "chapter.ipynb")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "jupyter-book").symlink_to(ROOT / ".venv" / "bin" / "jupyter-book")
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    # Under a file, so that nothing can be made there, even by root.
    home = tmp_path / "a-file" / "home"
    (tmp_path / "a-file").write_text("")
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(system_tmp)}
    for inherited in ("MPLCONFIGDIR", "IPYTHONDIR", "XDG_CACHE_HOME", "JUPYTER_CONFIG_DIR",
                      "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env.pop(inherited, None)
    done = make_book(book, bin_dir, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (book / "_build" / "html" / "chapter.html").exists()
    assert list(system_tmp.iterdir()) == [], "the build wrote to the system's temporary folder"
    assert (book / "_build" / ".cache" / "matplotlib").is_dir()


