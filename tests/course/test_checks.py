"""The workbook's checks: each passes the library's own piece, says "not written yet" for a
stub, and recognises the mistakes readers make, naming the task, the case and the mistake, never
the line that fixes it (that comes from hint(), on request).

Every function below named ``planted_*`` is a reader's answer with one known mistake.
"""

import re

import nbformat
import numpy as np
import pytest

from autograd_lib import (MLP, VJP_RULES, Tensor, adam_update, backward, batches, he_init, ops, plugin, relu,
                          sgd_step, softmax_ce, train_on_batch, xor_data, zero_grad)
from autograd_lib.course import checks
from autograd_lib.course.checks import TASKS, check, run_check
from autograd_lib.course.workbook import solution_regions, task_cells
from autograd_lib.tape import TapeEntry, apply_vjp, current_tape, start_backward, tape_reset

from .running import NOTEBOOKS


@pytest.fixture(autouse=True)
def library_pieces():
    checks.use_library()
    yield
    checks.use_library()


@pytest.mark.parametrize("task_id", list(TASKS))
def test_the_library_piece_passes(task_id):
    verdict = run_check(task_id, TASKS[task_id].library)
    assert verdict.passed, str(verdict)
    assert str(verdict).startswith(f"Task {task_id} {TASKS[task_id].name}: passed.\n  Checked ")


@pytest.mark.parametrize("task_id", list(TASKS))
def test_a_stub_is_not_written_yet(task_id):
    def stub(*args, **kwargs):
        raise NotImplementedError(f"Task {task_id}")

    verdict = run_check(task_id, stub)
    assert verdict.status == "not written"
    assert str(verdict).splitlines()[0] == (
        f"Task {task_id} {TASKS[task_id].name}: not written yet (it raises NotImplementedError).")


def solution_lines(task_id):
    """The lines of the task's solution region in the book, without spaces: what fixes it."""
    book = nbformat.read(NOTEBOOKS / f"{TASKS[task_id].chapter}.ipynb", as_version=4)
    source = task_cells(book)[task_id].source.splitlines()
    lines = [source[i] for begin, end in solution_regions("\n".join(source))
             for i in range(begin + 1, end)]
    code = ["".join(line.split("#")[0].split()) for line in lines]
    return {line for line in code if len(line) >= 10}


def failure(task_id, fn):
    """The verdict on a planted mistake: failed, with no traceback and without the line that
    fixes it (issue 20: a check names the mistake; the code comes only from hint(), on request)."""
    verdict = run_check(task_id, fn)
    assert verdict.status == "failed", str(verdict)
    text = str(verdict)
    assert text.startswith(f"Task {task_id} {TASKS[task_id].name}: failed.")
    assert "Traceback" not in text
    # The reader's own lines, quoted where the error came from, may be right, and an error the
    # library raised says its own fix (as PyTorch's do); the rest must not hand over a right line.
    ours = [line for line in text.splitlines() if not line.startswith("      ")]
    squeezed = "".join("".join(ours).split())
    squeezed = re.sub(r"Itraised\w+:.*?(?=inside|atthisline)", "", squeezed)
    shown = [line for line in solution_lines(task_id) if line in squeezed]
    assert shown == [], f"the verdict shows the solution's line(s) {shown}:\n{text}"
    assert f'hint("{task_id}")' in text, "every failure points to the hint ladder"
    return verdict, " ".join(text.split())


# ---- chapter 3: the hints the issue names, one planted mistake each ----

def planted_matmul_no_transpose(entry, dout):
    a, b = entry.inputs
    return dout @ b.data, a.data.T @ dout


def test_missing_transpose_in_matmul_on_square_matrices():
    verdict, text = failure("3.1", planted_matmul_no_transpose)
    # Non-square cases raise inside NumPy first: the hint names the transpose there too.
    assert "Case: batch 1: a (1, 3), b (3, 2), dout (1, 2)" in text
    assert "NumPy could not multiply these shapes: a transpose is missing or misplaced" in text
    assert "at this line of your planted_matmul_no_transpose: return dout @ b.data, a.data.T @ dout" in text


def planted_matmul_square_only(entry, dout):
    a, b = entry.inputs
    if a.shape[0] == a.shape[1] == b.shape[1]:
        return dout @ b.data, a.data.T @ dout
    return dout @ b.data.T, a.data.T @ dout


def test_missing_transpose_seen_in_the_values_of_the_square_case():
    verdict, text = failure("3.1", planted_matmul_square_only)
    assert verdict.case.startswith("square: a (3, 3), b (3, 3), dout (3, 3)")
    assert "da is wrong: furthest off at" in text and "(expected: float64 central differences)" in text
    assert "Likely mistake: your da multiplies dout by b untransposed" in text


def planted_bias_not_summed(entry, dout):
    return dout.copy(), dout.copy()


def test_bias_gradient_not_summed_over_the_batch():
    verdict, text = failure("3.2", planted_bias_not_summed)
    assert "Case: width 1: a (5, 1), bias (1, 1), dout (5, 1)" in text
    assert "dbias has shape (5, 1); bias has shape (1, 1)" in text
    assert "the sum ran along each row" not in text
    assert "its gradient gathers dout over the batch (the rows), shape (1, 1)" in text


