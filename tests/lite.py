"""The live edition (_build/html/lite, the book's JupyterLite site) in headless Chromium.

The built book is served over http on 127.0.0.1, as any web server would serve it (a file://
page cannot start Python in the browser), and every request to another host is refused and
recorded. A :class:`Live` page drives JupyterLite the way a reader does: it opens a chapter
through the page the book's "Run live" buttons open, waits for Python to start, and runs cells
one at a time, as Shift-Enter does.
"""

from __future__ import annotations

import configparser
import difflib
import functools
import json
import http.server
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

import autograd_lib
from autograd_lib.course.checks import TASKS

from .course.running import stand_in_note


ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SITE = HTML / "lite"
SCREENSHOTS = ROOT / "_build" / "screenshots"
# Python starts in 10-30 s; a chapter's longest cell (chapter 7's last run) takes under a minute
# on a busy machine. Generous, so that only a hang fails.
CELL_TIMEOUT_MS = 240_000
CHAPTER_TIMEOUT_MS = 600_000


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def served(folder=HTML):
    """``folder`` over http on a free port of 127.0.0.1: its base URL. .wasm is served as
    application/wasm (the standard library's types already say so), which Pyodide needs."""
    if not (SITE / "jupyter-lite.json").exists():
        pytest.fail("the live edition is not built: run `make book` (make test does it first)")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


CELLS = "window.jupyterapp.shell.currentWidget.content.widgets"

RUN_CELL = """([id, source]) => {
    const panel = window.jupyterapp.shell.currentWidget;
    const index = panel.content.widgets.findIndex(c => c.model.id === id);
    const cell = panel.content.widgets[index];
    if (source !== null) { cell.model.sharedModel.setSource(source); }
    cell.node.scrollIntoView({block: 'center'});
    panel.content.activeCellIndex = index;
    return window.jupyterapp.commands.execute('notebook:run-cell');
}"""

CELL_DONE = """id => {
    const cell = window.jupyterapp.shell.currentWidget.content.widgets.find(c => c.model.id === id);
    const prompt = cell.node.querySelector('.jp-InputPrompt');
    return cell.model.executionCount !== null && prompt && !prompt.innerText.includes('*');
}"""


