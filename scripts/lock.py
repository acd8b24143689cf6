"""Resolve every pin of constraints.txt for the oldest Python the project supports.

pip resolves pyproject.toml's extras (course and test, with the reader's set they include) as
if it ran on Python X.Y.0, X.Y from `requires-python`, whatever Python runs this script: a
newer one would otherwise pin releases that need it (numpy 2.5 needs 3.12, soupsieve 4 needs
3.11.5). Wheels only, so that no build runs. Needs the package index. Used by `make lock`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = """\
# Every package the course, its book build and its tests install, pinned.
# Regenerate: make lock (resolves pyproject.toml's extras for the oldest supported Python).
"""


def requirements(project, extras):
    """The requirements of ``extras``, with the project's own extras expanded in place."""
    found = list(project["dependencies"])
    for extra in extras:
        for requirement in project["optional-dependencies"][extra]:
            own = re.fullmatch(re.escape(project["name"]) + r"\[(.+)\]", requirement)
            found += requirements(project, own.group(1).split(",")) if own else [requirement]
    return found


def main():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    oldest = project["requires-python"].removeprefix(">=")
    wanted = sorted(set(requirements(project, ["course", "test"]))) + ["pip", "setuptools"]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--dry-run",
                        "--ignore-installed", "--only-binary=:all:",
                        "--python-version", f"{oldest}.0", "--target", scratch,
                        "--report", str(report), *wanted], check=True)
        installs = json.loads(report.read_text())["install"]
    pins = sorted(f"{i['metadata']['name']}=={i['metadata']['version']}" for i in installs)
    (ROOT / "constraints.txt").write_text(
        HEADER + "\n".join(sorted(pins, key=str.lower)) + "\n")
    print(f"constraints.txt: {len(pins)} pins, resolved for Python {oldest}.0")


if __name__ == "__main__":
    main()
