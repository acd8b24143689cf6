"""Every chapter runs top to bottom on Google Colab's versions (the workbook's chapters: in
test_colab_workbook.py, a file of its own so that the two runs can share the two cores).

Colab (2026-08) runs Python 3.13, numpy 2.1.3, matplotlib 3.10.0 and ipywidgets 7.7.1, and does
not support ipywidgets 8 (googlecolab/colabtools#4525): no ``ipywidgets.Stack``. The live
sliders must work there and the precomputed pictures must step aside with a note.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest

from .other_environments import COLAB, ROOT, python_says, run_in
from .course.running import errors

pytestmark = pytest.mark.slow(seconds=90)

CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def chapters(tmp_path_factory):
    return run_in(COLAB, tmp_path_factory.mktemp("colab") / "notebooks", CHAPTERS)


def a_python_313_is_here():
    # The Makefile's rule for COLAB_PYTHON: python3.13 on the PATH, or pyenv's.
    candidates = ["python3.13", *glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13"))]
    return any(subprocess.run([c, "-c", "1"], capture_output=True).returncode == 0
               for c in candidates if shutil.which(c) or os.path.exists(c))


def test_the_environment_has_colabs_versions():
    versions = python_says(COLAB, "import sys, numpy, matplotlib, ipywidgets; "
                                  "print(sys.version_info[:2], numpy.__version__, "
                                  "matplotlib.__version__, ipywidgets.__version__, "
                                  "hasattr(ipywidgets, 'Stack'))")
    assert versions.endswith(") 2.1.3 3.10.0 7.7.1 False")
    if a_python_313_is_here():
        assert versions.startswith("(3, 13)")


@pytest.mark.parametrize("name", [p.name for p in CHAPTERS])
def test_each_chapter_runs_without_an_error(chapters, name):
    assert errors(chapters[name]) == {}


@pytest.mark.parametrize("name, static_id, live_id", [
    ("05_xor.ipynb", "a7c5c2c7", "60859e1a"),
    ("06_optimisers.ipynb", "static-playground", "live-playground"),
])
def test_the_precomputed_playground_steps_aside_for_the_live_one(chapters, name, static_id, live_id):
    nb = chapters[name]
    static = next(c for c in nb.cells if c.id == static_id)
    shown = "".join(o.data.get("text/plain", "") for o in static.outputs if "data" in o)
    # ipywidgets 7 abbreviates a widget's plain-text form, so only the start of the note shows.
    assert "need ipywidgets 8" in shown
    live = next(c for c in nb.cells if c.id == live_id)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in live.outputs)


@pytest.mark.parametrize("name, cell_id", [("02_tape.ipynb", "stepper-static"),
                                           ("03_vjps.ipynb", "poly-stepper-static")])
def test_the_precomputed_backward_steppers_become_live_ones(chapters, name, cell_id):
    static = next(c for c in chapters[name].cells if c.id == cell_id)
    shown = [o for o in static.outputs if "data" in o]
    assert len(shown) == 1 and "application/vnd.jupyter.widget-view+json" in shown[0].data
    # The live stepper: a slider over an image, where the precomputed one would hold a Stack.
    assert shown[0].data["text/plain"].startswith("VBox(children=(IntSlider(")
    assert "Stack" not in shown[0].data["text/plain"]