class Live:
    """A page of the live edition, in a browser context of its own (its own storage)."""

    def __init__(self, page, base):
        self.page = page
        self.base = base
        page.set_default_timeout(CELL_TIMEOUT_MS)

    def open(self, path, kernel=True):
        """Open ``path`` (``workbook/03_vjps.ipynb``) through start.html; wait until it is shown
        and, with ``kernel``, until Python is ready in it. No kernel-choice dialog may come up."""
        self.page.goto(f"{self.base}/lite/start.html?path={path}")
        self.wait_for_chapter(path, kernel)

    def wait_for_chapter(self, path, kernel=True):
        page = self.page
        page.wait_for_url(re.compile(r"/lite/lab/"))
        page.wait_for_function(
            "name => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.context"
            " && window.jupyterapp.shell.currentWidget.context.path === name", arg=path)
        page.evaluate("() => window.jupyterapp.shell.currentWidget.context.ready")
        if not kernel:
            return
        page.evaluate("""async () => {
            const session = window.jupyterapp.shell.currentWidget.sessionContext;
            await session.ready;
            await session.session.kernel.info;
        }""")
        assert page.locator(".jp-Dialog").count() == 0, page.locator(".jp-Dialog").inner_text()
        assert self.kernel_name() == "python"

    def kernel_name(self):
        return self.page.evaluate(
            "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.name")

    def cell_ids(self, kind="code"):
        return self.page.evaluate(f"{CELLS}.filter(c => c.model.type === '{kind}').map(c => c.model.id)")

    def run(self, cell_id, source=None):
        """Run one cell (after setting its text to ``source``); its outputs, as nbformat's JSON."""
        self.page.evaluate(RUN_CELL, [cell_id, source])
        self.page.wait_for_function(CELL_DONE, arg=cell_id)
        return self.outputs(cell_id)

    def run_all(self):
        """Run -> Run All Cells, as a reader does: ``{cell id: outputs}``. Every code cell must have
        run: JupyterLab's Run All stops at the first cell that raises."""
        self.page.evaluate("""() => {
            window.ranAll = null;
            window.jupyterapp.commands.execute('notebook:run-all-cells')
                .then(done => { window.ranAll = 'done'; }, error => { window.ranAll = String(error); });
        }""")
        self.page.wait_for_function("window.ranAll !== null", timeout=CHAPTER_TIMEOUT_MS)
        assert self.page.evaluate("window.ranAll") == "done"
        unrun = self.page.evaluate(f"{CELLS}.filter(c => c.model.type === 'code' && c.model.executionCount === null)"
                                   ".map(c => c.model.id)")
        assert unrun == [], f"Run All stopped before these cells: {unrun}"
        return {cell_id: self.outputs(cell_id) for cell_id in self.cell_ids()}

    def outputs(self, cell_id):
        return self.page.evaluate(f"id => {CELLS}.find(c => c.model.id === id).model.outputs.toJSON()",
                                  cell_id)

    def source(self, cell_id):
        return self.page.evaluate(f"id => {CELLS}.find(c => c.model.id === id).model.sharedModel.getSource()",
                                  cell_id)

    def wait_until_saved(self):
        """Until the notebook has no unsaved change: the site saves on its own, every few seconds."""
        self.page.wait_for_function("!window.jupyterapp.shell.currentWidget.context.model.dirty",
                                    timeout=60_000)

    def drag_slider(self, description, fraction):
        """Drag the handle of the first slider labelled ``description`` to ``fraction`` of its
        track, as a reader does with the mouse; its new readout."""
        slider = self.page.locator(".widget-slider", has=self.page.locator(
            ".widget-label", has_text=description)).first
        track, handle = slider.locator(".noUi-target"), slider.locator(".noUi-handle").first
        readout = slider.locator(".widget-readout")
        before = readout.inner_text()
        track.scroll_into_view_if_needed()
        box, grip = track.bounding_box(), handle.bounding_box()
        mouse = self.page.mouse
        mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
        mouse.down()
        mouse.move(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2, steps=5)
        mouse.up()
        readout.filter(has_not_text=before).wait_for()
        return readout.inner_text()

    def press_on_slider(self, description, key):
        """Focus the handle of the first slider labelled ``description`` and press ``key``, as
        a reader does with the keyboard; its new readout."""
        slider = self.page.locator(".widget-slider", has=self.page.locator(
            ".widget-label", has_text=description)).first
        readout = slider.locator(".widget-readout")
        before = readout.inner_text()
        slider.locator(".noUi-handle").first.focus()
        self.page.keyboard.press(key)
        readout.filter(has_not_text=before).wait_for()
        return readout.inner_text()

    def step_through(self, steps):
        """Drag a backward stepper's slider to each of its steps, 1 to ``steps``, as a reader
        does; each must show its caption and a picture of its own. Returns the pictures."""
        pictures = [self.image_src()]
        for k in range(1, steps + 1):
            assert self.drag_slider("step", k / steps) == str(k)
            self.wait_for_caption(f"Step {k} of {steps}.")
            pictures.append(self.wait_for_new_image(pictures[-1]))
        assert len(set(pictures)) == steps + 1
        return pictures

    def captions(self):
        """The text of every HTML widget on the page (the playgrounds' and steppers' captions)."""
        return self.page.evaluate("Array.from(document.querySelectorAll('.widget-html-content'))"
                                  ".map(e => e.textContent)")

    def wait_for_caption(self, text):
        self.page.wait_for_function(
            "s => Array.from(document.querySelectorAll('.widget-html-content'))"
            ".some(e => e.textContent.includes(s))", arg=text)

    def image_src(self):
        """The picture of the first image widget (a live playground's, a stepper's)."""
        return self.page.locator("img.widget-image").first.get_attribute("src")

    def wait_for_new_image(self, old):
        self.page.wait_for_function(
            "s => document.querySelector('img.widget-image').getAttribute('src') !== s", arg=old)
        return self.image_src()

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name))


