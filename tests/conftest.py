import pytest

from autograd_lib import tape_reset

from .browser import chromium


@pytest.fixture(autouse=True)
def fresh_tape():
    tape_reset()
    yield
    tape_reset()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a test module's pages (tests/browser.py)."""
    with chromium() as started:
        yield started



# The files that take longest (tens of seconds each: a JupyterLab, a browser, whole notebooks in
# other environments), longest first. `make test` runs two workers that take whole files in the
# order collected (--no-loadscope-reorder; by default pytest-xdist would hand out the files with
# the most tests first, and JupyterLab's four long tests came last); handing these out first
# lets the two finish together instead of one waiting for the other's last long file.
LONGEST_FIRST = ["tests/test_lite_chapters.py", "tests/test_lite.py", "tests/test_lab.py", "tests/test_book.py", "tests/test_colab.py",
                 "tests/test_colab_workbook.py", "tests/course/test_workbook_solved.py",
                 "tests/course/test_workbook_untouched.py", "notebooks/05_xor.ipynb",
                 "notebooks/06_optimisers.ipynb"]


def pytest_collection_modifyitems(items):
    def rank(item):
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: within a file, and among the others, the order stays
