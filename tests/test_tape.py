import tracemalloc

import numpy as np
import pytest

from autograd_lib import (MLP, Tensor, add_bias, backward, current_tape, matmul, relu,
                          softmax_ce, tanh, tape_reset, train, xor_data)


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
    backward(loss)
    assert loss.grad.tolist() == [[1.0]]
    assert W.grad.shape == W.shape and b.grad.shape == b.shape
    assert X.grad is None  # X does not require a gradient


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


def test_second_backward_on_the_same_tape_is_an_error():
    *_, loss = small_graph()
    backward(loss)
    with pytest.raises(RuntimeError, match="already called on this tape"):
        backward(loss)


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
    with pytest.raises(RuntimeError, match="not recorded on the current tape"):
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
    X, y = xor_data()
    model = MLP(2, 8, 2, seed=0)
    train(model, X, y, epochs=200)  # warm up caches and lazily allocated grads
    tracemalloc.start()
    train(model, X, y, epochs=100)
    _, peak_short = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    train(model, X, y, epochs=10_000)
    after, peak_long = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # The history arrays (2 x 10,001 x 8 bytes) are the only thing that may grow.
    assert peak_long - peak_short < 2 * 10_001 * 8 + 64_000
    assert after - before < 64_000
