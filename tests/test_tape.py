import gc
import threading
import tracemalloc

import numpy as np
import pytest

from autograd_lib import (MLP, SGD, Adam, Tape, Tensor, add_bias, backward, current_tape, matmul,
                          no_grad, record, relu, sgd_step, softmax_ce, tanh, tape_reset, train,
                          train_step, xor_data, zero_grad)
from autograd_lib import ops
from autograd_lib.course.op_specs import SPECS
from autograd_lib.guards import explain_read_only
from autograd_lib.tape import LIBRARY_RULES, VJP_RULES, apply_vjp


def small_graph():
    X = Tensor([[1.0, 2.0], [3.0, 4.0]], name="X")
    W = Tensor([[0.5, -1.0], [0.25, 1.0]], requires_grad=True, name="W")
    b = Tensor([[0.1, -0.2]], requires_grad=True, name="b")
    loss = softmax_ce(relu(add_bias(matmul(X, W), b)), np.array([0, 1]))
    return X, W, b, loss


def test_each_op_appends_one_entry_in_order():
    small_graph()
    assert [e.op for e in current_tape()] == ["matmul", "add_bias", "relu", "softmax_ce"]


def test_tape_table_shows_ops_shapes_and_saved_state():
    small_graph()
    lines = str(current_tape()).splitlines()
    assert lines[0].split() == ["#", "op", "inputs", "output", "saved"]
    assert lines[1].split() == ["0", "matmul", "X(2,", "2),", "W(2,", "2)", "t0(2,", "2)", "-"]
    assert "mask(2, 2)" in lines[3]
    assert "probs(2, 2)" in lines[4] and "y(2,)" in lines[4] and "(1, 1)" in lines[4]


