"""End to end in a real frontend: JupyterLab, as a reader drives it.

A JupyterLab server on a loopback port (its own token, no browser of its own) serves copies of
the notebooks; headless Chromium opens them. In the XOR chapter it runs the cells up to the live
playground, as a reader does to reach it, moves its sliders with the keyboard and checks that the
figure and the caption change to the new settings; in the optimiser chapter it clicks its buttons
too. (The cells after the playground run under nbval; the precomputed pictures among them are
checked in the built book.) In chapter 3's workbook it writes relu's VJP with a reader's mistake, runs the
check, reads what is wrong, fixes the code and sees the check pass; and it steps backward through
the tape of f(x) = 3x^2 - 4x + 5 with the live stepper, which redraws at every move.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from .browser import chromium_path, offline_page

pytestmark = pytest.mark.slow(seconds=120)

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "notebooks" / "05_xor.ipynb"
OPTIMISER_CHAPTER = ROOT / "notebooks" / "06_optimisers.ipynb"
WORKBOOK_CHAPTER = ROOT / "workbook" / "03_vjps.ipynb"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """One JupyterLab for the module: its base URL, its token and the folder it serves."""
    chromium_path()  # skip (or fail under REQUIRE_BROWSER) before starting a server
    tmp_path = tmp_path_factory.mktemp("jupyterlab")
    root = tmp_path / "lab"
    root.mkdir()
    port, token = free_port(), secrets.token_hex(16)
    # expose_app_in_browser: the workbook test sets a cell's text the way the editor would.
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(tmp_path / 'lab.log').read_text()}")
                time.sleep(0.3)
        yield base, token, root
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def lab(lab_server, request):
    """The server, and a folder of this test's own holding fresh copies of the notebooks.

    Lab autosaves what a test types, so no test sees another's edits, and the repository's
    notebooks are never touched.
    """
    base, token, root = lab_server
    folder = root / request.node.name
    folder.mkdir()
    for notebook in (CHAPTER, OPTIMISER_CHAPTER, WORKBOOK_CHAPTER):
        shutil.copy(notebook, folder / notebook.name)
    return base, token, folder.name


def live_caption(page):
    return page.evaluate(
        "Array.from(document.querySelectorAll('.widget-html-content'))"
        ".map(e => e.textContent).find(t => t.includes('Settings:')) || ''")


def wait_for_caption(page, text):
    page.wait_for_function(
        "s => Array.from(document.querySelectorAll('.widget-html-content'))"
        ".some(e => e.textContent.includes('Settings:') && e.textContent.includes(s))", arg=text)


def live_image_src(page):
    # The live playground's picture is the first image widget in the notebook.
    return page.locator("img.widget-image").first.get_attribute("src")


def press_on_slider(page, description, key, times=1):
    slider = page.locator(".widget-slider", has=page.locator(".widget-label", has_text=description)).first
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(times):
        page.keyboard.press(key)
    return slider.locator(".widget-readout").inner_text()


@contextmanager
def opened_in_lab(lab, browser, notebook, screenshot):
    """A page showing this test's copy of ``notebook`` in JupyterLab, its kernel idle.

    The screenshot is taken whatever happens; nothing may have been fetched from outside.
    """
    base, token, folder = lab
    with offline_page(allowed_prefixes=(base,), browser=browser) as page:
        try:
            open_notebook(page, base, token, f"{folder}/{notebook.name}")
            yield page
        finally:
            page.screenshot(path=str(screenshot_path(screenshot)))
        assert page.blocked == []


def open_notebook(page, base, token, name):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.set_default_timeout(120_000)
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    # JupyterLab sometimes asks which kernel to start; the chapter's own (Python 3) is right.
    kernel_dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:
        kernel_dialog.locator("button", has_text="Select").click(timeout=5000)
    except PlaywrightTimeout:
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget")


def wait_until_every_cell_ran(page):
    # Every cell has run when the kernel is idle again and no prompt shows [*].
    page.wait_for_function(
        "!Array.from(document.querySelectorAll('.jp-InputPrompt')).some(p => p.innerText.includes('*'))"
        " && document.querySelector(\".jp-Notebook-ExecutionIndicator[data-status='idle']\")")


def test_sliders_retrain_the_xor_chapter_in_jupyterlab(lab, browser):
    with opened_in_lab(lab, browser, CHAPTER, "jupyterlab_05_xor.png") as page:
        run_through(page, "60859e1a")
        assert "lr = 0.5, hidden = 8, relu, 500 epochs, seed 0" in live_caption(page)
        before = live_image_src(page)

        lr = press_on_slider(page, "learning rate", "ArrowLeft", times=20)  # 0.5 -> 0.05
        wait_for_caption(page, f"lr = {float(lr):.3g}, hidden = 8,")
        after_lr = live_image_src(page)
        assert after_lr != before

        hidden = press_on_slider(page, "hidden units", "ArrowLeft", times=6)  # 8 -> 2
        assert hidden == "2"
        wait_for_caption(page, f"lr = {float(lr):.3g}, hidden = 2,")
        assert live_image_src(page) not in (before, after_lr)


def test_buttons_and_sliders_retrain_the_optimiser_playground_in_jupyterlab(lab, browser):
    with opened_in_lab(lab, browser, OPTIMISER_CHAPTER, "jupyterlab_06_optimisers.png") as page:
        run_through(page, "live-playground")
        assert "moons, Adam, lr = 0.03, weight decay 0, hidden = 16" in live_caption(page)
        before = live_image_src(page)
        # The live playground comes first on the page, the precomputed one after it.
        page.get_by_role("button", name="SGD", exact=True).first.click()
        wait_for_caption(page, "moons, SGD, lr = 0.03, weight decay 0, hidden = 16")
        after_sgd = live_image_src(page)
        assert after_sgd != before
        page.get_by_role("button", name="xor", exact=True).first.click()
        wait_for_caption(page, "xor, SGD, lr = 0.03")
        decay = press_on_slider(page, "weight decay", "ArrowRight", times=3)
        assert decay == "0.01"
        wait_for_caption(page, "xor, SGD, lr = 0.03, weight decay 0.01, hidden = 16")
        assert live_image_src(page) not in (before, after_sgd)


def screenshot_path(name):
    folder = ROOT / "_build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


# ---- the workbook, as a reader works through it ----

def book_task(task_id):
    import nbformat

    from autograd_lib.course.workbook import task_cells

    return task_cells(nbformat.read(ROOT / "notebooks" / WORKBOOK_CHAPTER.name, as_version=4))[task_id]


RELU_AS_MAX = """def relu_vjp(entry, dout):
    return (np.maximum(dout, 0),)"""

SET_AND_RUN = """([id, source, through]) => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.widgets;
    const index = cells.findIndex(c => c.model.id === id);
    if (source !== null) { cells[index].model.sharedModel.setSource(source); }
    panel.content.activeCellIndex = index;
    return window.jupyterapp.commands.execute(through ? 'notebook:run-all-above' : 'notebook:run-cell');
}"""


def cell_text(page, cell_id):
    """What the cell printed; the cell is scrolled into view, for the screenshots."""
    return page.evaluate("""id => {
        const cells = window.jupyterapp.shell.currentWidget.content.widgets;
        const cell = cells.find(c => c.model.id === id);
        cell.node.scrollIntoView({block: 'center'});
        return cell.outputArea ? cell.outputArea.node.innerText : '';
    }""", cell_id)


def run_cell(page, cell_id, source=None, through=False):
    page.evaluate(SET_AND_RUN, [cell_id, source, through])
    wait_until_every_cell_ran(page)


def run_through(page, cell_id):
    """Run every cell above ``cell_id``, then that one: how a reader reaches it."""
    run_cell(page, cell_id, through=True)
    run_cell(page, cell_id)


def test_a_reader_fixes_relu_vjp_in_the_workbook_until_its_check_passes(lab, browser):
    with opened_in_lab(lab, browser, WORKBOOK_CHAPTER, "jupyterlab_workbook_relu.png") as page:
        # The reader has done Tasks 3.1 and 3.2, then writes relu's VJP with a mistake.
        for task_id in ("3.1", "3.2"):
            cell = book_task(task_id)
            run_cell(page, cell.id, cell.source)
        run_cell(page, "task-3-3", RELU_AS_MAX)
        run_cell(page, "check-3-3", through=True)
        run_cell(page, "check-3-3")
        told = " ".join(cell_text(page, "check-3-3").split())
        assert told.startswith("Task 3.3 relu_vjp: failed. Case: batch 1: x (1, 4), dout (1, 4).")
        assert "your dx is max(dout, 0): that applies relu to the gradient" in told
        assert "Traceback" not in told
        page.screenshot(path=str(screenshot_path("jupyterlab_workbook_relu_failed.png")))
        # The fix, as the hint says: mask dout by the sign of the input.
        run_cell(page, "task-3-3", book_task("3.3").source)
        run_cell(page, "check-3-3")
        passed = " ".join(cell_text(page, "check-3-3").split())
        assert passed.startswith("Task 3.3 relu_vjp: passed.")
        assert "Plugged in: from here on, backward uses your relu_vjp." in passed


def stepper_caption(page):
    return page.evaluate(
        "Array.from(document.querySelectorAll('.widget-html-content'))"
        ".map(e => e.textContent).find(t => t.includes('Step ')) || ''")


def test_the_live_stepper_redraws_backward_step_by_step_in_jupyterlab(lab, browser):
    with opened_in_lab(lab, browser, WORKBOOK_CHAPTER, "jupyterlab_workbook_stepper.png") as page:
        run_through(page, "poly-stepper-live")
        page.locator(".widget-slider", has=page.locator(".widget-label", has_text="step")).wait_for()
        assert stepper_caption(page).startswith("Step 0 of 5.")
        pictures = [live_image_src(page)]
        for k in range(1, 6):
            assert press_on_slider(page, "step", "ArrowRight") == str(k)
            page.wait_for_function(
                "k => Array.from(document.querySelectorAll('.widget-html-content'))"
                ".some(e => e.textContent.startsWith(`Step ${k} of 5.`))", arg=k)
            page.wait_for_function(
                "s => document.querySelector('img.widget-image').getAttribute('src') !== s",
                arg=pictures[-1])
            pictures.append(live_image_src(page))
        assert len(set(pictures)) == 6
        caption = stepper_caption(page)
        assert "it sends dx = 9 to x, added (+=) to the adjoint it already had: now 5" in caption
        assert caption.endswith("Leaf gradients filled: x (all of them).")
