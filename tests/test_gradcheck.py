import numpy as np
import pytest

import autograd_lib.ops
from autograd_lib import MLP, Tensor, gradient_check, softmax_ce, xor_data
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
def test_relu_mlp_failures_are_all_flagged_as_kinks(seed):
    _, report = mlp_check("relu", seed)
    assert report.failures, "XOR's (0, 0) input puts every hidden unit at the kink at init"
    assert all(f.at_kink for f in report.failures)
    assert report.ok and not report.mismatches
    # The (0, 0) row with zero biases sits exactly at 0: b1's entries flip a ReLU.
    assert {f.param for f in report.failures} <= {"b1", "W1"}


def test_a_wrong_vjp_is_reported_as_a_mismatch(monkeypatch):
    def transposed_by_mistake(entry, dout):
        a, b = entry.inputs
        return dout @ b.data.T, (a.data.T @ dout) * 1.01

    monkeypatch.setitem(autograd_lib.VJP_RULES, "matmul", transposed_by_mistake)
    _, report = mlp_check("tanh")
    assert not report.ok
    assert {f.param for f in report.mismatches} == {"W1", "W2"}
    assert "MISMATCH" in str(report)


def test_summary_line_in_the_seed_format():
    _, report = mlp_check("relu", seed=1, dtype=np.float32)
    first = report.summary().splitlines()[0]
    assert first == (f"gradient check: {report.n_within}/42 entries within 5e-02 tolerance "
                     f"(max err = {report.max_error:.3g}, pass = {100 * report.n_within // 42}%)")
    assert report.n_within < 42


def test_parameters_are_restored_after_the_check():
    model, _ = mlp_check("relu", dtype=np.float64)
    assert all(p.dtype == np.float32 and p.grad is None for p in model.params)
    fresh = MLP(2, 8, 2, seed=0)
    for p, q in zip(model.params, fresh.params):
        np.testing.assert_array_equal(p.data, q.data)


def test_default_step_balances_truncation_and_rounding():
    assert default_step(np.float64) == pytest.approx(6.06e-6, rel=0.01)
    assert default_step(np.float32) == pytest.approx(4.92e-3, rel=0.01)


def test_relative_error_is_absolute_below_one_and_relative_above():
    assert relative_error(np.array(0.001), np.array(0.002)) == pytest.approx(0.001)
    assert relative_error(np.array(100.0), np.array(101.0)) == pytest.approx(1 / 101)


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


@pytest.mark.parametrize("tol", [np.nan, 0.0, -1e-6, np.inf, "1e-6"])
def test_a_tolerance_that_is_not_a_positive_number_is_refused(tol):
    with pytest.raises(ValueError, match="tol must be a positive finite number"):
        mlp_check("tanh", tol=tol)


def test_a_loss_that_is_not_deterministic_is_named_as_such():
    X, y = xor_data()
    model = MLP(2, 8, 2, activation="tanh", seed=0)
    rng = np.random.default_rng(0)

    def noisy():
        W = Tensor(1 + 0.01 * rng.standard_normal((2, 2)))   # a fresh random matrix every call
        return softmax_ce(autograd_lib.ops.matmul(model(X), W), y)

    report = gradient_check(noisy, model.params)
    assert not report.ok
    assert "FAILED: loss_fn is not deterministic" in report.summary()
