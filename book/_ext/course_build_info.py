"""Sphinx extension: put the course's version and the build date into the footer.

_config.yml is static, so its ``html.extra_footer`` carries two placeholders, ``{version}`` and
``{build_date}``. When the build starts, this extension replaces them with
``autograd_lib.__version__`` and the date of the build (UTC; ``SOURCE_DATE_EPOCH``, when set,
wins, as it does for Sphinx itself, so that a build can be reproduced byte for byte).

Jupyter Book loads it through ``sphinx.local_extensions`` in _config.yml.
"""

from __future__ import annotations

import datetime as dt
import os

from sphinx.util import logging

import autograd_lib

PLACEHOLDERS = ("{version}", "{build_date}")
logger = logging.getLogger(__name__)


def build_date() -> str:
    """Today's date in UTC as YYYY-MM-DD, or the date of ``SOURCE_DATE_EPOCH`` when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = (dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch
           else dt.datetime.now(dt.timezone.utc))
    return now.date().isoformat()


def fill_footer(footer: str, version: str, date: str) -> str:
    return footer.replace("{version}", version).replace("{build_date}", date)


def _on_config_inited(app, config) -> None:
    options = dict(config.html_theme_options or {})
    footer = options.get("extra_footer") or ""
    if not all(p in footer for p in PLACEHOLDERS):
        logger.warning("html.extra_footer in _config.yml should contain %s and %s; "
                       "the footer will not show the version and build date", *PLACEHOLDERS)
    options["extra_footer"] = fill_footer(footer, autograd_lib.__version__, build_date())
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", _on_config_inited)
    return {"version": autograd_lib.__version__,
            "parallel_read_safe": True, "parallel_write_safe": True}
