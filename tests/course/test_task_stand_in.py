"""checks.task: a task's function that is not written yet, or raises, lets the chapter go on.

The call runs the library's piece from exactly where the reader's started (whatever the
reader's code changed first is put back), says so in one line, and the check still sees the
reader's own function. Run All goes on; nothing is silently wrong.
"""

import numpy as np
import pytest

from autograd_lib import MLP, SGD, Tensor, backward, softmax_ce, xor_data, zero_grad
from autograd_lib.course import checks
from autograd_lib.course.checks import TASKS, check, task, unwrapped
from autograd_lib.tape import current_tape, start_backward, tape_reset


@pytest.fixture(autouse=True)
def library_pieces():
    checks.use_library()
    checks.core._NOTED.clear()  # outside IPython there are no cell runs: each test is one
    yield
    checks.use_library()


def note(task_id):
    name = TASKS[task_id].name
    return f"(Task {task_id}: {name} is not written yet, so the library's {name} ran here.)\n"


def params():
    W = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True, name="W")
    b = Tensor([[0.25, -0.75]], requires_grad=True, name="b")
    W.grad = np.array([[0.5, -0.5], [1.0, 2.0]], dtype=np.float32)
    b.grad = np.array([[-1.0, 1.0]], dtype=np.float32)
    return [W, b]


def test_an_unwritten_task_runs_the_librarys_piece_and_says_so(capsys):
    @task("5.1")
    def sgd_step(params, lr):
        raise NotImplementedError("Task 5.1 sgd_step is not written yet")

    mine, library = params(), params()
    sgd_step(mine, 0.1)
    checks.TASKS["5.1"].library(library, 0.1)
    assert capsys.readouterr().out == note("5.1")
    for a, b in zip(mine, library):
        np.testing.assert_array_equal(a.data, b.data)


def test_a_step_that_raises_halfway_is_undone_before_the_library_steps(capsys):
    @task("5.1")
    def sgd_step(params, lr):
        params[0].data = params[0].data - lr * params[0].grad  # the first one moves...
        params[1].data -= lr * params[1].grad.T  # ...then a mistake raises
        return None

    mine, library = params(), params()
    versions = [p.version for p in mine]
    sgd_step(mine, 0.1)
    TASKS["5.1"].library(library, 0.1)
    out = capsys.readouterr().out
    assert out.startswith("(Task 5.1: your sgd_step raised ValueError, so the library's sgd_step ran "
                          "here; the check below shows where.)")
    for a, b in zip(mine, library):
        np.testing.assert_array_equal(a.data, b.data)  # one step, not one and a half
    assert [p.version for p in mine] == [v + 1 for v in versions]


def test_backward_whose_stub_already_marked_the_tape_still_gets_the_librarys_walk(capsys):
    @task("2.2")
    def my_backward(loss):
        start_backward(loss)
        raise NotImplementedError("Task 2.2 backward is not written yet")

    X, y = xor_data()
    model = MLP(2, 8, 2, seed=0)
    tape_reset()
    my_backward(softmax_ce(model(X), y))
    mine = [p.grad.copy() for p in model.params]
    zero_grad(model.params)
    tape_reset()
    backward(softmax_ce(model(X), y))
    for a, p in zip(mine, model.params):
        np.testing.assert_array_equal(a, p.grad)
    assert capsys.readouterr().out == note("2.2")


def test_the_tape_and_an_optimisers_state_are_put_back():
    @task("7.2")
    def train_epoch(model, optimizer, X, y, batch_size, rng):
        tape_reset()
        optimizer.state[0]["momentum_buffer"] = np.ones((2, 8))
        model(X)
        raise RuntimeError("a mistake")

    X, y = xor_data()
    model, twin = MLP(2, 8, 2, seed=0), MLP(2, 8, 2, seed=0)
    tape_reset()
    before = current_tape()
    train_epoch(model, SGD(model.params, 0.1, momentum=0.9), X, y, 2, np.random.default_rng(0))
    TASKS["7.2"].library(twin, SGD(twin.params, 0.1, momentum=0.9), X, y, 2, np.random.default_rng(0))
    assert current_tape() is not before or len(before.entries) == 0
    for a, b in zip(model.params, twin.params):
        np.testing.assert_array_equal(a.data, b.data)


def test_a_tape_put_back_holds_its_arrays_again(capsys):
    @task("1.1")
    def zero_grad(*tensors):
        tape_reset()  # lets go of what the tape held
        raise RuntimeError("a mistake")

    X, _ = xor_data()
    model = MLP(2, 8, 2, seed=0)
    tape_reset()
    before = current_tape()
    model(X)
    zero_grad(model.params)
    assert current_tape() is before
    assert not model.W1.data.flags.writeable
    tape_reset()
    assert model.W1.data.flags.writeable
    capsys.readouterr()


def test_a_refusal_the_library_makes_too_is_raised_as_it_is(capsys):
    @task("5.1")
    def sgd_step(params, lr):
        if isinstance(params, Tensor):
            raise TypeError("sgd_step takes a list of parameters, got one Tensor")
        raise NotImplementedError("Task 5.1 sgd_step is not written yet")

    W = params()[0]
    before = W.data.copy()
    with pytest.raises(TypeError, match="got one Tensor"):
        sgd_step(W, 0.1)
    np.testing.assert_array_equal(W.data, before)
    assert capsys.readouterr().out == ""


def test_the_note_comes_once_per_cell_run_not_once_per_call(capsys):
    @task("3.3")
    def relu_vjp(entry, dout):
        raise NotImplementedError("Task 3.3 relu_vjp is not written yet")

    tape_reset()
    from autograd_lib import relu
    x = Tensor([[1.0, -1.0]], requires_grad=True)
    relu(x)
    entry = current_tape().entries[-1]
    for _ in range(3):
        (dx,) = relu_vjp(entry, np.ones((1, 2)))
        np.testing.assert_array_equal(dx, [[1.0, 0.0]])
    assert capsys.readouterr().out == note("3.3")


def test_the_check_tests_and_plugs_in_the_readers_own_function(capsys):
    @task("5.1")
    def mine(params, lr):
        for p in params:
            if p.grad is not None:
                p.data -= lr * p.grad

    assert unwrapped(mine) is mine.__wrapped__
    assert check("5.1", mine) is mine.__wrapped__
    assert "Task 5.1 sgd_step: passed." in capsys.readouterr().out
    from autograd_lib import plugin
    assert plugin.plugged()["sgd_step"] is mine.__wrapped__
