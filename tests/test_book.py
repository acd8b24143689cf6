"""Checks on the built book in _build/html (``make test`` builds it first)."""

from __future__ import annotations

import datetime as dt
import html as entities
import os
import re
from pathlib import Path

import pytest

import autograd_lib

from .browser import offline_page
from .toc import toc_files

pytestmark = pytest.mark.slow(seconds=90)

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"


PAGES = toc_files()
CHAPTERS = [f for f in PAGES if f.startswith("notebooks/")]


@pytest.fixture(scope="module")
def built():
    if not (HTML / "index.html").exists():
        pytest.fail("the book is not built: run `make book` (make test does it first)")
    return HTML


def page_html(built, file):
    return (built / f"{file}.html").read_text(encoding="utf-8")


def test_every_toc_file_is_built_and_only_those(built):
    built_pages = {str(p.relative_to(built).with_suffix("")) for p in built.rglob("*.html")}
    for file in PAGES:
        assert file in built_pages
    chapters_built = {p for p in built_pages if p.startswith("notebooks/")}
    assert chapters_built == set(CHAPTERS)


def test_the_search_index_covers_every_page(built):
    # Sphinx's searchindex.js is `Search.setIndex({...})` around one JSON object.
    import json

    text = (built / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    assert sorted(index["docnames"]) == sorted(PAGES)
    for file in PAGES:
        words = index["titles"][index["docnames"].index(file)]
        assert words, f"{file} has no title in the search index"
    assert "matmul" in index["terms"], "the API page's words are searchable"


@pytest.mark.parametrize("file", CHAPTERS)
def test_a_cells_printed_lines_show_in_one_box(built, file):
    """A cell that prints while it draws or warns would otherwise have its print-out cut into
    several boxes (nb_merge_streams in _config.yml)."""
    outputs = page_html(built, file).split('<div class="cell_output docutils container">')[1:]
    assert len(outputs) > 10
    split = [i for i, out in enumerate(outputs)
             if out.split('<div class="cell ')[0].count('class="output stream') > 1]
    assert split == [], f"outputs {split} show their printed lines in several boxes"


def test_seven_chapters():
    assert len(CHAPTERS) == 7


@pytest.mark.parametrize("file", PAGES)
def test_no_page_loads_anything_from_a_cdn(built, file):
    html = page_html(built, file)
    external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
    assert external == []


@pytest.mark.parametrize("file", CHAPTERS)
def test_chapters_use_the_bundled_mathjax(built, file):
    html = page_html(built, file)
    assert re.search(r'<script[^>]+src="\.\./_static/mathjax/tex-mml-chtml\.js', html)


def test_widget_pages_use_the_bundled_widget_manager(built):
    pages = [f for f in CHAPTERS if "application/vnd.jupyter.widget-state+json" in page_html(built, f)]
    assert pages, "no chapter embeds widget state"
    for file in pages:
        html = page_html(built, file)
        assert '_static/require.js' in html and '_static/html-manager/embed-amd.js' in html


def visible_text(html):
    return " ".join(entities.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_api_reference_is_generated_from_docstrings(built):
    html = page_html(built, "book/api")
    for name in ["backward", "gradient_check", "train"]:
        assert f'id="autograd_lib.{name}"' in html
    # The ops page documents the whole module, each op above its VJP, a new op included.
    for name in ["matmul", "add_bias", "relu", "tanh", "sigmoid", "softmax_ce"]:
        assert f'id="autograd_lib.ops.{name}"' in html and f'id="autograd_lib.ops.{name}_vjp"' in html
    assert 'id="autograd_lib.guards.check_backward"' in html
    assert "(B, N) @ (N, M) -> (B, M)" in visible_text(html)


@pytest.mark.parametrize("file", [PAGES[0], CHAPTERS[0]])
def test_footer_shows_licence_version_and_build_date(built, file):
    html = page_html(built, file)
    found = re.search(r'<div class="extra_footer">(.*?)</div>', html, re.S)
    assert found, "no extra footer in the built book"
    text = visible_text(found.group(1))
    assert "MIT licence" in text and "CC BY 4.0" in text
    version, date = re.search(r"Version (\S+), built (\d{4}-\d{2}-\d{2})\.", text).groups()
    assert version == autograd_lib.__version__
    # The date of this build (UTC), or that of SOURCE_DATE_EPOCH for a reproducible build.
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or (built / f"{file}.html").stat().st_mtime
    written = dt.datetime.fromtimestamp(float(epoch), dt.timezone.utc).date()
    assert abs((dt.date.fromisoformat(date) - written).days) <= 1


def test_references_list_the_cited_works(built):
    html = page_html(built, "book/references")
    for author in ["Minsky", "Rumelhart", "Cybenko", "Hornik", "Baydin"]:
        assert author in html


@pytest.mark.parametrize("file", PAGES)
def test_page_in_a_browser_offline_on_a_desktop_and_a_phone(built, file, browser):
    """Math typeset, every image loaded, nothing requested from outside the machine, nothing in
    the console; at 1280 px every code and output block fits, and at 390 px the page itself fits
    the screen (a code block there may scroll inside its own box, the text around it does not).
    One load of the page for all of it: the chapters' pages carry megabytes of widgets."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with offline_page(browser=browser) as page:
        failed = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto((built / f"{file}.html").as_uri(), wait_until="load")
        if page.locator("script[src*='tex-mml-chtml']").count():
            page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("MathJax.startup.promise")
        page.wait_for_timeout(500)
        text = page.inner_text("main")
        assert "\\(" not in text and "\\[" not in text and "$$" not in text
        if "$" in page_html(built, file) and file in CHAPTERS:
            assert page.locator("mjx-container").count() > 0
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.src.slice(0, 80), i.complete && i.naturalWidth > 0])")
        assert [src for src, ok in images if not ok] == []
        assert page.blocked == [] and [u for u in failed if not u.startswith("data:")] == []
        page.screenshot(path=str(SCREENSHOTS / f"{file.replace('/', '_')}.png"), full_page=False)
        wide = page.evaluate(
            "Array.from(document.querySelectorAll('main pre')).filter(p => p.offsetParent !== null"
            " && p.scrollWidth > p.clientWidth + 1).map(p => p.innerText.slice(0, 60))")
        assert wide == [], f"code or output blocks wider than the column at 1280 px: {wide}"
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(300)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.errors == [], f"the browser console shows errors: {page.errors}"


def widget_state(built, file):
    found = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>',
                      page_html(built, file), re.S)
    assert found, f"{file} embeds no widget state"
    import json
    return json.loads(entities.unescape(found.group(1)))["state"]


def test_xor_page_embeds_the_precomputed_playgrounds(built):
    state = widget_state(built, "notebooks/05_xor")
    models = [m["model_name"] for m in state.values()]
    # The grid: activation x 7 learning rates x 6 hidden sizes, 1 + 2 + 14 linked stacks; the
    # seeds: activation x 8 seeds, 1 + 2; the epochs of one run: 1.
    assert models.count("StackModel") == models.count("LinkModel") == 17 + 3 + 1
    # ... and the live playground's own picture, stored with the notebook's widget state.
    assert models.count("ImageModel") == 84 + 16 + 5 + 1
    html = page_html(built, "notebooks/05_xor")
    assert html.count("trained with autograd_lib when this book was built") == 3
    # The live playground needs a kernel, so the static page leaves it out.
    assert "import xor_playground" not in visible_text(html)


def test_optimiser_page_embeds_its_precomputed_playground_and_stays_light(built):
    state = widget_state(built, "notebooks/06_optimisers")
    models = [m["model_name"] for m in state.values()]
    # data set x optimiser x learning rate x weight decay x hidden: 2 x 4 x 3 x 2 x 2 = 96
    # pictures in 1 + 2 + 8 + 24 + 48 linked stacks, and the live playground's own picture.
    assert models.count("StackModel") == models.count("LinkModel") == 83
    assert models.count("ImageModel") == 96 + 1
    # The pictures share one Layout: a Layout each would add a model per widget to the page.
    assert models.count("LayoutModel") < 60
    assert (built / "notebooks" / "06_optimisers.html").stat().st_size < 2_000_000
    html = page_html(built, "notebooks/06_optimisers")
    assert html.count("trained with autograd_lib when this book was built") == 1
    assert "import optimiser_playground" not in visible_text(html)


SHOWN = ("Array.from(document.querySelectorAll('img.widget-image'))"
         ".filter(i => i.offsetParent !== null).map(i => i.src)")
CAPTIONS = ("Array.from(document.querySelectorAll('.widget-html-content'))"
            ".filter(e => e.offsetParent !== null).map(e => e.textContent)")


def press(page, label, key, nth=0):
    slider = page.locator(".widget-slider", has=page.locator(".widget-label", has_text=label))
    slider.nth(nth).locator(".noUi-handle").focus()
    page.keyboard.press(key)


def test_static_playground_sliders_switch_pictures_and_captions_in_the_browser(built, browser):
    with offline_page(browser=browser) as page:
        page.goto((built / "notebooks" / "05_xor.html").as_uri(), wait_until="load")
        page.locator(".widget-slider").first.wait_for(timeout=30_000)
        before = page.evaluate(SHOWN)
        assert len(before) == 3, "three precomputed playgrounds: the grid, the epochs, the seeds"
        # Each playground's slider changes its own picture and no other.
        for which, (label, key) in enumerate([("learning rate", "ArrowLeft"),
                                              ("epochs", "ArrowRight"), ("seed", "ArrowRight")]):
            press(page, label, key)
            page.wait_for_function(f"([i, s]) => {SHOWN}[i] !== s", arg=[which, before[which]])
            after = page.evaluate(SHOWN)
            assert [a != b for a, b in zip(after, before)] == [i == which for i in range(3)]
            before = after
        captions = " ".join(page.evaluate(CAPTIONS))
        assert "lr = 0.2, hidden = 8, relu, 500 epochs, seed 0" in captions
        assert "lr = 0.01, hidden = 8, relu, 1000 epochs" in captions and "still learning" in captions
        assert "lr = 0.5, hidden = 2, relu, 500 epochs, seed 1" in captions
        page.screenshot(path=str(SCREENSHOTS / "notebooks_05_xor_static_playground.png"))
        assert page.blocked == [] and page.errors == []


# The chapters that step backward through a tape with a precomputed slider: the XOR network's
# tape (6 entries, 7 steps) and that of f(x) = 3x^2 - 4x + 5 (5 entries, 6 steps).
STEPPERS = {"notebooks/02_tape": 7, "notebooks/03_vjps": 6}


@pytest.mark.parametrize("file, steps", STEPPERS.items())
def test_stepper_pages_embed_one_precomputed_stepper_and_leave_the_live_one_out(built, file, steps):
    models = [m["model_name"] for m in widget_state(built, file).values()]
    # A slider linked to two stacks, one of pictures and one of captions ...
    assert models.count("StackModel") == models.count("LinkModel") == 2
    assert models.count("IntSliderModel") == 2  # ... and the live stepper's, stored but not shown
    # One picture per step, and the live stepper's first one.
    assert models.count("ImageModel") == steps + 1
    code = "".join(visible_text(page_html(built, file)).split())  # highlighting spaces out tokens
    assert "static_stepper(steps)" in code and "backward_stepper(steps)" not in code


@pytest.mark.parametrize("file, steps", STEPPERS.items())
def test_static_step_slider_changes_the_picture_and_caption_in_the_browser(built, file, steps, browser):
    with offline_page(browser=browser) as page:
        page.goto((built / f"{file}.html").as_uri(), wait_until="load")
        page.locator(".widget-slider").first.wait_for(timeout=30_000)
        shown = [page.evaluate(SHOWN)]
        assert len(shown[0]) == 1, "one stepper on the page"
        assert f"Step 0 of {steps - 1}." in " ".join(page.evaluate(CAPTIONS))
        # Step to the end, one key press at a time: every step shows a picture of its own.
        for k in range(1, steps):
            press(page, "step", "ArrowRight")
            page.wait_for_function(f"s => {SHOWN}[0] !== s", arg=shown[-1][0])
            shown.append(page.evaluate(SHOWN))
            assert f"Step {k} of {steps - 1}." in " ".join(page.evaluate(CAPTIONS))
        assert len({s[0] for s in shown}) == steps
        assert "(all of them)." in " ".join(page.evaluate(CAPTIONS))
        page.screenshot(path=str(SCREENSHOTS / f"{file.replace('/', '_')}_static_stepper.png"))
        assert page.blocked == [] and page.errors == []


@pytest.mark.parametrize("file", CHAPTERS)
def test_each_chapter_launches_its_workbook_first_live_then_on_binder_and_colab(built, file):
    import yaml

    html = page_html(built, file)
    repo = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"]
    org_repo = repo.removeprefix("https://github.com/")
    name = file.removeprefix("notebooks/")
    anchors = re.findall(r'<a href="([^"]+)"[^>]*>((?:(?!</a>).)*)</a>', html, re.S)
    labels = [(url, re.search(r'class="btn__text-container">([^<]+)<', inner)) for url, inner in anchors]
    launch = [(entities.unescape(url), label.group(1)) for url, label in labels
              if label and label.group(1).endswith(("browser", "Binder", "Colab"))]
    assert launch == [
        (f"../lite/start.html?path=workbook/{name}.ipynb", "Run live in your browser"),
        (f"https://mybinder.org/v2/gh/{org_repo}/main?urlpath=lab/tree/workbook/{name}.ipynb",
         "Workbook on Binder"),
        (f"https://colab.research.google.com/github/{org_repo}/blob/main/workbook/{name}.ipynb",
         "Workbook on Colab"),
        (f"https://mybinder.org/v2/gh/{org_repo}/main?urlpath=lab/tree/{file}.ipynb",
         "Complete chapter on Binder"),
        (f"https://colab.research.google.com/github/{org_repo}/blob/main/{file}.ipynb",
         "Complete chapter on Colab"),
        (f"../lite/start.html?path={file}.ipynb", "Complete chapter live in your browser"),
    ]
    # What the buttons open is in the repository (tests/course/test_workbook.py keeps it current).
    assert (ROOT / "workbook" / f"{name}.ipynb").exists() and (ROOT / f"{file}.ipynb").exists()


# Every box a reader reads or touches in a playground's controls.
CONTROL_SELECTOR = ", ".join(".cell_output " + part for part in (
    ".widget-slider .widget-label", ".widget-slider .slider-container", ".widget-readout",
    ".widget-toggle-button", ".widget-label-basic"))
CONTROL_BOXES = (f"Array.from(document.querySelectorAll('{CONTROL_SELECTOR}'))"
                 ".filter(e => e.offsetParent !== null).map(e => {const b = e.getBoundingClientRect();"
                 " return [e.className.split(' ').pop() + ':' + e.textContent.trim().slice(0, 20),"
                 " b.left, b.top, b.right, b.bottom];})")


@pytest.mark.parametrize("file", ["notebooks/05_xor", "notebooks/06_optimisers"])
def test_static_playgrounds_are_usable_and_legible_on_a_phone(built, file, browser):
    """At 390 px: no control overlaps another or leaves the screen, the learning rate dragged
    to its end comes back, and the pictures keep the size they were drawn for (688 px, 12 px
    labels), scrolling sideways inside their own box while the page fits the screen."""
    with offline_page(browser=browser) as page:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto((built / f"{file}.html").as_uri(), wait_until="load")
        page.locator(".widget-slider").first.wait_for(timeout=30_000)
        boxes = page.evaluate(CONTROL_BOXES)
        assert len(boxes) >= 8
        for name, left, top, right, bottom in boxes:
            assert 0 <= left and right <= 390, f"{name} is off the screen ({left:.0f}-{right:.0f} px)"
        for i, (a, *ra) in enumerate(boxes):
            for b, *rb in boxes[i + 1:]:
                inter_w = min(ra[2], rb[2]) - max(ra[0], rb[0])
                inter_h = min(ra[3], rb[3]) - max(ra[1], rb[1])
                assert inter_w <= 1 or inter_h <= 1, f"{a} overlaps {b}"
        lr = page.locator(".widget-slider", has=page.locator(".widget-label", has_text="learning rate"))
        readout = lr.first.locator(".widget-readout")
        start = readout.inner_text()
        press(page, "learning rate", "End")
        readout.filter(has_not_text=re.compile(f"^{re.escape(start)}$")).wait_for(timeout=10_000)
        end = readout.inner_text()
        press(page, "learning rate", "Home")
        # Back from the end: the handle was not left under a label where it cannot be reached.
        readout.filter(has_not_text=re.compile(f"^{re.escape(end)}$")).wait_for(timeout=10_000)
        page.wait_for_function("() => Array.from(document.querySelectorAll('img.widget-image'))"
                               ".filter(i => i.offsetParent).every(i => i.complete && i.naturalWidth)")
        pictures = page.evaluate(
            "Array.from(document.querySelectorAll('img.widget-image')).filter(i => i.offsetParent)"
            ".map(i => [i.getBoundingClientRect().width, i.naturalWidth,"
            " getComputedStyle(i.parentElement).overflowX])")
        assert pictures and all(w == nat == 688 and over == "auto" for w, nat, over in pictures), pictures
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SCREENSHOTS / f"{file.replace('/', '_')}_phone.png"), full_page=False)
        assert page.errors == []


def test_optimiser_page_buttons_and_sliders_switch_pictures_in_the_browser(built, browser):
    with offline_page(browser=browser) as page:
        page.goto((built / "notebooks" / "06_optimisers.html").as_uri(), wait_until="load")
        page.locator(".widget-slider").first.wait_for(timeout=30_000)
        before = page.evaluate(SHOWN)
        assert len(before) == 1, "one precomputed playground"
        captions = " ".join(page.evaluate(CAPTIONS))
        assert "moons, Adam, lr = 0.01, weight decay 0, hidden = 16" in captions
        steps = [(lambda: page.get_by_role("button", name="SGD", exact=True).click(),
                  "moons, SGD, lr = 0.01, weight decay 0, hidden = 16"),
                 (lambda: page.get_by_role("button", name="xor", exact=True).click(),
                  "xor, SGD, lr = 0.01, weight decay 0, hidden = 16"),
                 (lambda: press(page, "learning rate", "ArrowRight"),
                  "xor, SGD, lr = 0.1, weight decay 0, hidden = 16"),
                 (lambda: press(page, "weight decay", "ArrowRight"),
                  "xor, SGD, lr = 0.1, weight decay 0.1, hidden = 16"),
                 (lambda: press(page, "hidden units", "ArrowLeft"),
                  "xor, SGD, lr = 0.1, weight decay 0.1, hidden = 4")]
        for act, words in steps:
            act()
            page.wait_for_function(f"s => {SHOWN}[0] !== s", arg=before[0])
            before = page.evaluate(SHOWN)
            assert words in " ".join(page.evaluate(CAPTIONS))
        page.screenshot(path=str(SCREENSHOTS / "notebooks_06_optimisers_static_playground.png"))
        assert page.blocked == [] and page.errors == []
