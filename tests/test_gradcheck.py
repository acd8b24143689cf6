import numpy as np
import pytest

import autograd_lib.ops
from autograd_lib import MLP, Tensor, add_bias_vjp, gradient_check, softmax_ce, xor_data
from autograd_lib.gradcheck import default_step, relative_error


def mlp_check(activation, seed=0, **kwargs):
    X, y = xor_data()
    model = MLP(2, 8, 2, activation=activation, seed=seed)
    report = gradient_check(lambda: softmax_ce(model(X), y), model.params, **kwargs)
    return model, report


@pytest.mark.parametrize("seed", range(5))
def test_tanh_mlp_matches_finite_differences_to_1e_6_relative(seed):
    _, report = mlp_check("tanh", seed)
    assert report.n_total == 42 and report.n_within == 42 and not report.failures
    for a, n in zip(report.analytic, report.numeric):
        big = np.maximum(np.abs(a), np.abs(n)) > 1e-8
        assert (np.abs(a - n)[big] / np.maximum(np.abs(a), np.abs(n))[big]).max() <= 1e-6


@pytest.mark.parametrize("seed", range(5))
def test_relu_mlp_fails_only_on_the_kink_xor_starts_at_and_passes(seed):
    _, report = mlp_check("relu", seed)
    # XOR's (0, 0) row with zero biases puts every hidden pre-activation exactly at 0, so
    # b1[j] +- h moves unit j across its kink; W1's entries multiply that row's zeros and cannot.
    assert [(f.param, f.index, f.at_kink) for f in report.failures] == [("b1", (0, j), True) for j in range(8)]
    assert report.ok


def test_a_relu_input_within_h_of_its_kink_is_flagged_as_a_kink():
    X, y = xor_data()
    model = MLP(2, 8, 2, activation="relu", seed=0)
    h = default_step(np.float64)
    # On the (0, 0) row the pre-activations are b1 itself: h / 2 is off the kink, yet b1 - h crosses it.
    model.b1.data[...] = h / 2
    assert ((model.b1.data > 0) & (model.b1.data < h)).all()
    report = gradient_check(lambda: softmax_ce(model(X), y), model.params)
    assert [(f.param, f.index, f.at_kink) for f in report.failures] == [("b1", (0, j), True) for j in range(8)]
    assert report.ok


def test_a_wrong_vjp_is_reported_as_a_mismatch(monkeypatch):
    def transposed_by_mistake(entry, dout):
        a, b = entry.inputs
        return dout @ b.data.T, (a.data.T @ dout) * 1.01

    monkeypatch.setitem(autograd_lib.VJP_RULES, "matmul", transposed_by_mistake)
    _, report = mlp_check("tanh")
    assert not report.ok
    assert {f.param for f in report.mismatches} == {"W1", "W2"}
    assert "MISMATCH" in str(report)


def test_summary_of_a_float32_relu_check():
    _, report = mlp_check("relu", seed=1, dtype=np.float32)
    assert report.summary() == (
        "gradient check: 41/42 entries within 5e-02 tolerance (max err = 0.101, pass = 97%)\n"
        "  outside tolerance: 1 at a ReLU kink, 0 real mismatch(es)")


def test_one_wrong_entry_fails_the_whole_check(monkeypatch):
    def one_entry_off(entry, dout):
        da, dbias = add_bias_vjp(entry, dout)
        if entry.inputs[1].name == "b2":
            dbias[0, 0] += 1e-3
        return da, dbias

    monkeypatch.setitem(autograd_lib.VJP_RULES, "add_bias", one_entry_off)
    _, report = mlp_check("tanh")
    assert [(f.param, f.index) for f in report.mismatches] == [("b2", (0, 0))]
    assert report.n_within == 41 and not report.ok


@pytest.mark.parametrize("dtype, offset, passes", [
    (np.float64, 3e-7, True), (np.float64, 3e-6, False),
    (np.float32, 2e-2, True), (np.float32, 8e-2, False),
])
def test_default_tolerance_is_1e_6_in_float64_and_5e_2_in_float32(monkeypatch, dtype, offset, passes):
    # Every bias gradient is below 1, so the error of one off by `offset` is `offset` itself.
    def bias_gradients_off(entry, dout):
        da, dbias = add_bias_vjp(entry, dout)
        return da, dbias + offset

    monkeypatch.setitem(autograd_lib.VJP_RULES, "add_bias", bias_gradients_off)
    _, report = mlp_check("tanh", dtype=dtype)
    assert report.ok is passes
    assert len(report.failures) == (0 if passes else 8 + 2)


