"""book/vendor: the JavaScript the book serves itself is exactly what npm published.

scripts/vendor_assets.sh checks each package's integrity before copying from it and records a
SHA-256 for every file it copies; here every committed file is checked against that record.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "book" / "vendor"
OURS = {"widgets-config.js", "VERSIONS", "SHA256SUMS"}


def recorded():
    sums = {}
    for line in (VENDOR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = re.fullmatch(r"([0-9a-f]{64})  (\S+)", line).groups()
        sums[name] = digest
    return sums


SUMS = recorded()


def test_every_vendored_file_is_recorded_and_nothing_is_missing():
    present = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()}
    assert present - OURS == set(SUMS)


@pytest.mark.parametrize("name", sorted(SUMS))
def test_each_file_has_its_recorded_checksum(name):
    digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
    assert digest == SUMS[name], f"book/vendor/{name} was changed: run scripts/vendor_assets.sh"


def test_versions_and_integrities_are_the_scripts():
    script = (ROOT / "scripts" / "vendor_assets.sh").read_text(encoding="utf-8")
    expected = []
    for package, var in [("mathjax", "MATHJAX"), ("requirejs", "REQUIREJS"),
                         ("@jupyter-widgets/html-manager", "HTML_MANAGER")]:
        version = re.search(rf"^{var}=(\S+)$", script, re.M).group(1)
        integrity = re.search(rf"^{var}_INTEGRITY=(sha512-\S+)$", script, re.M).group(1)
        expected.append(f"{package} {version} {integrity}")
    assert (VENDOR / "VERSIONS").read_text(encoding="utf-8").splitlines() == expected


def test_each_package_ships_its_licence():
    assert "Apache License" in (VENDOR / "mathjax" / "LICENSE").read_text(encoding="utf-8")
    html_manager = (VENDOR / "html-manager" / "LICENSE").read_text(encoding="utf-8")
    assert "Copyright (c) 2015 Project Jupyter Contributors" in html_manager
    assert "Redistribution and use in source and binary forms" in html_manager  # BSD-3-Clause
    assert (VENDOR / "html-manager" / "embed.js.LICENSE.txt").exists()
    head = (VENDOR / "require.js").read_text(encoding="utf-8")[:400]
    assert "Released under MIT license" in head