def planted_bias_mean(entry, dout):
    return dout.copy(), dout.mean(axis=0, keepdims=True)


def test_bias_gradient_as_a_mean():
    _, text = failure("3.2", planted_bias_mean)
    assert "Case: width 1" in text and "your dbias is the MEAN of dout's rows" in text


def planted_bias_in_place(entry, dout):
    dbias = dout.sum(axis=0, keepdims=True)
    dout *= 1.0  # harmless numbers, but written into backward's own array
    dout[0, 0] += 1.0
    return dout, dbias


def test_a_rule_that_changes_dout_in_place_is_named():
    _, text = failure("3.2", planted_bias_in_place)
    assert "your function changed dout in place" in text and "dout belongs to backward" in text


def test_add_bias_may_return_dout_itself():
    verdict = run_check("3.2", lambda entry, dout: (dout, dout.sum(axis=0, keepdims=True)))
    assert verdict.passed, str(verdict)


def planted_relu_of_the_gradient(entry, dout):
    return (np.maximum(dout, 0),)


def test_relu_vjp_that_applies_relu_to_the_gradient():
    verdict, text = failure("3.3", planted_relu_of_the_gradient)
    assert verdict.case == "batch 1: x (1, 4), dout (1, 4)"
    assert ("dx is wrong: furthest off at [0, 1], yours +1.64284, expected +0; absolute error 1.64"
            in text)
    assert "your dx is max(dout, 0): that applies relu to the gradient" in text
    assert "relu's at the INPUT, which the forward saved" in text


def planted_relu_at_zero(entry, dout):
    return (dout * (entry.inputs[0].data >= 0),)


def test_relu_vjp_with_slope_one_at_the_kink():
    verdict, text = failure("3.3", planted_relu_at_zero)
    assert verdict.case.startswith("inputs exactly 0")
    assert "(expected: the library)" in text and "XOR's input (0, 0)" in text


def planted_tanh_of_the_input(entry, dout):
    x = entry.inputs[0].data
    return (dout * (1 - x ** 2),)


def test_tanh_vjp_on_the_input_instead_of_the_output():
    _, text = failure("3.4", planted_tanh_of_the_input)
    assert "your dx squares the INPUT x; tanh's slope is 1 - tanh(x)^2, in terms of its OUTPUT" in text


def planted_softmax_without_mean(entry, dout):
    dz = entry.saved["probs"].copy()
    dz[entry.saved["rows"], entry.saved["labels"]] -= 1
    return (dz * dout[0, 0],)


def test_softmax_ce_vjp_without_the_1_over_B():
    verdict, text = failure("3.5", planted_softmax_without_mean)
    assert verdict.case.startswith("width 1 (one class)") is False
    assert "your dz is B times too large: the loss is a MEAN over the B rows" in text


def planted_softmax_ignores_dout(entry, dout):
    dz = entry.saved["probs"].copy()
    dz[entry.saved["rows"], entry.saved["labels"]] -= 1
    return (dz / dz.shape[0],)


def test_softmax_ce_vjp_that_ignores_dout():
    verdict, text = failure("3.5", planted_softmax_ignores_dout)
    assert "dout = 2.5" in verdict.case and "your dz ignores dout, the gradient arriving" in text


def planted_softmax_changes_saved(entry, dout):
    dz = entry.saved["probs"]
    dz[entry.saved["rows"], entry.saved["labels"]] -= 1
    return (dz * dout[0, 0] / dz.shape[0],)


def test_softmax_ce_vjp_that_changes_the_saved_probabilities():
    _, text = failure("3.5", planted_softmax_changes_saved)
    assert "entry.saved['probs'] was changed by your VJP" in text


def planted_array_not_tuple(entry, dout):
    return dout * entry.saved["mask"]


def test_vjp_returning_an_array_instead_of_a_tuple():
    _, text = failure("3.3", planted_array_not_tuple)
    assert "it returned an array of shape (1, 4), not a tuple" in text
    assert "here (dx,) (mind the comma: (dx) is just dx)" in text


def planted_wrong_shape(entry, dout):
    a, b = entry.inputs
    return dout @ b.data.T, dout.T @ a.data


def test_vjp_gradient_of_the_wrong_shape_names_the_expected_shape():
    verdict, text = failure("3.1", planted_wrong_shape)
    assert "db has shape (2, 3); b has shape (3, 2)" in text
    assert "a gradient has its input's shape, here b's shape (N, M)" in text


# ---- chapter 2: backward ----

def planted_backward_overwrites(loss):
    tape = start_backward(loss)
    loss.grad = np.ones_like(loss.data)
    for entry in reversed(tape.entries):
        if entry.out.grad is None:
            continue
        for t, g in zip(entry.inputs, apply_vjp(entry, entry.out.grad)):
            if g is not None and t.requires_grad:
                t.grad = g


def test_backward_with_equals_instead_of_plus_equals():
    verdict, text = failure("2.2", planted_backward_overwrites)
    assert verdict.case == "a tensor used twice: add_bias(tanh(x), x)"
    assert "x.grad is wrong" in text and "the second replaced the first instead of being added" in text