def test_parameters_are_restored_after_the_check():
    model, _ = mlp_check("relu", dtype=np.float64)
    assert all(p.dtype == np.float32 and p.grad is None for p in model.params)
    fresh = MLP(2, 8, 2, seed=0)
    for p, q in zip(model.params, fresh.params):
        np.testing.assert_array_equal(p.data, q.data)


def test_default_step_balances_truncation_and_rounding():
    assert default_step(np.float64) == pytest.approx(6.06e-6, rel=0.01)
    assert default_step(np.float32) == pytest.approx(4.92e-3, rel=0.01)


@pytest.mark.parametrize("analytic, numeric, error", [
    (0.001, 0.002, 0.001),      # both below 1: the absolute difference
    (0.5, -0.5, 1.0),
    (0.0, 0.0, 0.0),
    (100.0, 101.0, 1 / 101),    # above 1: relative to the larger magnitude
    (4.0, 2.0, 0.5),
    (-3.0, 3.0, 2.0),
])
def test_relative_error_divides_by_the_largest_of_1_and_both_magnitudes(analytic, numeric, error):
    assert relative_error(np.array(analytic), np.array(numeric)) == pytest.approx(error)


def test_an_empty_parameter_list_is_refused():
    X, y = xor_data()
    model = MLP(2, 8, 2, activation="tanh", seed=0)
    with pytest.raises(ValueError, match=r"gradient_check: params is empty, so there is nothing to "
                                         r"check; .* e\.g\. model\.params"):
        gradient_check(lambda: softmax_ce(model(X), y), params=[])


def test_loss_fn_must_return_a_scalar_tensor():
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(1, 1\) loss Tensor; got \(2, 2\)"):
        gradient_check(lambda: autograd_lib.ops.matmul(W, W), [W])


# ---- what must fail: NaN anywhere, a loss that is not deterministic ----

def test_a_vjp_returning_nan_fails(monkeypatch):
    monkeypatch.setitem(autograd_lib.VJP_RULES, "tanh", lambda entry, dout: (dout * np.nan,))
    _, report = mlp_check("tanh")
    assert not report.ok
    assert np.isnan(report.max_error)
    assert {f.param for f in report.mismatches} == {"W1", "b1"}
    assert "FAILED: some gradients are NaN or infinite" in report.summary()


def test_nan_parameters_fail():
    X, y = xor_data()
    model = MLP(2, 8, 2, activation="tanh", seed=0)
    model.W2.data[0, 0] = np.nan
    report = gradient_check(lambda: softmax_ce(model(X), y), model.params)
    assert not report.ok and report.n_within < report.n_total


def test_a_nan_is_a_mismatch_even_at_a_relu_kink():
    X, y = xor_data()
    model = MLP(2, 8, 2, activation="relu", seed=0)
    model.W2.data[0, 0] = np.nan
    report = gradient_check(lambda: softmax_ce(model(X), y), model.params)
    assert [f.param for f in report.failures if f.at_kink] == ["b1"] * 8
    assert len(report.mismatches) == 42


@pytest.mark.parametrize("tol", [np.nan, 0.0, -1e-6, np.inf, "1e-6"])
def test_a_tolerance_that_is_not_a_positive_number_is_refused(tol):
    with pytest.raises(ValueError, match="tol must be a positive finite number"):
        mlp_check("tanh", tol=tol)


def test_a_loss_that_is_not_deterministic_fails_even_when_every_entry_agrees():
    X, y = xor_data()
    model = MLP(2, 8, 2, activation="tanh", seed=0)
    rng = np.random.default_rng(0)

    def noisy():
        # A fresh matrix every call, so close to the identity that the differences still agree.
        W = Tensor(np.eye(2) + 1e-14 * rng.standard_normal((2, 2)), dtype=np.float64)
        return softmax_ce(autograd_lib.ops.matmul(model(X), W), y)

    report = gradient_check(noisy, model.params)
    assert report.failures == []
    assert not report.ok
    assert "FAILED: loss_fn is not deterministic" in report.summary()
