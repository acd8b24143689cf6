"""The live edition, timed as a reader feels it: python benchmarks/bench_lite.py.

The built book (make book) is served on 127.0.0.1 and opened in headless Chromium, every
request to another host refused, each measurement in a fresh browser context (a cold cache, no
storage), while one more process keeps a core busy, as on a loaded two-core machine:

* kernel ready: from opening the chapter's start page to Python answering in its kernel;
* chapter 5's learning-rate slider: from releasing it to the new picture, over several moves;
* each workbook chapter run from top to bottom, one cell at a time, as in the tests;
* the size of the site in _build/html/lite.

Budgets (issue 19): kernel ready <= 30 s, slider median <= 1.5 s, each chapter <= 3 min, site
<= 80 MB. The verdicts are printed, never asserted: timings belong here, not in the tests.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import chromium  # noqa: E402
from tests.lite import SITE, Live, live_context, served  # noqa: E402

CHAPTERS = sorted(p.name for p in (ROOT / "workbook").glob("[0-9][0-9]_*.ipynb"))
PLAYGROUND = "60859e1a"  # chapter 5's live playground
SLIDER_POSITIONS = [0.2, 0.5, 0.8, 0.35, 0.65, 0.1, 0.9]


@contextmanager
def one_core_busy():
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def verdict(value, budget):
    return "within budget" if value <= budget else "OVER BUDGET"


def kernel_ready(browser, base):
    with live_context(browser, base) as context:
        live = Live(context.new_page(), base)
        start = time.perf_counter()
        live.open("workbook/01_tensors.ipynb")
        return time.perf_counter() - start


def slider_moves(browser, base):
    with live_context(browser, base) as context:
        live = Live(context.new_page(), base)
        live.open("workbook/05_xor.ipynb")
        for cell_id in live.cell_ids():
            live.run(cell_id)
            if cell_id == PLAYGROUND:
                break
        times = []
        for fraction in SLIDER_POSITIONS:
            before = live.image_src()
            start = time.perf_counter()
            live.drag_slider("learning rate", fraction)
            live.wait_for_new_image(before)
            times.append(time.perf_counter() - start)
        return times


def chapter_run(browser, base, chapter):
    with live_context(browser, base) as context:
        live = Live(context.new_page(), base)
        live.open(f"workbook/{chapter}")
        start = time.perf_counter()
        live.run_all()
        return time.perf_counter() - start


def main():
    size = sum(p.stat().st_size for p in SITE.rglob("*") if p.is_file()) / 1e6
    print(f"live edition: {size:.1f} MB in _build/html/lite ({verdict(size, 80)}: <= 80 MB)")
    with served() as base, chromium() as browser, one_core_busy():
        ready = [kernel_ready(browser, base) for _ in range(3)]
        print(f"kernel ready, cold cache: median {statistics.median(ready):.1f} s, "
              f"max {max(ready):.1f} s ({verdict(max(ready), 30)}: <= 30 s)")
        moves = slider_moves(browser, base)
        print(f"chapter 5, learning-rate slider to new picture: median {statistics.median(moves):.2f} s, "
              f"max {max(moves):.2f} s over {len(moves)} moves ({verdict(statistics.median(moves), 1.5)}: "
              "median <= 1.5 s)")
        for chapter in CHAPTERS:
            took = chapter_run(browser, base, chapter)
            print(f"{chapter:<26} top to bottom: {took:6.1f} s ({verdict(took, 180)}: <= 3 min)")


if __name__ == "__main__":
    main()