def planted_backward_forwards(loss):
    tape = start_backward(loss)
    loss.grad = np.ones_like(loss.data)
    for entry in tape.entries:
        if entry.out.grad is None:
            continue
        for t, g in zip(entry.inputs, apply_vjp(entry, entry.out.grad)):
            if g is not None and t.requires_grad:
                t.grad = g if t.grad is None else t.grad + g


def test_backward_walking_the_tape_forwards():
    _, text = failure("2.2", planted_backward_forwards)
    assert "W1.grad is None; it should be an array of shape (2, 8)" in text
    assert "no gradient reached any tensor: the walk never started from the loss's own entry" in text


def planted_backward_no_skip(loss):
    tape = start_backward(loss)
    loss.grad = np.ones_like(loss.data)
    for entry in reversed(tape.entries):
        for t, g in zip(entry.inputs, apply_vjp(entry, entry.out.grad)):
            if g is not None and t.requires_grad:
                t.grad = g if t.grad is None else t.grad + g


def test_backward_that_calls_a_vjp_with_no_gradient():
    verdict, text = failure("2.2", planted_backward_no_skip)
    assert verdict.case.startswith("an op whose output leads nowhere")
    assert "It raised TypeError: unsupported operand type(s) for *: 'NoneType'" in text
    assert "inside ops.tanh_vjp, called from your planted_backward_no_skip:" in text
    assert "does not lead to the loss, and your walk called its VJP anyway" in text


# ---- chapter 4: the central difference ----

def planted_one_sided(f, p, h):
    grad = np.zeros(p.shape)
    base = f()
    for idx in np.ndindex(*p.shape):
        saved = p.data[idx]
        p.data[idx] = saved + h
        grad[idx] = (f() - base) / h
        p.data[idx] = saved
    return grad


def test_one_sided_difference():
    _, text = failure("4.1", planted_one_sided)
    assert "that is the one-sided difference from p up to p + h" in text


def planted_missing_2h(f, p, h):
    grad = np.zeros(p.shape)
    for idx in np.ndindex(*p.shape):
        saved = p.data[idx]
        p.data[idx] = saved + h
        plus = f()
        p.data[idx] = saved - h
        minus = f()
        p.data[idx] = saved
        grad[idx] = (plus - minus) / 2 * h
    return grad


def test_missing_parentheses_around_2h():
    _, text = failure("4.1", planted_missing_2h)
    assert "a / 2 * h divides by 2 and then MULTIPLIES by h" in text


def planted_not_restored(f, p, h):
    grad = np.zeros(p.shape)
    for idx in np.ndindex(*p.shape):
        saved = p.data[idx]
        p.data[idx] = saved + h
        plus = f()
        p.data[idx] = saved - h
        minus = f()
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def test_perturbation_not_undone():
    _, text = failure("4.1", planted_not_restored)
    assert "p.data is not what it was before the call" in text and "never put back" in text


# ---- chapters 1, 2 and 5 ----

def planted_he_variance_as_std(t, fan_in, rng):
    t.data[...] = rng.standard_normal(t.shape) * (2.0 / fan_in)
    return t


def test_he_init_without_the_square_root():
    _, text = failure("1.2", planted_he_variance_as_std)
    assert "scaled by the variance, 2 / fan_in, instead of the standard deviation" in text


def planted_he_global_rng(t, fan_in, rng):
    t.data[...] = np.random.standard_normal(t.shape) * np.sqrt(2.0 / fan_in)
    return t


def test_he_init_drawing_from_numpys_global_state():
    _, text = failure("1.2", planted_he_global_rng)
    assert "the numbers came from somewhere other than rng" in text


def planted_zero_grad_new_buffer(*tensors):
    for t in tensors:
        for p in t if isinstance(t, list) else [t]:
            if p.grad is not None:
                p.grad = np.zeros_like(p.grad)


def test_zero_grad_that_allocates_a_new_buffer():
    _, text = failure("1.1", planted_zero_grad_new_buffer)
    assert "W.grad is a new array" in text and "the old buffer, which training reuses" in text


def planted_zero_grad_no_lists(*tensors):
    for p in tensors:
        if p.grad is not None:
            p.grad.fill(0)


def test_zero_grad_that_does_not_accept_a_list():
    _, text = failure("1.1", planted_zero_grad_no_lists)
    assert "It raised AttributeError: 'list' object has no attribute 'grad'" in text
    assert "your code treated a list as one tensor" in text


def planted_record_at_the_front(op, inputs, out, saved=None, kink=None):
    from autograd_lib.tape import TapeEntry
    current_tape().entries.insert(0, TapeEntry(op, inputs, out, saved, kink))


def test_record_that_prepends():
    _, text = failure("2.1", planted_record_at_the_front)
    assert "reverse order" in text and "backward walks it from the end" in text


def planted_sgd_ascent(params, lr):
    for p in params:
        if p.grad is not None:
            p.data += lr * p.grad


def test_sgd_step_that_climbs():
    _, text = failure("5.1", planted_sgd_ascent)
    assert "W1.data is wrong" in text and "the step went uphill" in text


def planted_train_step_no_zero_grad(model, X, y, lr):
    tape_reset()
    logits = model(X)
    loss = softmax_ce(logits, y)
    backward(loss)
    from autograd_lib import sgd_step
    sgd_step(model.params, lr)
    return loss, logits


