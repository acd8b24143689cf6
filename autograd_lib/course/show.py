"""Show the library's own source in a notebook, so the book never prints a copy that could drift,
and its errors as sentences, NumPy's read-only error with the reason the tape gives it."""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap

from ..guards import explain_read_only


def source(*objects, only=None):
    """The source of ``objects`` (functions or classes) as a highlighted code block.

    The book shows code this way rather than retyping it, so the code a reader
    reads is the code that runs. The result is Markdown, which JupyterLab and
    the built book both highlight in their own style. ``only``, for one
    class, names the members to show: see ``class_source``.
    """
    from IPython.display import Markdown

    if only is not None:
        code = class_source(*objects, only=only)
    else:
        code = "\n\n".join(inspect.getsource(o).rstrip() for o in objects)
    return Markdown(f"```python\n{code}\n```")


def class_source(cls, only):
    """The lines of class ``cls`` that hold its idea: the class line, its
    docstring, ``__slots__`` and the members named in ``only`` (a property's
    getter and setter both), as written, in the file's order; a last comment
    names the members left out.
    """
    lines = inspect.getsource(cls).rstrip().splitlines()
    node = ast.parse("\n".join(lines)).body[0]
    kept, left_out = [(node.lineno, node.body[0].end_lineno)], []
    for member in node.body[1:]:
        name = _member_name(member)
        if name in only or name == "__slots__":
            first = min([member.lineno] + [d.lineno for d in getattr(
                member, "decorator_list", [])])
            kept.append((first, member.end_lineno))
        elif name not in left_out:
            left_out.append(name)
    missing = set(only) - {_member_name(m) for m in node.body[1:]}
    if missing:
        raise ValueError(f"{cls.__name__} has no member {sorted(missing)}")
    shown = ["\n".join(lines[a - 1:b]) for a, b in kept]
    prefix = " " * node.body[0].col_offset + "# "
    where = "/".join(inspect.getsourcefile(cls).rsplit("/", 2)[-2:])
    shown.append(textwrap.fill(f"Also: {', '.join(left_out)}, in {where}.", 79,
                               initial_indent=prefix, subsequent_indent=prefix))
    return "\n\n".join(shown)


def _member_name(member):
    if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return member.name
    if isinstance(member, ast.Assign) and isinstance(member.targets[0], ast.Name):
        return member.targets[0].id
    return None


def print_error(error, width=79):
    """Print an exception as ``Type: message``, wrapped to ``width`` columns.

    The chapters show the library's error messages this way, so that a long
    message reads as a paragraph instead of one line running off the page.
    NumPy's read-only error gets the reason a tape gave it.
    """
    message = explain_read_only(error) or str(error)
    print(textwrap.fill(f"{type(error).__name__}: {message}", width,
                        subsequent_indent="  "))


def explain_read_only_errors():
    """In IPython, say why an array is read-only when a reader writes into
    one the tape holds.

    NumPy's message, "assignment destination is read-only", is all a write
    into a held array (``W.data[...] -= x`` before backward) would show: the
    error a cell raises gets :func:`~autograd_lib.guards.explain_read_only`'s
    reason and ways on added to its message. Any other error is shown as
    IPython shows it. Outside IPython this does nothing.
    """
    ipython = sys.modules.get("IPython")  # imported already, if running
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or shell.custom_exceptions:
        return  # not IPython, or someone else's handler: leave it be

    def handler(shell, etype, value, tb, tb_offset=None):
        message = explain_read_only(value)
        if message is not None:
            value.args = (message,)
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset,
                            running_compiled_code=True)

    shell.set_custom_exc((ValueError,), handler)
