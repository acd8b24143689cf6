"""Show the library's own source in a notebook, so the book never prints a copy that could drift."""

from __future__ import annotations

import inspect


def source(*objects):
    """The source of ``objects`` (functions or classes) as a highlighted code block.

    The book shows code this way rather than retyping it, so the code a reader
    reads is the code that runs. The result is Markdown, which JupyterLab and
    the built book both highlight in their own style.
    """
    from IPython.display import Markdown

    code = "\n\n".join(inspect.getsource(o).rstrip() for o in objects)
    return Markdown(f"```python\n{code}\n```")


def print_error(error, width=79):
    """Print an exception as ``Type: message``, wrapped to ``width`` columns.

    The chapters show the library's error messages this way, so that a long
    message reads as a paragraph instead of one line running off the page.
    """
    import textwrap

    print(textwrap.fill(f"{type(error).__name__}: {error}", width,
                        subsequent_indent="  "))
