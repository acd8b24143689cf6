"""The live edition: the book's JupyterLite site, _build/html/lite (scripts/build_lite.py).

What the build put there (Pyodide checked file by file against its official lock, this
checkout's library, the chapters set to open in the Pyodide kernel, the size), what the build
does when a Pyodide file is missing or wrong, what the start page says to a browser that cannot
run it or cannot keep the reader's work, and the reader's way through it, served from 127.0.0.1
with every other host refused: from chapter 3's page in the book, "Run live in your browser";
the chapter runs; relu's VJP written wrong, then right, until the check passes; the backward
stepper steps; the tab closed and the chapter opened again, the reader's code still there;
chapter 5 gathers that piece and trains XOR on it while the learning-rate slider moves.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import tomllib
import zipfile

import pytest
from packaging.utils import canonicalize_name

import autograd_lib
from autograd_lib.course.checks import TASKS

from .lite import (ROOT, SCREENSHOTS, SITE, Live, check_untouched_run, live_context, served,
                   text_of)

pytestmark = pytest.mark.slow(seconds=150)

SOURCES = tomllib.loads((ROOT / "book" / "lite" / "sources.toml").read_text(encoding="utf-8"))
PYODIDE = SITE / "static" / "pyodide"
OFFICIAL_LOCK = ROOT / "_build" / ".cache" / "lite" / f"pyodide-{SOURCES['pyodide']['version']}-npm" / "pyodide-lock.json"


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_script():
    spec = importlib.util.spec_from_file_location("build_lite", ROOT / "scripts" / "build_lite.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site():
    with served() as base:
        yield base


# ---- what the site holds ----

def test_pyodide_is_the_pinned_release_every_file_checked_against_its_official_lock():
    if not OFFICIAL_LOCK.exists():
        pytest.fail("no official Pyodide lock in _build/.cache/lite: run `make book`")
    assert sha256(OFFICIAL_LOCK) == SOURCES["pyodide"]["runtime"]["pyodide-lock.json"]
    official = json.loads(OFFICIAL_LOCK.read_text(encoding="utf-8"))["packages"]
    shipped = json.loads((PYODIDE / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert shipped["info"]["version"] == SOURCES["pyodide"]["version"]
    assert shipped["info"]["python"].startswith("3.12.")
    for name, expected in SOURCES["pyodide"]["runtime"].items():
        if name != "pyodide-lock.json":
            assert sha256(PYODIDE / name) == expected, name
    for name, entry in shipped["packages"].items():
        assert entry == official[name], f"{name}: the site's lock entry is not the official one"
        assert sha256(PYODIDE / entry["file_name"]) == entry["sha256"], entry["file_name"]
    files = {p.name for p in PYODIDE.iterdir()}
    assert files == set(SOURCES["pyodide"]["runtime"]) | {e["file_name"] for e in shipped["packages"].values()}, \
        "the site ships exactly the runtime and the packages its lock lists"


def test_the_lock_lists_what_the_chapters_import_and_nothing_else():
    packages = json.loads((PYODIDE / "pyodide-lock.json").read_text(encoding="utf-8"))["packages"]
    assert {"numpy", "matplotlib", "micropip", "ipython"} <= set(packages)
    # An import of anything else is a plain ModuleNotFoundError, not a request for a missing file.
    assert not {"scipy", "scikit-learn", "pandas", "pyarrow"} & set(packages)
    names = {canonicalize_name(n) for n in packages}
    for entry in packages.values():
        assert {canonicalize_name(d) for d in entry["depends"]} <= names, \
            f"{entry['name']} needs a package not shipped"


def test_the_kernel_loads_pyodide_and_wheels_from_the_site_alone():
    config = json.loads((SITE / "jupyter-lite.json").read_text(encoding="utf-8"))["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pipliteUrls"] and all(u.startswith("./") for u in kernel["pipliteUrls"])


def test_the_site_runs_this_checkouts_library():
    wheels = sorted((SITE / "pypi").glob("backprop_from_scratch-*.whl"))
    assert [w.name for w in wheels] == [f"backprop_from_scratch-{autograd_lib.__version__}-py3-none-any.whl"]
    with zipfile.ZipFile(wheels[0]) as wheel:
        inside = {n for n in wheel.namelist() if n.startswith("autograd_lib/")}
        here = {str(p.relative_to(ROOT)) for p in (ROOT / "autograd_lib").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
        assert inside == here
        changed = [n for n in inside if wheel.read(n) != (ROOT / n).read_bytes()]
    assert changed == [], "the site's library differs from this checkout's: run `make book`"


def test_the_site_holds_the_workbook_and_the_chapters_opening_in_the_pyodide_kernel():
    for folder in ("workbook", "notebooks"):
        names = sorted(p.name for p in (ROOT / folder).glob("[0-9][0-9]_*.ipynb"))
        assert sorted(p.name for p in (SITE / "files" / folder).glob("*.ipynb")) == names
        for name in names:
            ours = json.loads((SITE / "files" / folder / name).read_text(encoding="utf-8"))
            source = json.loads((ROOT / folder / name).read_text(encoding="utf-8"))
            assert ours["metadata"]["kernelspec"]["name"] == "python", "else a Select Kernel dialog"
            assert ours["cells"] == source["cells"]


def test_every_plain_arrow_shortcut_of_the_notebook_spares_a_slider_handle():
    """The notebook's arrow keys move between cells from any focused element in it, a slider's
    handle included, unless the site rebinds them: each plain-arrow binding JupyterLab ships is
    disabled and bound again with the same selector, ``:not(.noUi-handle)`` added."""
    schema = SITE / "build" / "schemas" / "@jupyterlab" / "notebook-extension" / "tracker.json"
    shipped = [s for s in json.loads(schema.read_text())["jupyter.lab.shortcuts"]
               if s["keys"] in (["ArrowUp"], ["ArrowDown"], ["ArrowLeft"], ["ArrowRight"])]
    assert len(shipped) == 4
    settings = json.loads((SITE / "jupyter-lite.json").read_text())["jupyter-config-data"]
    ours = settings["settingsOverrides"]["@jupyterlab/shortcuts-extension:shortcuts"]["shortcuts"]
    for binding in shipped:
        assert dict(binding, disabled=True) in ours
        assert dict(binding, selector=binding["selector"] + ":not(.noUi-handle)") in ours
    assert len(ours) == 2 * len(shipped)


def test_the_site_adds_at_most_80_mb_to_the_book():
    size = sum(p.stat().st_size for p in SITE.rglob("*") if p.is_file())
    assert size <= 80e6, f"the live edition is {size / 1e6:.1f} MB"


# ---- a build that cannot have a Pyodide file says which, and where it comes from ----

def test_a_missing_pyodide_file_fails_the_build_naming_it_and_where_to_get_it(tmp_path, monkeypatch):
    build = build_script()
    monkeypatch.setenv("PYODIDE_DIR", str(tmp_path))
    with pytest.raises(build.BuildError) as missing:
        build.PyodideRelease()
    message = str(missing.value)
    assert "Pyodide 0.27.7 runtime: pyodide-lock.json is missing" in message
    assert SOURCES["pyodide"]["release_archive"] in message


def test_a_pyodide_package_that_is_not_the_official_file_fails_the_build(tmp_path, monkeypatch):
    if not OFFICIAL_LOCK.exists():
        pytest.fail("no official Pyodide lock in _build/.cache/lite: run `make book`")
    build = build_script()
    for name in SOURCES["pyodide"]["runtime"]:
        (tmp_path / name).write_bytes((OFFICIAL_LOCK.parent / name).read_bytes())
    release_dir = tmp_path
    monkeypatch.setenv("PYODIDE_DIR", str(release_dir))
    release = build.PyodideRelease()
    numpy = release.closure(["numpy"])["numpy"]
    (release_dir / numpy["file_name"]).write_bytes(b"not numpy")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(build.BuildError) as wrong:
        release.package_file(numpy, out)
    assert re.search(rf"Pyodide 0\.27\.7 package numpy {numpy['version']}: {re.escape(numpy['file_name'])} "
                     r"has sha256 \w+, expected " + numpy["sha256"], str(wrong.value))
    with pytest.raises(build.BuildError, match="no package not-a-package"):
        release.closure(["not-a-package"])


# ---- the start page ----

def test_a_browser_without_webassembly_gets_a_sentence_not_a_blank_page(site, browser):
    with live_context(browser, site) as context:
        page = context.new_page()
        page.add_init_script("delete window.WebAssembly;")
        page.goto(f"{site}/lite/start.html?path=workbook/03_vjps.ipynb")
        problem = page.locator("#problem")
        problem.wait_for()
        assert "This browser cannot run the live edition" in problem.inner_text()
        assert "WebAssembly" in problem.inner_text()
        assert page.url.endswith("start.html?path=workbook/03_vjps.ipynb"), "it stays, and says why"
        assert not page.locator("#keeping").is_visible()
        assert page.get_by_role("link", name="Ways to run the chapters").get_attribute("href") == "../book/run.html"
        page.screenshot(path=str(SCREENSHOTS / "lite_start_no_webassembly.png"))
        assert context.blocked == [] and context.errors == []


def test_a_reader_whose_storage_is_blocked_is_told_their_work_cannot_be_saved(site, browser):
    with live_context(browser, site, viewport=(390, 844)) as context:
        page = context.new_page()
        page.add_init_script("indexedDB.open = () => { throw new DOMException('blocked', 'SecurityError'); };")
        page.goto(f"{site}/lite/start.html?path=workbook/05_xor.ipynb")
        problem = page.locator("#problem")
        problem.wait_for()
        told = problem.inner_text()
        assert told.startswith("Your work cannot be saved here: this browser does not let the site keep files")
        assert "File → Download" in told
        assert not page.locator("#keeping").is_visible(), "no word of work being kept"
        page.screenshot(path=str(SCREENSHOTS / "lite_start_storage_blocked_390.png"))
        page.get_by_role("link", name="Open the chapter anyway").click()
        page.wait_for_url(re.compile(r"/lite/lab/index\.html\?path=workbook%2F05_xor\.ipynb$"))
        assert context.blocked == []


def test_the_start_page_opens_only_the_sites_chapters(site, browser):
    with live_context(browser, site) as context:
        page = context.new_page()
        page.goto(f"{site}/lite/start.html?path=https://example.org/x.ipynb")
        page.wait_for_url(re.compile(r"/lite/lab/index\.html\?path=workbook%2F01_tensors\.ipynb$"))
        assert context.blocked == []


# ---- a reader's way through, from the book ----

RELU_AS_MAX = """def relu_vjp(entry, dout):
    return (np.maximum(dout, 0),)"""


def book_task(chapter, task_id):
    """The task cell's id and its text in the book's edition, solution included."""
    nb = json.loads((ROOT / "notebooks" / chapter).read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["metadata"].get("task") == task_id)
    return cell["id"], "".join(cell["source"])


def test_a_reader_runs_chapter_3_live_writes_relu_vjp_and_trains_xor_on_it(site, browser):
    with live_context(browser, site) as context:
        # The book's chapter 3, its launch menu, "Run live in your browser": a new tab.
        book = context.new_page()
        book.goto(f"{site}/notebooks/03_vjps.html")
        book.locator(".dropdown-launch-buttons button").click()
        with context.expect_page() as opened:
            book.get_by_role("link", name="Run live in your browser").click()
        live = Live(opened.value, site)
        live.wait_for_chapter("workbook/03_vjps.ipynb")
        live.screenshot("lite_03_opened.png")

        check_untouched_run("03_vjps.ipynb", live.run_all())

        # The backward stepper of f(x) = 3x^2 - 4x + 5 redraws at every step.
        live.step_through(5)

        # Tasks 3.1 and 3.2 done, then relu's VJP with a reader's mistake: the check says what.
        for task_id in ("3.1", "3.2"):
            live.run(*book_task("03_vjps.ipynb", task_id))
        live.run("task-3-3", RELU_AS_MAX)
        told = " ".join(text_of(live.run("check-3-3")).split())
        assert told.startswith("Task 3.3 relu_vjp: failed.")
        assert "your dx is max(dout, 0): that applies relu to the gradient" in told
        live.screenshot("lite_03_relu_failed.png")
        _, solution = book_task("03_vjps.ipynb", "3.3")
        live.run("task-3-3", solution)
        passed = " ".join(text_of(live.run("check-3-3")).split())
        assert passed.startswith("Task 3.3 relu_vjp: passed.")
        assert "Plugged in: from here on, backward uses your relu_vjp." in passed
        live.screenshot("lite_03_relu_passed.png")
        live.wait_until_saved()

        # The tab closed, the chapter opened again: the reader's code is there.
        live.page.close()
        again = Live(context.new_page(), site)
        again.open("workbook/03_vjps.ipynb", kernel=False)
        assert again.source("task-3-3") == solution

        # Chapter 5 gathers the pieces written so far and trains XOR with them.
        again.open("workbook/05_xor.ipynb")
        ran = again.run_all()
        check_untouched_run("05_xor.ipynb", ran)
        gathered = text_of(ran["191de0a0"])
        for task_id in ("3.1", "3.2", "3.3"):
            assert re.search(rf"{task_id} +{TASKS[task_id].name} +yours +passed its check", gathered)
        assert "3 of 10 pieces are yours." in gathered
        trained = text_of(ran["7aecde9a"])
        assert "500     0.002089    4/4" in trained, "the book's XOR numbers, from the reader's code"
        assert re.search(r"Yours \(3 of 12\): matmul_vjp, add_bias_vjp, relu_vjp", trained)

        # The learning-rate slider retrains and redraws.
        assert any("lr = 0.5, hidden = 8, relu, 500 epochs, seed 0" in c for c in again.captions())
        before = again.image_src()
        lr = again.drag_slider("learning rate", 0.2)
        assert float(lr) < 0.5
        again.wait_for_caption(f"lr = {float(lr):.3g}, hidden = 8,")
        assert again.wait_for_new_image(before) != before
        again.screenshot("lite_05_slider.png")

        assert context.blocked == []
        assert context.errors == []


def test_where_only_npm_may_fetch_the_tarball_comes_through_npm_pack_and_is_checked(tmp_path, monkeypatch):
    import subprocess
    import urllib.request

    build = build_script()

    def refused(*args, **kwargs):
        raise OSError("no route to the registry, except through its own tool")

    def npm_pack(command, **kwargs):
        assert command[:3] == ["npm", "pack", "--silent"] and command[3] == "pyodide@0.27.7"
        (tmp_path / "pyodide-0.27.7-packed.tgz").write_bytes(b"what npm fetched")
        return subprocess.CompletedProcess(command, 0, "pyodide-0.27.7-packed.tgz\n", "")

    monkeypatch.setattr(urllib.request, "urlopen", refused)
    monkeypatch.setattr(build.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(build.subprocess, "run", npm_pack)
    target = tmp_path / "pyodide-0.27.7.tgz"
    expected = hashlib.sha256(b"what npm fetched").hexdigest()
    assert build.download("https://registry.npmjs.org/x.tgz", target, expected, "pyodide@0.27.7") == target
    with pytest.raises(build.BuildError, match="has sha256 .*, expected 00"):
        build.download("https://registry.npmjs.org/x.tgz", tmp_path / "other.tgz", "00" * 32,
                       "pyodide@0.27.7")