def test_train_step_without_zero_grad():
    verdict, text = failure("5.2", planted_train_step_no_zero_grad)
    assert verdict.case.startswith("step 2 of three")
    assert "the old gradients were never cleared" in text


def planted_train_step_step_first(model, X, y, lr):
    from autograd_lib import sgd_step, zero_grad
    tape_reset()
    zero_grad(model.params)
    logits = model(X)
    loss = softmax_ce(logits, y)
    sgd_step(model.params, lr)
    backward(loss)
    return loss, logits


def test_train_step_that_updates_before_backward():
    _, text = failure("5.2", planted_train_step_step_first)
    assert "the step came before backward: until backward has walked the tape, the tape holds" in text


# ---- plugging in and taking out ----

def test_a_passing_piece_is_plugged_in_and_a_failing_one_taken_out(capsys):
    def my_relu_vjp(entry, dout):
        return (dout * entry.saved["mask"],)

    assert check("3.3", my_relu_vjp) is my_relu_vjp
    assert VJP_RULES["relu"] is my_relu_vjp
    assert "Plugged in: from here on, backward uses your relu_vjp." in capsys.readouterr().out
    assert check("3.3", planted_relu_of_the_gradient) is TASKS["3.3"].library
    assert VJP_RULES["relu"] is TASKS["3.3"].library
    assert "Not plugged in" in capsys.readouterr().out


def test_a_plugged_function_runs_wherever_the_library_calls_it(capsys):
    calls = []

    def my_he_init(t, fan_in, rng):
        calls.append(t.shape)
        t.data[...] = rng.standard_normal(t.shape) * np.sqrt(2.0 / fan_in)
        return t

    check("1.2", my_he_init)
    calls.clear()
    MLP(2, 8, 2, seed=0)                 # the model's constructor calls he_init
    assert calls == [(2, 8), (8, 2)]
    checks.use_library("1.2")
    MLP(2, 8, 2, seed=0)
    assert calls == [(2, 8), (8, 2)]     # taken out again: the library's he_init ran


def test_each_check_judges_one_piece_with_the_library_for_the_others(capsys):
    # A broken backward is plugged in; the train_step check must still use the library's.
    plugin.plug_in("backward", planted_backward_overwrites)
    assert run_check("5.2", TASKS["5.2"].library).passed
    assert plugin.plugged()["backward"] is planted_backward_overwrites


def test_the_verdict_fits_80_columns():
    for fn in (planted_bias_not_summed, planted_relu_of_the_gradient):
        task = "3.2" if fn is planted_bias_not_summed else "3.3"
        assert max(len(line) for line in str(run_check(task, fn)).splitlines()) <= 80


def test_checking_leaves_the_readers_tape_alone():
    X, y = xor_data()
    model = MLP(2, 8, 2, seed=0)
    loss = softmax_ce(relu(model(X)), y)
    run_check("5.2", TASKS["5.2"].library)
    run_check("2.2", TASKS["2.2"].library)
    backward(loss)                      # still the reader's tape, unwalked
    assert model.W1.grad is not None


def test_run_check_plugs_nothing_in():
    run_check("1.2", planted_he_global_rng)
    run_check("3.3", TASKS["3.3"].library)
    assert he_init is TASKS["1.2"].piece and plugin.plugged() == {}
    assert VJP_RULES["relu"] is TASKS["3.3"].library


def planted_divided_by_h(f, p, h):
    grad = np.zeros(p.shape)
    for idx in np.ndindex(*p.shape):
        saved = p.data[idx]
        p.data[idx] = saved + h
        plus = f()
        p.data[idx] = saved - h
        minus = f()
        p.data[idx] = saved
        grad[idx] = (plus - minus) / h
    return grad


def test_central_difference_divided_by_h_instead_of_2h():
    _, text = failure("4.1", planted_divided_by_h)
    assert "your result is twice too large: the two points are 2 h apart" in text


# ---- chapter 6: the optimisers' updates ----

def _momentum(p, g, state, lr, momentum, nesterov, first=lambda g: g.copy(), add=lambda g: g,
              step=None):
    # A reader's momentum_update, built from its parts so that each test plants one mistake.
    buf = state.get("momentum_buffer")
    if buf is None:
        buf = state["momentum_buffer"] = first(g)
    else:
        buf *= momentum
        buf += add(g)
    p.data -= lr * (step(g, buf) if step else (g + momentum * buf if nesterov else buf))


def planted_momentum_buffer_is_the_gradient(p, g, state, lr, momentum, nesterov):
    _momentum(p, g, state, lr, momentum, nesterov, first=lambda g: g)


def planted_momentum_dampened(p, g, state, lr, momentum, nesterov):
    _momentum(p, g, state, lr, momentum, nesterov, first=lambda g: (1 - momentum) * g,
              add=lambda g: (1 - momentum) * g)


def planted_nesterov_ignored(p, g, state, lr, momentum, nesterov):
    _momentum(p, g, state, lr, momentum, nesterov, step=lambda g, buf: buf)


def planted_momentum_forgets(p, g, state, lr, momentum, nesterov):
    state.clear()
    _momentum(p, g, state, lr, momentum, nesterov)


