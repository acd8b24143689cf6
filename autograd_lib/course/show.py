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
