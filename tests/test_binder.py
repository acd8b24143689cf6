"""What the Binder button opens: repo2docker's Notebook 7.4.7 and JupyterLab, binder/postBuild
on top. The workbook chapters run there in tests/course/test_workbook_untouched.py.

.binder-venv is built by the Makefile the way Binder builds its image (tests/binder_base.txt
stands for repo2docker's own environment), so pip's verdict on it is Binder's.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from .other_environments import BINDER, ROOT, python_of, python_says

pytestmark = pytest.mark.slow(seconds=30)


def test_pip_check_is_clean():
    done = subprocess.run([str(python_of(BINDER)), "-m", "pip", "check"], capture_output=True,
                          text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "No broken requirements found.")


def test_the_reader_gets_binders_jupyter_and_the_courses_pins_without_the_book_tools():
    found = python_says(BINDER, """
import importlib.metadata as m
for name in ["notebook", "jupyterlab", "ipywidgets", "backprop-from-scratch", "jupyter-book",
             "sphinx"]:
    try:
        print(name, m.version(name))
    except m.PackageNotFoundError:
        print(name, "-")
""").splitlines()
    versions = dict(line.split() for line in found)
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line)
    assert versions["notebook"] == "7.4.7"
    assert tuple(int(x) for x in versions["jupyterlab"].split(".")[:2]) < (4, 5)
    assert versions["ipywidgets"] == pins["ipywidgets"]
    assert versions["jupyter-book"] == versions["sphinx"] == "-"
    assert versions["backprop-from-scratch"] != "-"


def test_binders_jupyterlab_reads_the_live_editions_settings():
    # JupyterLab 4.4's notebook takes the arrow keys from a focused slider unless told otherwise.
    found = python_says(BINDER, """
import json, os
from jupyterlab.commands import get_app_dir
from jupyterlab_server.settings_utils import _get_overrides
overrides, error = _get_overrides(os.path.join(get_app_dir(), "settings"))
print(json.dumps([overrides, error]))
""")
    overrides, error = json.loads(found)
    assert not error, error
    assert overrides == json.loads((ROOT / "book" / "lite" / "overrides.json").read_text())
    shortcuts = overrides["@jupyterlab/shortcuts-extension:shortcuts"]["shortcuts"]
    assert {s["keys"][0] for s in shortcuts if s["selector"].endswith(":not(.noUi-handle)")} == {
        "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"}