def planted_momentum_with_lr_in_the_buffer(p, g, state, lr, momentum, nesterov):
    buf = state.get("momentum_buffer")
    if buf is None:
        buf = state["momentum_buffer"] = lr * g
    else:
        buf *= momentum
        buf += lr * g
    p.data -= buf


def planted_momentum_not_in_place(p, g, state, lr, momentum, nesterov):
    buf = state.setdefault("momentum_buffer", np.zeros_like(p.data))
    buf *= momentum
    buf += g
    p.data = p.data - lr * buf


@pytest.mark.parametrize("fn, case, words", [
    (planted_momentum_buffer_is_the_gradient, "momentum 0.9, lr 0.1, p (2, 3) float64, step 1",
     "state['momentum_buffer'] is the gradient array g itself Likely mistake: the buffer shares g's memory"),
    (planted_momentum_dampened, "momentum 0.9, lr 0.1, p (2, 3) float64, step 1",
     "Likely mistake: your buffer is a running average, with the gradient damped"),
    (planted_nesterov_ignored, "Nesterov momentum 0.9, lr 0.1, p (2, 3) float64, step 1",
     "Likely mistake: with nesterov=True the step must look ahead"),
    (planted_momentum_forgets, "momentum 0.9, lr 0.1, p (2, 3) float64, step 2",
     "Likely mistake: the buffer starts again from g at every step"),
    (planted_momentum_with_lr_in_the_buffer, "momentum 0.9, lr 0.1, p (2, 3) float64, step 1",
     "state['momentum_buffer'] is wrong: furthest off at [0, 2], yours +0.0640423, expected "
     "+0.640423; absolute error 0.576 Likely mistake: your buffer holds lr times the gradients"),
    (planted_momentum_not_in_place, "momentum 0.9, lr 0.1, p (2, 3) float64, step 1",
     "p.data is a new array after the step Likely mistake: the step replaced the parameter's array"),
])
def test_momentum_mistakes(fn, case, words):
    verdict, text = failure("6.1", fn)
    assert verdict.case == case
    assert words in text


def _adam(p, g, state, lr, betas, eps, correct_m=True, correct_v=True, eps_inside=False,
          count_after=False):
    # A reader's adam_update, built from its parts so that each test plants one mistake.
    if not state:
        state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
    if not count_after:
        state["step"] += 1
    b1, b2 = betas
    m, v, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g * g
    m_hat = m / (1 - b1**t) if correct_m else m
    v_hat = v / (1 - b2**t) if correct_v else v
    p.data -= lr * m_hat / (np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps)
    if count_after:
        state["step"] += 1


@pytest.mark.parametrize("options, words", [
    (dict(correct_m=False, correct_v=False), "Likely mistake: no bias correction: m and v start at zero"),
    (dict(correct_v=False), "Likely mistake: v is not bias-corrected, only m."),
    (dict(correct_m=False), "Likely mistake: m is not bias-corrected, only v"),
    (dict(eps_inside=True), "Likely mistake: eps went inside the square root"),
    (dict(count_after=True), "p.data has a NaN or infinite entry at [0, 0]: nan (expected: the "
     "equations, in float64) Likely mistake: a NaN or an infinity from finite gradients is a "
     "division by zero"),
])
def test_adam_mistakes(options, words):
    def planted(p, g, state, lr, betas, eps):
        _adam(p, g, state, lr, betas, eps, **options)

    verdict, text = failure("6.2", planted)
    assert verdict.case == ("p (1, 4) float64, lr 0.01, betas (0.9, 0.999), eps 1e-08, gradients of "
                            "scales 1e-3 to 1e3, step 1")
    assert words in text


def planted_adam_with_its_own_names(p, g, state, lr, betas, eps):
    state.setdefault("m", np.zeros_like(p.data))
    p.data -= lr * np.sign(g)


def planted_adam_storing_the_corrected_average(p, g, state, lr, betas, eps):
    if not state:
        state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
    state["step"] += 1
    b1, b2 = betas
    t = state["step"]
    state["exp_avg"] = (b1 * state["exp_avg"] + (1 - b1) * g) / (1 - b1**t)
    state["exp_avg_sq"] = (b2 * state["exp_avg_sq"] + (1 - b2) * g * g) / (1 - b2**t)
    p.data -= lr * state["exp_avg"] / (np.sqrt(state["exp_avg_sq"]) + eps)


def test_adam_state_under_other_names():
    _, text = failure("6.2", planted_adam_with_its_own_names)
    assert "state has no 'step', 'exp_avg', 'exp_avg_sq' after the step" in text
    assert "under PyTorch's names" in text


def test_adam_keeping_the_corrected_average_in_state():
    _, text = failure("6.2", planted_adam_storing_the_corrected_average)
    assert "state['exp_avg'] is wrong" in text
    assert "Likely mistake: state holds the bias-corrected average instead of the running" in text


def planted_adamw_as_l2(p, g, state, lr, betas, eps, weight_decay):
    adam_update(p, g + weight_decay * p.data, state, lr, betas, eps)


def planted_adamw_decaying_after_the_step(p, g, state, lr, betas, eps, weight_decay):
    adam_update(p, g, state, lr, betas, eps)
    p.data *= 1 - lr * weight_decay