def test_backward_seeds_one_and_fills_parameter_grads():
    X, W, b, loss = small_graph()
    X.requires_grad = False
    backward(loss)
    assert loss.grad.tolist() == [[1.0]]
    z = X.data @ W.data + b.data           # [[1.1, 0.8], [2.6, 0.8]]: relu keeps all
    assert (z > 0).all()
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    dz = (p - np.eye(2)[[0, 1]]) / 2
    np.testing.assert_allclose(b.grad, dz.sum(axis=0, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(W.grad, X.data.T @ dz, rtol=1e-5)
    assert X.grad is None  # X does not require a gradient, so backward never writes one


def test_tensor_used_twice_gets_the_sum_of_both_gradients():
    # L = CE(tanh(x) + x): x reaches the loss through tanh and through the bias slot.
    def loss_of(values):
        tape_reset()
        x = Tensor(values, requires_grad=True, dtype=np.float64)
        return x, softmax_ce(add_bias(tanh(x), x), np.array([1]))

    x, loss = loss_of([[0.3, -0.7]])
    backward(loss)
    dz = current_tape()[-1].saved["probs"] - np.array([[0.0, 1.0]])
    both_paths = dz * (1 - np.tanh(x.data) ** 2) + dz
    np.testing.assert_allclose(x.grad, both_paths, rtol=1e-12)
    h = 1e-6
    for j in range(2):
        plus, minus = x.data.copy(), x.data.copy()
        plus[0, j] += h
        minus[0, j] -= h
        numeric = (loss_of(plus)[1].item() - loss_of(minus)[1].item()) / (2 * h)
        assert x.grad[0, j] == pytest.approx(numeric, rel=1e-7)


def test_gradients_accumulate_across_two_tapes_until_zeroed():
    X, W, b, loss = small_graph()
    backward(loss)
    first = W.grad.copy()
    tape_reset()
    loss2 = softmax_ce(relu(add_bias(matmul(X, W), b)), np.array([0, 1]))
    backward(loss2)
    np.testing.assert_allclose(W.grad, 2 * first, rtol=1e-6)


def test_second_backward_on_the_same_tape_is_refused_and_adds_nothing():
    _, W, b, loss = small_graph()
    backward(loss)
    W_grad, b_grad = W.grad.copy(), b.grad.copy()
    with pytest.raises(RuntimeError, match="already called on this tape"):
        backward(loss)
    np.testing.assert_array_equal(W.grad, W_grad)
    np.testing.assert_array_equal(b.grad, b_grad)


def test_recording_onto_a_walked_tape_is_an_error():
    X, W, b, loss = small_graph()
    backward(loss)
    with pytest.raises(RuntimeError, match="call tape_reset"):
        matmul(X, W)


def test_backward_on_a_non_scalar_names_its_shape():
    X = Tensor(np.ones((3, 2)))
    W = Tensor(np.ones((2, 4)), requires_grad=True)
    with pytest.raises(ValueError, match=r"scalar \(1, 1\) loss; got shape \(3, 4\)"):
        backward(matmul(X, W))


def test_backward_on_a_loss_from_an_old_tape_is_an_error():
    *_, loss = small_graph()
    tape_reset()
    with pytest.raises(RuntimeError, match=r"not recorded on the current tape: tape_reset\(\) was "
                                           r"called after the forward pass"):
        backward(loss)


def test_tape_reset_releases_the_intermediates():
    small_graph()
    assert current_tape().nbytes() > 0
    tape_reset()
    assert len(current_tape()) == 0 and current_tape().nbytes() == 0


def test_tape_nbytes_grows_linearly_with_batch():
    def held(batch):
        tape_reset()
        model = MLP(2, 16, 2, seed=0)
        X = Tensor(np.zeros((batch, 2)))
        softmax_ce(model(X), np.zeros(batch, dtype=int))
        return current_tape().nbytes()

    assert held(200) == pytest.approx(2 * held(100), rel=0.01)


def test_memory_stays_flat_over_10000_epochs():
    # Compared after a full collection, which also empties Python's free lists: what is left
    # over is what training holds on to.
    X, y = xor_data()
    model = MLP(2, 8, 2, seed=0)
    train(model, X, y, epochs=500)  # warm up caches and lazily allocated grads
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    history = train(model, X, y, epochs=10_000)
    gc.collect()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    kept = history.loss.nbytes + history.correct.nbytes
    assert after - before - kept < 16_000
    assert peak - before - kept < 400_000


# ---- a tape per thread, and as a context manager ----

def test_a_tape_used_as_a_context_manager_records_inside_only():
    outer = current_tape()
    X, W, b, _ = small_graph()
    with Tape() as inner:
        loss = softmax_ce(matmul(X, W), np.array([0, 1]))
        assert current_tape() is inner
        backward(loss)
    assert current_tape() is outer and len(outer) == 4
    assert [e.op for e in inner] == ["matmul", "softmax_ce"] and inner.walked and not outer.walked


def train_weights(seed):
    X, y = xor_data()
    model = MLP(2, 8, 2, seed=seed)
    train(model, X, y, lr=0.5, epochs=60)
    return [p.data.copy() for p in model.params]


def test_two_threads_train_two_models_as_one_thread_would():
    expected = {seed: train_weights(seed) for seed in (0, 1)}
    results, failures = {}, []

    def worker(seed, run):
        try:
            results[(seed, run)] = train_weights(seed)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(repr(error))

    for run in range(100):
        threads = [threading.Thread(target=worker, args=(seed, run)) for seed in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
    for (seed, _), weights in results.items():
        for got, want in zip(weights, expected[seed]):
            np.testing.assert_array_equal(got, want)
    assert len(results) == 200


# ---- what backward refuses, and why ----

def test_a_tape_reset_inside_the_forward_pass_is_refused():
    X, y = xor_data()
    m = MLP(2, 8, 2, seed=0)
    h = m.hidden(X)
    tape_reset()
    loss = softmax_ce(add_bias(matmul(h, m.W2), m.b2), y)
    with pytest.raises(RuntimeError, match=r"entry 0 \(matmul\) reads input 0 of shape \(4, 8\), "
                                           r"which an op made on an older tape"):
        backward(loss)
    assert m.W1.grad is None


def test_a_tensor_assigned_after_recording_is_refused_by_backward():
    X, y = xor_data()
    m = MLP(2, 8, 2, seed=0)
    loss = softmax_ce(m(X), y)
    m.W1.data = m.W1.data + 1
    with pytest.raises(RuntimeError, match=r"reads input 1 'W1' \(2, 8\), which was changed in place "
                                           r"after the op ran \(version 0 then, 1 now\)"):
        backward(loss)


WRITES_IN_PLACE = {
    "W1.data *= 2": lambda W: W.data.__imul__(2),
    "W1.data[...] -= 0.1": lambda W: W.data.__setitem__(Ellipsis, W.data - 0.1),
    "W1.data[0, 0] = 1": lambda W: W.data.__setitem__((0, 0), 1.0),
    "np.add(W1.data, 1, out=W1.data)": lambda W: np.add(W.data, 1, out=W.data),
    "np.copyto(W1.data, 0)": lambda W: np.copyto(W.data, 0),
}


@pytest.mark.parametrize("write", WRITES_IN_PLACE)
def test_a_write_in_place_while_the_tape_holds_a_tensor_is_refused_and_explained(write):
    X, y = xor_data()
    m = MLP(2, 8, 2, seed=0)
    before = m.W1.data.copy()
    loss = softmax_ce(m(X), y)
    with pytest.raises(ValueError, match="read-only") as refused:
        WRITES_IN_PLACE[write](m.W1)
    np.testing.assert_array_equal(m.W1.data, before)
    why = explain_read_only(refused.value)
    assert "is held read-only by the tape" in why and "backward(loss) first" in why
    assert "W1" in why.split("Held now:")[1]
    # Nothing changed, so the gradients are those of the forward pass that ran.
    backward(loss)
    fresh = MLP(2, 8, 2, seed=0)
    tape_reset()
    backward(softmax_ce(fresh(X), y))
    np.testing.assert_array_equal(m.W1.grad, fresh.W1.grad)


def test_walking_the_tape_or_dropping_it_makes_the_arrays_writable_again():
    X, y = xor_data()
    m = MLP(2, 8, 2, seed=0)
    tape_reset()
    loss = softmax_ce(m(X), y)
    assert not any(p.data.flags.writeable for p in m.params)
    backward(loss)
    assert all(p.data.flags.writeable for p in m.params)
    m.W1.data[0, 0] = 5.0  # after backward: allowed, as an optimiser does
    tape_reset()
    softmax_ce(m(X), y)
    assert not m.W2.data.flags.writeable
    tape_reset()
    assert m.W2.data.flags.writeable
    with Tape():
        softmax_ce(m(X), y)
        assert not m.b1.data.flags.writeable
    assert m.b1.data.flags.writeable
    with no_grad():
        softmax_ce(m(X), y)
    assert all(p.data.flags.writeable for p in m.params)


def test_a_tape_that_is_dropped_lets_go_of_its_arrays():
    X, y = xor_data()
    m = MLP(2, 8, 2, seed=0)
    tape = Tape()
    with tape:
        softmax_ce(m(X), y)
    assert m.W1.data.flags.writeable  # the block ended: nothing can walk it
    tape.hold((m.W1,), m.b1)
    assert not m.W1.data.flags.writeable
    del tape
    assert m.W1.data.flags.writeable and m.b1.data.flags.writeable


def test_an_array_the_tape_holds_is_copied_when_another_tensor_takes_it():
    X, y = xor_data()
    m = MLP(2, 8, 2, seed=0)
    tape_reset()
    softmax_ce(m(X), y)
    other = Tensor(np.zeros((2, 8)))
    other.data = m.W1.data
    other.data[0, 0] = 7.0  # its own copy: W1 is untouched
    assert m.W1.data[0, 0] != 7.0
    tape_reset()


def test_a_read_only_array_assigned_to_a_tensor_is_copied():
    view = np.broadcast_to(np.ones((1, 3), dtype=np.float32), (1, 3))
    t = Tensor(np.zeros((1, 3)))
    t.data = view  # a tensor's array is writable until a tape holds it
    assert t.data.flags.writeable and t.data is not view


def test_an_array_read_only_before_the_tape_saw_it_stays_read_only():
    # An op of a reader's may hand back a read-only view; letting go must not make it writable
    # (NumPy would refuse: its base is read-only).
    t = Tensor(np.ones((1, 3)), requires_grad=True)
    out = Tensor._from_op(np.broadcast_to(np.ones((1, 3), dtype=np.float32), (1, 3)), True)
    with Tape() as tape:
        record("identity", (t,), out)
        assert len(tape.held) == 1 and tape.held[0] is t.data and not t.data.flags.writeable
    assert t.data.flags.writeable and not out.data.flags.writeable


def test_the_optimisers_refuse_a_step_before_backward_and_say_why():
    X, y = xor_data()
    m = MLP(2, 8, 2, seed=0)
    tape_reset()
    loss = softmax_ce(m(X), y)
    for p in m.params:
        p.grad = np.ones_like(p.data)
    before = [p.data.copy() for p in m.params]
    with pytest.raises(RuntimeError, match=r"sgd_step: parameter 'W1' is held read-only by the tape: "
                                           r"a forward pass recorded it, and backward has not walked"):
        sgd_step(m.params, 0.1)
    for name, opt in [("SGD", SGD(m.params, lr=0.1, momentum=0.9)), ("Adam", Adam(m.params))]:
        with pytest.raises(RuntimeError, match=rf"{name}.step: parameter 'W1' is held read-only"):
            opt.step()
    for p, b in zip(m.params, before):
        np.testing.assert_array_equal(p.data, b)
    for p in m.params:
        p.grad = None
    backward(loss)
    sgd_step(m.params, 0.1)  # after backward, as a training step does
    assert m.W1.version == 1


def test_explain_read_only_leaves_other_errors_alone():
    tape_reset()
    assert explain_read_only(ValueError("assignment destination is read-only")) is None
    assert explain_read_only(ValueError("something else")) is None
    assert explain_read_only(TypeError("output array is read-only")) is None


def test_backward_refuses_a_loss_made_inside_no_grad():
    X, y = xor_data()
    with no_grad():
        loss = softmax_ce(MLP(2, 8, 2, seed=0)(X), y)
    with pytest.raises(RuntimeError, match=r"computed inside no_grad\(\), which records nothing"):
        backward(loss)


def test_a_vjp_that_returns_an_array_is_named_not_left_to_fail_later(monkeypatch):
    monkeypatch.setitem(VJP_RULES, "relu", lambda entry, dout: dout * entry.saved["mask"])
    *_, loss = small_graph()
    with pytest.raises(TypeError, match=r"the VJP rule for relu \(<lambda>\) must return a tuple with "
                                        r"one gradient per input \(1\), like \(dx,\) or \(da, db\); "
                                        r"it returned an array of shape \(2, 2\)"):
        backward(loss)


def test_a_vjp_that_returns_an_array_is_named_even_when_its_length_fits(monkeypatch):
    # One row: the array's length, 1, is relu's number of inputs, so only its type gives it away.
    monkeypatch.setitem(VJP_RULES, "relu", lambda entry, dout: dout * entry.saved["mask"])
    x = Tensor([[1.0, -1.0]], requires_grad=True)
    loss = softmax_ce(relu(x), np.array([0]))
    with pytest.raises(TypeError, match=r"must return a tuple .* it returned an array of shape \(1, 2\)"):
        backward(loss)


def test_a_vjp_that_returns_too_few_gradients_is_named(monkeypatch):
    monkeypatch.setitem(VJP_RULES, "add_bias", lambda entry, dout: (dout.copy(),))
    *_, loss = small_graph()
    with pytest.raises(TypeError, match=r"the VJP rule for add_bias \(<lambda>\) must return a tuple with "
                                        r"one gradient per input \(2\), like \(dx,\) or \(da, db\); "
                                        r"it returned a tuple of length 1"):
        backward(loss)


def test_a_vjp_gradient_of_the_wrong_shape_is_named(monkeypatch):
    monkeypatch.setitem(VJP_RULES, "add_bias", lambda entry, dout: (dout.copy(), dout.copy()))
    *_, loss = small_graph()
    with pytest.raises(ValueError, match=r"the VJP rule for add_bias .* returned an array of shape "
                                         r"\(2, 2\) for input 1, which has shape \(1, 2\)"):
        backward(loss)


def test_an_op_without_a_rule_is_named():
    x = Tensor([[1.0]], requires_grad=True)
    out = Tensor([[2.0]], requires_grad=True)
    record("double", (x,), out)
    with pytest.raises(KeyError, match=r"no VJP rule for op 'double': register one with "
                                       r"VJP_RULES\['double'\] = \.\.\."):
        apply_vjp(current_tape()[-1], np.ones((1, 1)))



def test_only_the_library_rules_go_unchecked(monkeypatch):
    # Every op has its spec, and every spec its op (autograd_lib/course/op_specs.py).
    assert LIBRARY_RULES == {name: s.vjp for name, s in SPECS.items()}
    # A rule that is not the library's own, even one that calls it, has
    # its output checked.
    def transposed_bias_grad(entry, dout):
        da, dbias = ops.add_bias_vjp(entry, dout)
        return da, dbias.T

    monkeypatch.setitem(VJP_RULES, "add_bias", transposed_bias_grad)
    *_, loss = small_graph()
    with pytest.raises(ValueError, match=r"add_bias \(transposed_bias_grad\) returned an "
                                         r"array of shape \(2, 1\) for input 1"):
        backward(loss)


# ---- no_grad ----

def test_no_grad_records_nothing_and_its_outputs_need_no_gradient():
    X, y = xor_data()
    m = MLP(2, 8, 2, seed=0)
    with no_grad():
        logits = m(X)
        assert len(current_tape()) == 0 and not logits.requires_grad
    logits_again = m(X)
    np.testing.assert_array_equal(logits.data, logits_again.data)
    assert len(current_tape()) == 5 and logits_again.requires_grad


def test_200_inferences_inside_no_grad_keep_the_tape_empty():
    m = MLP(64, [64] * 3, 10, seed=0)
    X = Tensor(np.random.default_rng(0).standard_normal((32, 64)))
    with no_grad():
        for _ in range(200):
            m(X)
    assert len(current_tape()) == 0 and current_tape().nbytes() == 0


def test_no_grad_nests_and_restores_recording():
    x = Tensor([[1.0, -1.0]], requires_grad=True)
    with no_grad():
        with no_grad():
            relu(x)
        relu(x)
    assert len(current_tape()) == 0
    relu(x)
    assert len(current_tape()) == 1


def test_train_leaves_the_tape_empty():
    X, y = xor_data()
    train(MLP(2, 8, 2, seed=0), X, y, epochs=3)
    assert len(current_tape()) == 0


# ---- nbytes counts what the tape keeps alive ----

def test_nbytes_counts_the_intermediate_gradients_after_backward():
    *_, loss = small_graph()
    before = current_tape().nbytes()
    backward(loss)
    outputs = [e.out for e in current_tape()]
    grads = sum({id(t.grad): t.grad.nbytes for t in outputs}.values())  # each array once
    assert current_tape().nbytes() == before + grads
    # matmul, add_bias, relu: 2 x 2 float32 (16 bytes) each; loss 4 bytes; mask 4; probs 16;
    # labels and rows 16 each: 16 * 3 + 4 + 4 + 16 + 16 + 16 before backward. After it, the
    # matmul output's adjoint is add_bias's (its VJP hands dout on): two 16-byte arrays and 4.
    assert before == 104 and grads == 2 * 16 + 4


# ---- a backward pass that stops midway -------------------------------------------------------

def _raising(error):
    def rule(entry, dout):
        raise error
    return rule


def _xor_step(model):
    X, y = xor_data()
    tape_reset()
    return softmax_ce(model(X), y)


@pytest.mark.parametrize("error", [ZeroDivisionError("a reader's bug"), KeyboardInterrupt()])
def test_a_backward_that_stops_midway_changes_no_gradient_and_can_run_again(monkeypatch, error):
    model = MLP(2, 8, 2, seed=0)
    backward(_xor_step(model))  # gradients to accumulate onto
    before = [p.grad.copy() for p in model.params]
    loss = _xor_step(model)
    with monkeypatch.context() as patch:
        patch.setitem(VJP_RULES, "relu", _raising(error))  # after W2's and b2's, before W1's
        with pytest.raises(type(error)):
            backward(loss)
    for p, g in zip(model.params, before):
        np.testing.assert_array_equal(p.grad, g)  # not one gradient half added
    assert not current_tape().walked
    backward(loss)  # the rule fixed, the same tape walks
    for p, g in zip(model.params, before):
        np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-6)


def test_two_leaves_never_share_one_gradient_buffer(monkeypatch):
    # A rule that hands both inputs one array: each leaf must still own its .grad, or the next
    # backward's += into one would change the other.
    a = Tensor([[1.0, 2.0]], requires_grad=True, name="a")
    b = Tensor([[0.5, 0.5]], requires_grad=True, name="b")
    monkeypatch.setitem(VJP_RULES, "add_bias", lambda entry, dout: (dout, dout))
    tape_reset()
    backward(softmax_ce(add_bias(a, b), np.array([0])))
    assert a.grad is not b.grad
    np.testing.assert_array_equal(a.grad, b.grad)
    a.grad += 1
    assert not np.array_equal(a.grad, b.grad)


def test_a_backward_refused_before_it_walks_leaves_the_earlier_gradients_whole():
    model = MLP(2, 8, 2, seed=0)
    loss = _xor_step(model)
    backward(loss)
    before = [p.grad.copy() for p in model.params]
    with pytest.raises(RuntimeError, match="already called on this tape"):
        backward(loss)
    sgd_step(model.params, 0.5)
    for p, g in zip(model.params, before):
        np.testing.assert_array_equal(p.grad, g)
