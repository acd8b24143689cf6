"""Sphinx extension: each script goes into a page once.

Jupyter Book 1.x registers sphinx-thebe's configuration script twice, and the
second copy redeclares ``const THEBE_JS_URL``, which the browser reports as an
error on every page. This drops every script tag that repeats an earlier one
(same file, same inline body), keeping the first.

Jupyter Book loads it through ``sphinx.local_extensions`` in _config.yml.
"""

from __future__ import annotations


def unique(scripts):
    """``scripts`` without repeats, in order.

    A repeat has the same file and attributes (an inline script's body is
    one; its file is None or "", depending on how it was registered); its
    priority may differ, as the copies were registered apart.
    """
    seen, kept = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    return kept


def _on_page_context(app, pagename, templatename, context, doctree):
    # In place: the list is the builder's, which later handlers (MathJax, the
    # widgets) still add this page's own scripts to.
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = unique(scripts)


def setup(app):
    # Early: a later handler may return a template name, which ends the event.
    app.connect("html-page-context", _on_page_context, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