def planted_adamw_without_lr(p, g, state, lr, betas, eps, weight_decay):
    p.data *= 1 - weight_decay
    adam_update(p, g, state, lr, betas, eps)


def planted_adamw_without_decay(p, g, state, lr, betas, eps, weight_decay):
    adam_update(p, g, state, lr, betas, eps)


ZERO_GRADIENT = "p (1, 3) float64, lr 0.05, weight_decay 0.5, a zero gradient: only the decay moves p"


@pytest.mark.parametrize("fn, case, words", [
    (planted_adamw_as_l2, ZERO_GRADIENT, "Likely mistake: that is Adam with L2: the decay went into "
     "the gradient"),
    (planted_adamw_decaying_after_the_step, "p (2, 3) float64, lr 0.05, weight_decay 0.5",
     "Likely mistake: the decay came after the Adam step"),
    (planted_adamw_without_lr, ZERO_GRADIENT, "Likely mistake: the decay was not scaled by the "
     "learning rate"),
    (planted_adamw_without_decay, ZERO_GRADIENT, "Likely mistake: there is no decay"),
])
def test_adamw_mistakes(fn, case, words):
    verdict, text = failure("6.3", fn)
    assert verdict.case == case + ", step 1"
    assert words in text


def test_adamw_check_uses_the_librarys_adam_update_whatever_is_plugged_in(capsys):
    def broken_adam(p, g, state, lr, betas, eps):
        p.data += 1

    check("6.2", broken_adam)  # fails, so it is not plugged in; plug it in by hand
    checks.use("6.2", broken_adam)
    assert run_check("6.3", TASKS["6.3"].library).passed


# ---- chapter 7: batches and the epoch ----

def _slices(X, y, order, batch_size, stop=None):
    stop = X.rows if stop is None else stop
    return [(Tensor(X.data[order[i:i + batch_size]]), np.asarray(y)[order[i:i + batch_size]])
            for i in range(0, stop, batch_size)]


def planted_batches_in_order(X, y, batch_size, rng):
    return _slices(X, y, np.arange(X.rows), batch_size)


def planted_batches_with_two_permutations(X, y, batch_size, rng):
    a, b = rng.permutation(X.rows), rng.permutation(X.rows)
    return [(Xb, np.asarray(y)[b[i:i + batch_size]])
            for i, (Xb, _) in zip(range(0, X.rows, batch_size), _slices(X, y, a, batch_size))]


def planted_batches_dropping_the_last(X, y, batch_size, rng):
    return _slices(X, y, rng.permutation(X.rows), batch_size, stop=X.rows - batch_size + 1)


def planted_batches_with_their_own_generator(X, y, batch_size, rng):
    return _slices(X, y, np.random.default_rng(0).permutation(X.rows), batch_size)


def planted_batches_of_arrays(X, y, batch_size, rng):
    return [(Xb.data, yb) for Xb, yb in _slices(X, y, rng.permutation(X.rows), batch_size)]


@pytest.mark.parametrize("fn, words", [
    (planted_batches_in_order, "the samples come in their original order, [0, 1, 2, 3, 4, 5, 6, 7, 8, "
     "9] Likely mistake: the samples were never shuffled"),
    (planted_batches_with_two_permutations, "a batch pairs rows of X with labels of other rows "
     "Likely mistake: X and y were ordered by different permutations"),
    (planted_batches_dropping_the_last, "(batch sizes: yours [4, 4], expected [4, 4, 2]) Likely "
     "mistake: the last, smaller batch was dropped"),
    (planted_batches_with_their_own_generator, "rng was not used: its state is as it was before the "
     "call Likely mistake: the order came from somewhere other than the Generator you were given"),
    (planted_batches_of_arrays, "an X_batch is an array of shape (4, 3) Likely mistake: each "
     "X_batch must be a new Tensor"),
])
def test_batches_mistakes(fn, words):
    verdict, text = failure("7.1", fn)
    assert verdict.case == "X (10, 3) float32 with y, batch_size 4, default_rng(5)"
    assert words in text


def planted_epoch_unweighted(model, optimizer, X, y, batch_size, rng):
    losses = [train_on_batch(model, optimizer, Xb, yb)[0].item()
              for Xb, yb in batches(X, y, batch_size, rng)]
    return sum(losses) / len(losses)


def planted_epoch_with_a_new_generator(model, optimizer, X, y, batch_size, rng):
    return TASKS["7.2"].library(model, optimizer, X, y, batch_size, np.random.default_rng(0))


def planted_epoch_of_one_full_batch(model, optimizer, X, y, batch_size, rng):
    batches(X, y, batch_size, rng)
    return train_on_batch(model, optimizer, X, y)[0].item()


def planted_epoch_returning_the_tensor(model, optimizer, X, y, batch_size, rng):
    for Xb, yb in batches(X, y, batch_size, rng):
        loss, _ = train_on_batch(model, optimizer, Xb, yb)
    return loss


def planted_epoch_stepping_twice(model, optimizer, X, y, batch_size, rng):
    total = 0.0
    for Xb, yb in batches(X, y, batch_size, rng):
        loss, _ = train_on_batch(model, optimizer, Xb, yb)
        optimizer.step()
        total += loss.item() * len(yb)
    return total / len(y)


