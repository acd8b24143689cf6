import inspect

from autograd_lib import ops
from autograd_lib.course import show


def test_source_is_the_running_code_as_a_python_block():
    shown = show.source(ops.matmul, ops.matmul_vjp).data
    assert shown.startswith("```python\n") and shown.endswith("\n```")
    assert inspect.getsource(ops.matmul).rstrip() in shown
    assert inspect.getsource(ops.matmul_vjp).rstrip() in shown


def test_a_class_shown_by_its_members_is_its_own_lines_and_names_the_rest():
    from autograd_lib import Tensor

    shown = show.class_source(Tensor, only=("__init__", "data", "grad"))
    assert len(shown.splitlines()) <= 40  # chapter 1's Tensor: the idea, not the readouts
    assert max(len(line) for line in shown.splitlines()) <= 79  # the book's code column
    source = inspect.getsource(Tensor)
    for block in shown.split("\n\n")[:-1]:
        assert block in source
    assert "def __init__" in shown and "@data.setter" in shown and "@grad.setter" in shown
    assert "def item" not in shown and "_from_op(cls" not in shown
    assert " ".join(shown.split("\n\n")[-1].replace("#", "").split()) == (
        "Also: _from_op, shape, rows, cols, dtype, item, __repr__, in autograd_lib/tensor.py.")


def test_a_member_that_is_not_there_is_named():
    from autograd_lib import Tensor

    try:
        show.class_source(Tensor, only=("__init__", "backward"))
    except ValueError as error:
        assert "Tensor has no member ['backward']" in str(error)
    else:
        raise AssertionError("no error")


def test_print_error_gives_numpys_read_only_error_the_tapes_reason(capsys):
    from autograd_lib import MLP, softmax_ce, tape_reset, xor_data

    X, y = xor_data()
    model = MLP(2, 8, 2, seed=0)
    tape_reset()
    softmax_ce(model(X), y)
    try:
        model.W1.data[0, 0] = 1.0
    except ValueError as error:
        show.print_error(error)
    tape_reset()
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("ValueError: assignment destination is read-only: the tensor whose data")
    assert "held read-only by the tape" in out and "Held now: X, W1, b1, W2, b2" in out


def test_in_ipython_a_cell_that_writes_into_a_held_array_says_why(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        show.explain_read_only_errors()
        result = shell.run_cell(
            "from autograd_lib import MLP, softmax_ce, tape_reset, xor_data\n"
            "X, y = xor_data()\nmodel = MLP(2, 8, 2, seed=0)\ntape_reset()\n"
            "loss = softmax_ce(model(X), y)\nmodel.b1.data[...] -= 0.1\n")
        message = str(result.error_in_exec)
        assert message.startswith("output array is read-only: the tensor whose data you are "
                                  "writing into is held read-only by the tape")
        assert "Held now: X, W1, b1, W2, b2" in message
        other = shell.run_cell("int('x')")
        assert str(other.error_in_exec) == "invalid literal for int() with base 10: 'x'"
        assert "ValueError" in capsys.readouterr().out
    finally:
        shell.run_cell("tape_reset()")
        InteractiveShell.clear_instance()
