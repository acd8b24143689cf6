import inspect

from autograd_lib import ops
from autograd_lib.course import show


def test_source_is_the_running_code_as_a_python_block():
    shown = show.source(ops.matmul, ops.matmul_vjp).data
    assert shown.startswith("```python\n") and shown.endswith("\n```")
    assert inspect.getsource(ops.matmul).rstrip() in shown
    assert inspect.getsource(ops.matmul_vjp).rstrip() in shown