def planted_epoch_of_plain_sgd(model, optimizer, X, y, batch_size, rng):
    from autograd_lib import train_step
    total = 0.0
    for Xb, yb in batches(X, y, batch_size, rng):
        loss, _ = train_step(model, Xb, yb, optimizer.lr)
        total += loss.item() * len(yb)
    return total / len(y)


@pytest.mark.parametrize("fn, words", [
    (planted_epoch_stepping_twice, "Likely mistake: that is two optimiser steps per minibatch: "
     "train_on_batch already steps the optimiser"),
    (planted_epoch_of_plain_sgd, "Likely mistake: those are plain SGD steps: the optimiser you were "
     "given never stepped"),
    (planted_epoch_unweighted, "it returned 1.55871; expected 1.67749, the mean loss over the epoch's "
     "samples Likely mistake: that is the plain mean of the batches' losses"),
    (planted_epoch_with_a_new_generator, "rng was not used"),
    (planted_epoch_of_one_full_batch, "W1.data after the epoch is wrong: furthest off at [2, 0], yours "
     "+0.1606, expected +0.0455609; relative error 0.0831 (the difference, 0.115, over the largest "
     "expected size, 1.38) Likely mistake: that is one step on all the samples at once"),
    (planted_epoch_returning_the_tensor, "it returned a Tensor of shape (1, 1) Likely mistake: the "
     "epoch's loss is a Python float"),
])
def test_train_epoch_mistakes(fn, words):
    verdict, text = failure("7.2", fn)
    assert verdict.case.startswith("epoch 1 of two, MLP(3, 5, 3) float64, 10 samples, batch_size 4, "
                                   "SGD(lr=0.1, momentum=0.9)")
    assert words in text


def test_whose_code_reports_on_the_chapters_checked_so_far(monkeypatch, capsys):
    monkeypatch.setattr(checks.core, "_CHECKED_CHAPTERS", set())
    assert checks.whose_code().startswith("Yours (0 of 17): none yet.")
    def sgd_step(params, lr):
        TASKS["5.1"].library(params, lr)

    check("5.1", sgd_step)
    assert checks.whose_code().startswith("Yours (1 of 12): sgd_step\nThe library's: zero_grad,")
    run_check("7.1", TASKS["7.1"].library)
    assert checks.whose_code().startswith("Yours (1 of 17): sgd_step\n")
    assert checks.whose_code().endswith("adamw_update, batches, train_epoch")


# ---- issue 20: three mistakes that got no hint, and a step that slips past the version count ----

def planted_matmul_transposing_tensors(entry, dout):
    a, b = entry.inputs
    return dout @ b.T, a.T @ dout


def test_transpose_of_a_tensor_instead_of_its_data():
    verdict, text = failure("3.1", planted_matmul_transposing_tensors)
    assert "It raised AttributeError: 'Tensor' object has no attribute 'T'" in text
    assert "Likely mistake: an input is a Tensor, not an array: it has no .T" in text


def planted_momentum_buffer_in_a_local(p, g, state, lr, momentum, nesterov):
    buf = state.get("momentum_buffer")
    if buf is None:
        buf = state["momentum_buffer"] = g.copy()
    else:
        buf = momentum * buf + g  # a new array, bound to a local name only
    p.data -= lr * buf


def test_momentum_buffer_computed_but_never_stored():
    verdict, text = failure("6.1", planted_momentum_buffer_in_a_local)
    assert verdict.case == "momentum 0.9, lr 0.1, p (2, 3) float64, step 2"
    assert "Likely mistake: the new velocity was computed into a local name and never stored" in text


def planted_epoch_taking_the_pair_for_the_loss(model, optimizer, X, y, batch_size, rng):
    total = 0.0
    for X_batch, y_batch in batches(X, y, batch_size, rng):
        loss = train_on_batch(model, optimizer, X_batch, y_batch)
        total += loss.item() * len(y_batch)
    return total / len(y)


def test_train_on_batch_returns_a_pair():
    verdict, text = failure("7.2", planted_epoch_taking_the_pair_for_the_loss)
    assert "It raised AttributeError: 'tuple' object has no attribute 'item'" in text
    assert "Likely mistake: train_on_batch returns a pair, the loss and the logits" in text


def planted_sgd_step_behind_the_tensors_back(params, lr):
    for p in params:
        if p.grad is not None:
            p.data[...] -= lr * p.grad


def test_a_step_that_writes_through_data_slices_is_named():
    verdict, text = failure("5.1", planted_sgd_step_behind_the_tensors_back)
    assert "W1's numbers changed but its version did not count it (version 0 before the step, 0 after)" in text
    assert "chapter 2's version counter" in text


# ---- the hint ladder ----

def test_hints_go_from_the_idea_to_the_math_to_the_code(capsys):
    checks.core._HINTS_GIVEN.clear()
    said = []
    for _ in range(4):
        checks.hint("3.3")
        said.append(capsys.readouterr().out)
    assert said[0].startswith("Task 3.3 relu_vjp, hint 1 of 3:\n")
    assert said[0].rstrip().endswith('(hint("3.3") again for the math.)')
    assert said[1].startswith("Task 3.3 relu_vjp, hint 2 of 3:\n")
    assert said[1].rstrip().endswith('(hint("3.3") again for the code.)')
    assert said[2].startswith("Task 3.3 relu_vjp, hint 3 of 3: the library's relu_vjp, which passes")
    assert 'return (dout * entry.saved["mask"],)' in said[2]
    assert said[3] == said[2], "the last step stays the last"


