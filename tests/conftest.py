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



# The slow tier: each file that needs the built book, a browser, another environment or whole
# notebooks says so itself, `pytestmark = pytest.mark.slow(seconds=...)`, with about how long it
# takes. `make unit` leaves those out (-m "not slow"), and so does scripts/mutants.py. The
# chapters that nbval runs are slow by nature; these two take longest.
NOTEBOOK_SECONDS = {"notebooks/05_xor.ipynb": 60, "notebooks/06_optimisers.ipynb": 50}


def pytest_collection_modifyitems(items):
    for item in items:
        path = item.nodeid.split("::")[0]
        if path.endswith(".ipynb"):
            item.add_marker(pytest.mark.slow(seconds=NOTEBOOK_SECONDS.get(path, 20)))

    # `make test` runs two workers that take whole files in the order collected
    # (--no-loadscope-reorder; by default pytest-xdist hands out the files with the most tests
    # first). Handing out the longest files first lets the two finish together instead of one
    # waiting for the other's last long file.
    def rank(item):
        marker = item.get_closest_marker("slow")
        return -marker.kwargs["seconds"] if marker else 0

    items.sort(key=rank)  # stable: within a file, and among the others, the order stays