@contextmanager
def live_context(browser, base, viewport=(1280, 900)):
    """A browser context of its own (its own storage) whose requests are seen and, outside
    ``base``, refused: ``context.seen`` lists every URL asked for (the Web Worker's Pyodide
    downloads included), ``context.blocked`` those refused, ``context.errors`` what any page
    logged as an error in its console, and uncaught exceptions."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.seen, context.blocked, context.errors = [], [], []

    def route(r):
        url = r.request.url
        context.seen.append(url)
        if url.startswith((base, "data:", "blob:")):
            r.continue_()
        else:
            context.blocked.append(url)
            r.abort()

    def console(message):
        if message.type == "error":
            where = message.location
            context.errors.append(f"{message.text} (at {where['url']}:{where['lineNumber']})")

    def watch(page):
        page.on("console", console)
        page.on("pageerror", lambda e: context.errors.append(f"{e}\n{e.stack}"))
        page.on("response", lambda r: r.status >= 400 and context.errors.append(
            f"{r.status} for {r.url}"))

    context.route("**/*", route)
    context.on("page", watch)
    try:
        yield context
    finally:
        context.close()


@contextmanager
def live_page(browser, base, viewport=(1280, 900)):
    """A :class:`Live` page in a context of its own; at the end nothing may have been fetched
    from outside 127.0.0.1 and the console must be free of errors."""
    with live_context(browser, base, viewport) as context:
        live = Live(context.new_page(), base)
        live.context = context
        yield live
        assert context.blocked == []
        assert context.errors == []


def text_of(outputs, streams=("stdout",)):
    """What a cell printed (``streams``), returned (text/plain) and raised ('ename: evalue'),
    as one string; displays (figures, widgets, progress bars) are left out."""
    parts = []
    for out in outputs:
        kind = out["output_type"]
        if kind == "stream" and out["name"] in streams:
            parts.append(out["text"] if isinstance(out["text"], str) else "".join(out["text"]))
        elif kind == "execute_result":
            text = out["data"].get("text/plain", "")
            parts.append(text if isinstance(text, str) else "".join(text))
        elif kind == "error":
            parts.append(f"{error_name(out)}: {out['evalue']}")
    return sanitize("".join(parts))


def error_name(out):
    """The exception's name: the Pyodide kernel reports ``<class 'NotImplementedError'>``."""
    return re.sub(r"^<class '(?:[\w.]+\.)?(\w+)'>$", r"\1", out["ename"])


def _sanitizers():
    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "nbval_sanitize.cfg")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


SANITIZERS = _sanitizers()


def sanitize(text):
    """What nbval would compare: tests/nbval_sanitize.cfg's replacements applied."""
    for pattern, replacement in SANITIZERS:
        text = pattern.sub(replacement, text)
    return text


def errors(outputs_by_cell):
    """``{cell id: 'ename: evalue'}`` of every cell that raised."""
    return {cell_id: f"{error_name(o)}: {o['evalue']}" for cell_id, outputs in outputs_by_cell.items()
            for o in outputs if o["output_type"] == "error"}


NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def same_print_out(ours, book):
    """Whether two print-outs say the same: equal but for numbers at round-off level.

    Pyodide's NumPy runs other BLAS and libm code than NumPy here, so a float64 error of 1e-11
    can print as 1.4e-11 in one and 1.31e-11 in the other; anything a reader would read as a
    different result (a count, an accuracy, a loss to the digits printed) still differs.
    """
    if not same_shape(ours, book):
        return False
    for a, b in zip(NUMBER.findall(ours), NUMBER.findall(book)):
        x, y = float(a), float(b)
        if a != b and not (abs(x) < 1e-8 and abs(y) < 1e-8):
            return False
    return True


