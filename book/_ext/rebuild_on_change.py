"""Sphinx extension: re-read every page when the library or the pins change.

Sphinx re-reads only the pages whose own source changed. The chapters, though, are executed
at build time and the API page is read from the docstrings, so after an edit to
``autograd_lib/`` (or to ``constraints.txt``) an incremental build would keep every page
showing what the old library did, and say it had nothing to do. This extension keeps a
fingerprint of those inputs in Sphinx's environment and, when it differs from the last
build's, hands Sphinx every page to read again (which also executes every chapter again).

The inputs are ``course_rebuild_on`` in the Sphinx config (``sphinx.config`` in _config.yml):
files, or folders whose ``*.py`` files count, relative to the book's root.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def input_files(root: Path, entries) -> list[Path]:
    files = []
    for entry in entries:
        path = root / entry
        if not path.exists():
            raise FileNotFoundError(f"course_rebuild_on: {path} does not exist")
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def fingerprint(root: Path, entries) -> str:
    digest = hashlib.sha256()
    for path in input_files(root, entries):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _on_env_get_outdated(app, env, added, changed, removed):
    now = fingerprint(Path(app.srcdir), app.config.course_rebuild_on)
    before = getattr(env, "course_inputs_fingerprint", None)
    env.course_inputs_fingerprint = now
    if before is None or before == now:
        return []
    stale = sorted(env.found_docs - added - changed)
    logger.info("%s changed since the last build: reading all %d pages again",
                ", ".join(app.config.course_rebuild_on), len(stale))
    return stale


def setup(app):
    app.add_config_value("course_rebuild_on", [], "env")
    app.connect("env-get-outdated", _on_env_get_outdated)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