@pytest.mark.parametrize("task_id", list(TASKS))
def test_only_the_last_hint_shows_code_that_solves_the_task(task_id, capsys):
    checks.core._HINTS_GIVEN.clear()
    words = []
    for _ in range(2):
        checks.hint(task_id)
        words.append("".join(capsys.readouterr().out.split()))
    for step, text in enumerate(words, start=1):
        shown = [line for line in solution_lines(task_id) if line in text]
        assert shown == [], f"hint {step} of task {task_id} shows {shown}"
    checks.hint(task_id)
    code = "".join(capsys.readouterr().out.split())
    assert solution_lines(task_id) <= {line for line in solution_lines(task_id) if line in code}


def test_an_unknown_task_is_named_with_the_ones_there_are(capsys):
    checks.hint("3.9")
    assert capsys.readouterr().out.startswith("No task '3.9': the tasks are 1.1, 1.2, 2.1")


# ---- from a reader's trial: crashes, a missed tape_reset, mistakes that had no name ----

def test_a_vjp_that_returns_tensors_is_told_so_not_a_traceback():
    def planted(entry, dout):
        return (Tensor(dout * entry.saved["mask"]),)

    verdict, text = failure("3.3", planted)
    assert "a gradient it returned is a Tensor, not a NumPy array" in text


def test_record_with_saved_and_kink_swapped():
    def planted(op, inputs, out, saved=None, kink=None):
        current_tape().entries.append(TapeEntry(op, inputs, out, kink, saved))

    verdict, text = failure("2.1", planted)
    assert "saved and kink reached the entry in each other's places" in text


def test_a_result_the_check_cannot_read_is_a_sentence():
    def planted(f, p, h):
        return [[object()] * p.shape[1]] * p.shape[0]

    verdict, text = failure("4.1", planted)
    assert "the check could not read what your numeric_gradient gave back" in text


def test_a_train_step_without_a_fresh_tape_is_caught():
    def planted(model, X, y, lr):
        zero_grad(model.params)
        logits = model(X)
        loss = softmax_ce(logits, y)
        backward(loss)
        sgd_step(model.params, lr)
        return loss, logits

    verdict, text = failure("5.2", planted)
    assert verdict.case.startswith("step 2 of three")
    assert "the step did not start a fresh tape" in text


@pytest.mark.parametrize("task_id, planted, words", [
    ("3.3", lambda entry, dout: (dout * ~entry.saved["mask"],), "the mask is inverted"),
    ("3.3", lambda entry, dout: (dout * entry.inputs[0].data,), "relu's slope is 0 or 1, not x"),
    ("3.4", lambda entry, dout: (dout * (1 - entry.out.data) ** 2,), "uses (1 - y) squared"),
    ("3.4", lambda entry, dout: (dout * entry.out.data * (1 - entry.out.data),),
     "the slope of the logistic sigmoid"),
    ("3.1", lambda entry, dout: (dout @ entry.inputs[1].data.T / len(dout),
                                 entry.inputs[0].data.T @ dout), "your da is divided by the batch size"),
])
def test_more_named_mistakes(task_id, planted, words):
    verdict, text = failure(task_id, planted)
    assert words in text


def planted_softmax_ce_whole_columns(entry, dout):
    dz = entry.saved["probs"].copy()
    dz[:, entry.saved["labels"]] -= 1
    return (dz * dout[0, 0] / dz.shape[0],)


def test_softmax_ce_taking_the_label_off_whole_columns():
    verdict, text = failure("3.5", planted_softmax_ce_whole_columns)
    assert "not once per row at that row's own label" in text


# ---- an op without a task: its spec's check (the sigmoid of chapter 3's exercise) ----

def test_check_rule_passes_the_librarys_sigmoid_and_plugs_nothing_in(capsys):
    rule = VJP_RULES["sigmoid"]
    verdict = checks.check_rule("sigmoid", ops.sigmoid_vjp)
    assert verdict.passed and VJP_RULES["sigmoid"] is rule
    assert capsys.readouterr().out.startswith("sigmoid_vjp: passed.\n  Checked against float64")


def test_check_rule_names_the_tanh_slope_in_a_sigmoid_vjp(capsys):
    verdict = checks.check_rule("sigmoid", lambda entry, dout: (dout * (1 - entry.out.data ** 2),))
    text = capsys.readouterr().out
    assert verdict.status == "failed" and text.startswith("sigmoid_vjp: failed.")
    assert "Likely mistake: your dx uses 1 - y^2, the slope of tanh, not of the sigmoid." in text
    assert "hint(" not in text  # no task, so no hint ladder to point to


def test_check_rule_of_an_op_without_a_spec_is_named():
    with pytest.raises(KeyError, match="no spec for the op 'gelu'"):
        checks.check_rule("gelu", lambda entry, dout: (dout,))