def same_shape(ours, book):
    """Whether two print-outs are the same text around their numbers."""
    return NUMBER.split(ours) == NUMBER.split(book)


# ---- what an untouched workbook chapter must print in the browser ----

def stored_outputs(chapter):
    """``{cell id: text}`` of the complete chapter, as the book build ran it."""
    nb = json.loads((ROOT / "notebooks" / chapter).read_text(encoding="utf-8"))
    return {c["id"]: text_of(c["outputs"]) for c in nb["cells"] if c["cell_type"] == "code"}


def workbook_cells(chapter):
    nb = json.loads((ROOT / "workbook" / chapter).read_text(encoding="utf-8"))
    return {c["id"]: c for c in nb["cells"]}


# Cells that name whose pieces run: in an untouched workbook, the library's, where the book's
# edition names the reader's (its solutions).
SAYS_WHOSE = {"05_xor.ipynb": {"191de0a0", "7aecde9a"}, "06_optimisers.ipynb": {"whose-06"},
              "07_digits.ipynb": {"whose-07"}}
# Print-outs where float32's round-off, which differs between Pyodide's BLAS and this machine's,
# decides a number the prose does not read: where a diverging run ends (Adam at lr 3 on the
# moons, 158 or 157 points right; Adam with decay at lr 1 on XOR), and which class a stuck
# network picks when its two logits are equal to the last bit (loss ln 2 = 0.6931, 1/4 or 2/4).
# There the print-out must have the same words and shape, not the same numbers.
SAME_SHAPE = {"05_xor.ipynb": {"67ef9cce"}, "06_optimisers.ipynb": {"sweep", "grid-summary"}}


def check_untouched_run(chapter, ran):
    """An untouched workbook chapter's run ``{cell id: outputs}``, as the browser gave it: the
    setup cell installed the library from the site; no cell raised, each task cell said its
    library stand-in ran; every check cell says its task is not written yet; and every other
    cell printed what the book's edition printed (:func:`same_print_out`), as nbval compares
    them."""
    cells = workbook_cells(chapter)
    setup = next(iter(ran))
    assert text_of(ran[setup]).startswith(
        f"Installed autograd_lib {autograd_lib.__version__} from this site."), \
        "the setup cell installs this checkout's library from the site, and says so"
    tasks = {c["metadata"]["task"]: cell_id for cell_id, c in cells.items() if "task" in c["metadata"]}
    assert errors(ran) == {}
    for task_id, cell_id in tasks.items():
        assert stand_in_note(task_id) in text_of(ran[cell_id]).splitlines(), task_id
    for task_id, cell_id in tasks.items():
        check = next(i for i, c in cells.items() if "check" in c["metadata"].get("tags", [])
                     and f'check("{task_id}"' in "".join(c["source"]))
        assert text_of(ran[check]).startswith(
            f"Task {task_id} {TASKS[task_id].name}: not written yet (it raises NotImplementedError).")
    book = stored_outputs(chapter)
    # nbval does not compare the outputs of cells tagged nbval-ignore-output (timings, widgets).
    skip = {setup} | set(tasks.values()) | SAYS_WHOSE.get(chapter, set()) | {
        i for i, c in cells.items() if {"check", "nbval-ignore-output"} & set(c["metadata"].get("tags", []))}
    shape_only = SAME_SHAPE.get(chapter, set())
    differ = [cell_id for cell_id, outputs in ran.items() if cell_id in book and cell_id not in skip
              and not (same_shape(text_of(outputs), book[cell_id]) if cell_id in shape_only
                       else same_print_out(text_of(outputs), book[cell_id]))]
    assert differ == [], "\n".join(
        f"cell {cell_id}, the book's edition (-) and the browser (+):\n" + "\n".join(difflib.unified_diff(
            book[cell_id].splitlines(), text_of(ran[cell_id]).splitlines(), lineterm="", n=0))
        for cell_id in differ)
