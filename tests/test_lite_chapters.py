"""Every workbook chapter, run top to bottom in the live edition, in the browser.

The chapter runs as a reader who writes none of the tasks runs it, cell after cell: the only
errors are the unwritten tasks', every check cell says so, and every other cell prints what the
book's edition printed when the book was built (the same numbers from Pyodide's NumPy in the
browser as from NumPy here). Chapter 2's backward stepper steps and chapter 6's optimiser
playground retrains there too. Chapters 3 and 5 run in tests/test_lite.py, as a reader works
through them.
"""

from __future__ import annotations

import pytest

from .lite import Live, check_untouched_run, live_context, served, text_of

pytestmark = pytest.mark.slow(seconds=300)


@pytest.fixture(scope="module")
def context(browser):
    """One browser context for the module, served its own site: Pyodide is downloaded once (into
    the context's cache), and each chapter opens in a page of its own, with a kernel of its own."""
    with served() as base, live_context(browser, base) as context:
        context.base = base
        yield context


def step_backward_through_the_xor_tape(live):
    # Chapter 2's live stepper walks backward through the tape of the XOR network, one entry a
    # step, and draws each step.
    assert any(c.startswith("Step 0 of 6.") for c in live.captions())
    live.step_through(6)
    assert any(c.endswith("(all of them).") for c in live.captions())
    live.screenshot("lite_workbook_02_tape_stepper.png")
    # With the keyboard: the arrows move a focused slider, not the notebook's selection.
    assert live.press_on_slider("step", "ArrowLeft") == "5"
    live.wait_for_caption("Step 5 of 6.")
    assert live.press_on_slider("step", "ArrowRight") == "6"
    page = live.page
    page.keyboard.press("Escape")
    page.locator(".jp-Notebook .jp-Cell").nth(3).click()
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowDown")  # in the notebook itself, the arrows still move between cells
    assert page.evaluate("window.jupyterapp.shell.currentWidget.content.activeCellIndex") == 4
    # A cell of the reader's own writes into a weight between forward and backward: the error
    # it raises says why the array is read-only and the ways on, in the browser too.
    out = live.run(live.cell_ids()[-1], "model = MLP(2, 8, 2, seed=0)\ntape_reset()\n"
                   "loss = softmax_ce(model(X), y)\nmodel.W2.data[0, 0] = 1.0")
    said = " ".join(text_of(out).split())
    assert said.startswith("ValueError: assignment destination is read-only: the tensor whose "
                           "data you are writing into is held read-only by the tape"), said
    assert "Call backward(loss) first" in said and "Held now: X, W1, b1, W2, b2" in said


def retrain_with_another_optimiser(live):
    # Chapter 6's live playground: its optimiser buttons retrain and redraw.
    live.wait_for_caption("moons, Adam, lr = 0.03, weight decay 0, hidden = 16")
    before = live.image_src()
    live.page.get_by_role("button", name="SGD", exact=True).first.click()
    live.wait_for_caption("moons, SGD, lr = 0.03, weight decay 0, hidden = 16")
    live.wait_for_new_image(before)
    live.screenshot("lite_workbook_06_optimisers_playground.png")


INTERACT = {"02_tape.ipynb": step_backward_through_the_xor_tape,
            "06_optimisers.ipynb": retrain_with_another_optimiser}


@pytest.mark.parametrize("chapter", ["01_tensors.ipynb", "02_tape.ipynb", "04_gradient_check.ipynb",
                                     "06_optimisers.ipynb", "07_digits.ipynb"])
def test_an_untouched_workbook_chapter_runs_top_to_bottom_in_the_browser(context, chapter):
    live = Live(context.new_page(), context.base)
    try:
        live.open(f"workbook/{chapter}")
        ran = live.run_all()
        live.screenshot(f"lite_workbook_{chapter.removesuffix('.ipynb')}.png")
        check_untouched_run(chapter, ran)
        if chapter in INTERACT:
            INTERACT[chapter](live)
    finally:
        live.page.close()
    assert any(url.endswith("/static/pyodide/pyodide.asm.wasm") for url in context.seen), \
        "the Web Worker's requests are seen (and so would be refused if they left the site)"
    assert context.blocked == []
    assert context.errors == []
