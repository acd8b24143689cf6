"""Sphinx extension: every chapter's launch menu opens the chapter's workbook first, live first.

The book shows the complete chapters (``notebooks/NN_*.ipynb``), but a reader who wants to
build the library opens the workbook edition (``workbook/NN_*.ipynb``), where each task is
theirs to write. sphinx-book-theme builds the launch menu (the rocket button) for the page's own
notebook; this extension runs after it and puts the workbook's entries at the top of that menu:
"Run live in your browser" (the book's own JupyterLite site, ``launch_buttons.jupyterlite_url``
in _config.yml, built by scripts/build_lite.py), then "Workbook on Binder" and "Workbook on
Colab"; then the theme's own entries, renamed "Complete chapter ...".

Jupyter Book loads it through ``sphinx.local_extensions`` in _config.yml.
"""

from __future__ import annotations

import copy

CHAPTERS = "notebooks/"
WORKBOOK = "workbook/"
LIVE = "JupyterLite"


def workbook_buttons(buttons, pagename):
    """The launch entries for the workbook of ``pagename``, then the original ones, renamed."""
    source = f"{pagename}.ipynb"
    target = WORKBOOK + source[len(CHAPTERS):]
    live, work, complete = [], [], []
    for button in buttons:
        if button.get("type") != "link" or source not in button.get("url", ""):
            complete.append(button)
            continue
        mine = copy.deepcopy(button)
        mine["url"] = button["url"].replace(source, target)
        if button["text"] == LIVE:
            mine["text"] = "Run live in your browser"
            mine["tooltip"] = ("Build this chapter yourself, here in your browser: nothing to "
                               "install, your work kept in the browser")
            button["text"] = "Complete chapter live in your browser"
            button["tooltip"] = "Run the complete chapter in your browser"
            live.append(mine)
        else:
            mine["text"] = f"Workbook on {button['text']}"
            mine["tooltip"] = f"Build this chapter yourself: open its workbook on {button['text']}"
            work.append(mine)
            button["text"] = f"Complete chapter on {button['text']}"
        complete.append(button)
    return live + work + complete


def _on_page_context(app, pagename, templatename, context, doctree):
    if not pagename.startswith(CHAPTERS):
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            group["buttons"] = workbook_buttons(group["buttons"], pagename)


def setup(app):
    # The theme adds its launch buttons at priority 501; this must run after it.
    app.connect("html-page-context", _on_page_context, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
