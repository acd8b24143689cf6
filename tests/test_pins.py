"""constraints.txt: every pin installs on the oldest Python the project supports.

The environment the tests run in was installed from these pins, so each pinned distribution's
own metadata is here to read: no package index needed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
OLDEST = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "project"]["requires-python"].removeprefix(">=")


def pins():
    found = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line).groups()
            found[canonicalize_name(name)] = version
    return found


PINS = pins()


def lock_script():
    spec = importlib.util.spec_from_file_location("lock", ROOT / "scripts" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_lock_resolves_every_extra_for_the_oldest_python():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lock: .*\n\t\$\(BIN\)/python scripts/lock.py$", makefile, re.M)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = lock_script().requirements(project, ["course", "test"])
    names = {canonicalize_name(re.match(r"[A-Za-z0-9_.\-]+", r).group(0)) for r in wanted}
    assert {"numpy", "ipywidgets", "jupyterlab", "jupyter-book", "nbval"} <= names
    assert "backprop-from-scratch" not in names, "the project's own extras are expanded"
    assert names <= set(PINS), f"not pinned: {sorted(names - set(PINS))}"
    assert '"--python-version", f"{oldest}.0"' in (ROOT / "scripts" / "lock.py").read_text()


@pytest.mark.parametrize("name", sorted(PINS))
def test_each_pin_is_what_is_installed_and_admits_the_oldest_python(name):
    installed = importlib.metadata.distribution(name)
    assert installed.version == PINS[name], f"{name}: pinned {PINS[name]}, installed {installed.version}"
    requires = installed.metadata.get("Requires-Python") or ""
    assert SpecifierSet(requires).contains(OLDEST), (
        f"{name}=={PINS[name]} needs Python {requires}: the project supports {OLDEST}; "
        f"run make lock, which resolves with Python {OLDEST}")
