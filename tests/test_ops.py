import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lib
from autograd_lib import Tensor, add_bias, argmax_rows, matmul, no_grad, relu, softmax_ce, tanh
from autograd_lib.course.op_specs import SPECS, spec

from .numeric import numeric_vjp, op_vjp

dims = st.integers(min_value=1, max_value=5)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def assert_vjp_matches(op, arrays, dout, **kwargs):
    _, analytic = op_vjp(op, arrays, dout, **kwargs)
    numeric = numeric_vjp(op, arrays, dout, **kwargs)
    for a, n in zip(analytic, numeric):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8)


# ---- forward against plain NumPy ----

@given(B=dims, N=dims, M=dims, seed=seeds)
def test_matmul_forward(B, N, M, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((B, N)), rng.standard_normal((N, M))
    out = matmul(Tensor(a, dtype=np.float64), Tensor(b, dtype=np.float64))
    np.testing.assert_allclose(out.data, a @ b)


@given(B=dims, M=dims, seed=seeds)
def test_add_bias_forward_broadcasts_the_row(B, M, seed):
    rng = np.random.default_rng(seed)
    a, bias = rng.standard_normal((B, M)), rng.standard_normal((1, M))
    out = add_bias(Tensor(a, dtype=np.float64), Tensor(bias, dtype=np.float64))
    np.testing.assert_allclose(out.data, a + np.repeat(bias, B, axis=0))


def test_relu_and_tanh_forward():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(relu(Tensor(x)).data, [[0, 0, 3]])
    np.testing.assert_allclose(tanh(Tensor(x, dtype=np.float64)).data, np.tanh(x))


@given(B=dims, C=st.integers(2, 5), seed=seeds)
def test_softmax_ce_forward_matches_the_textbook_formula(B, C, seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((B, C)) * 3
    y = rng.integers(0, C, size=B)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(B), y]))
    loss = softmax_ce(Tensor(z, dtype=np.float64), y)
    assert loss.shape == (1, 1)
    assert loss.item() == pytest.approx(expected, rel=1e-12)


# ---- every VJP against float64 central differences ----

@settings(max_examples=30, deadline=None)
@given(B=dims, N=dims, M=dims, seed=seeds)
def test_matmul_vjp(B, N, M, seed):
    rng = np.random.default_rng(seed)
    a, b, dout = rng.standard_normal((B, N)), rng.standard_normal((N, M)), rng.standard_normal((B, M))
    assert_vjp_matches(matmul, [a, b], dout)


@settings(max_examples=30, deadline=None)
@given(B=dims, M=dims, seed=seeds)
def test_add_bias_vjp(B, M, seed):
    rng = np.random.default_rng(seed)
    a, bias, dout = rng.standard_normal((B, M)), rng.standard_normal((1, M)), rng.standard_normal((B, M))
    assert_vjp_matches(add_bias, [a, bias], dout)


@settings(max_examples=30, deadline=None)
@given(B=dims, M=dims, seed=seeds)
def test_relu_vjp_away_from_the_kink(B, M, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, M))
    x[np.abs(x) < 1e-3] = 0.5  # a finite difference across 0 measures the kink, not the VJP
    assert_vjp_matches(relu, [x], rng.standard_normal((B, M)))


@settings(max_examples=30, deadline=None)
@given(B=dims, M=dims, seed=seeds)
def test_tanh_vjp(B, M, seed):
    rng = np.random.default_rng(seed)
    assert_vjp_matches(tanh, [rng.standard_normal((B, M))], rng.standard_normal((B, M)))


@settings(max_examples=30, deadline=None)
@given(B=dims, C=st.integers(1, 5), seed=seeds)
def test_softmax_ce_vjp(B, C, seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((B, C)) * 2
    y = rng.integers(0, C, size=B)
    dout = np.array([[rng.uniform(0.5, 2)]])
    assert_vjp_matches(softmax_ce, [z], dout, y=y)


# ---- the identities each VJP stands for ----

def test_relu_subgradient_at_zero_is_zero():
    _, (dx,) = op_vjp(relu, [np.array([[-1.0, 0.0, 1.0]])], np.ones((1, 3)))
    np.testing.assert_array_equal(dx, [[0, 0, 1]])


# ---- every op, from its spec (autograd_lib/course/op_specs.py) ----

def spec_calls(name):
    """``(case, arrays, kwargs, dout)`` for each of the op's spec cases, seeded."""
    rng = np.random.default_rng(0)
    for case in spec(name).cases(rng):
        with no_grad():
            out = spec(name).forward(*[Tensor(a, dtype=np.float64) for a in case.arrays],
                                     **case.kwargs)
        yield case, case.arrays, case.kwargs, case.dout_scale * rng.standard_normal(out.shape)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_vjp_matches_central_differences_on_its_spec_cases(name):
    for case, arrays, kwargs, dout in spec_calls(name):
        if case.numeric:
            _, analytic = op_vjp(spec(name).forward, arrays, dout, **kwargs)
            for a, n in zip(analytic, numeric_vjp(spec(name).forward, arrays, dout, **kwargs)):
                np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8, err_msg=case.name)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_vjp_leaves_dout_as_it_was(name):
    # dout may be another tensor's adjoint too (add_bias hands it on as it is): no rule writes
    # into it.
    for _, arrays, kwargs, dout in spec_calls(name):
        given = dout.copy()
        _, grads = op_vjp(spec(name).forward, arrays, dout, **kwargs)
        np.testing.assert_array_equal(dout, given)
        if name == "add_bias":
            assert grads[0] is dout  # the identity costs no copy


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_spec_knows_its_op_and_names_every_input(name):
    s = spec(name)
    assert s.vjp is getattr(autograd_lib, f"{name}_vjp") and s.forward is getattr(autograd_lib, name)
    for _, arrays, kwargs, dout in spec_calls(name):
        assert len(arrays) == len(s.inputs)


def test_an_op_without_a_spec_is_named():
    with pytest.raises(KeyError, match=r"no spec for the op 'gelu': add one to "
                                       r"autograd_lib/course/op_specs.py"):
        spec("gelu")


def test_bias_gradient_is_the_column_sum():
    dout = np.arange(12, dtype=np.float64).reshape(4, 3)
    _, (da, dbias) = op_vjp(add_bias, [np.zeros((4, 3)), np.zeros((1, 3))], dout)
    np.testing.assert_array_equal(dbias, [[18, 22, 26]])
    np.testing.assert_array_equal(da, dout)


def test_softmax_ce_gradient_is_p_minus_onehot_over_batch():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    y = np.array([2, 0])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    onehot = np.eye(3)[y]
    _, (dz,) = op_vjp(softmax_ce, [z], np.ones((1, 1)), y=y)
    np.testing.assert_allclose(dz, (p - onehot) / 2, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_ce_is_finite_and_right_for_huge_logits(dtype):
    z = np.array([[1e4, 0.0], [-1e4, 1e4], [5e3, 5e3]], dtype=dtype)
    y = np.array([0, 0, 1])
    out, (dz,) = op_vjp(softmax_ce, [z], np.ones((1, 1)), y=y)
    # Row 0 is certain and right (loss 0), row 1 certain and wrong (loss 2e4), row 2 a tie (log 2).
    assert out.item() == pytest.approx((0 + 2e4 + np.log(2)) / 3, rel=1e-6)
    assert np.isfinite(dz).all()
    np.testing.assert_allclose(dz, [[0, 0], [-1 / 3, 1 / 3], [1 / 6, -1 / 6]], atol=1e-7)


def test_argmax_rows():
    assert argmax_rows(Tensor([[0.1, 0.9], [2.0, -1.0], [0.0, 0.5]])).tolist() == [1, 0, 1]


# ---- bad input: a clear error at the op ----

def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul.*\(4, 3\).*\(2, 5\)"):
        matmul(Tensor(np.zeros((4, 3))), Tensor(np.zeros((2, 5))))


@pytest.mark.parametrize("shape", [(2, 3), (1, 4), (4, 3)])
def test_add_bias_needs_a_1_by_m_bias(shape):
    with pytest.raises(ValueError, match=r"bias must have shape \(1, 3\) to match a \(4, 3\); got bias"):
        add_bias(Tensor(np.zeros((4, 3))), Tensor(np.zeros(shape)))


def test_ops_reject_raw_arrays():
    with pytest.raises(TypeError, match="matmul: b must be a Tensor, got ndarray"):
        matmul(Tensor(np.zeros((2, 2))), np.zeros((2, 2)))


def test_labels_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"1-D array of 4 class indices.*got shape \(3,\)"):
        softmax_ce(Tensor(np.zeros((4, 2))), np.array([0, 1, 0]))


def test_labels_that_are_not_integers():
    with pytest.raises(TypeError, match="labels must be integers, got dtype float64"):
        softmax_ce(Tensor(np.zeros((2, 2))), np.array([0.0, 1.0]))


@pytest.mark.parametrize("bad", [2, -1])
def test_labels_out_of_range(bad):
    with pytest.raises(ValueError, match=rf"labels must be in \[0, 2\) for 2 classes; got \[{bad}\]"):
        softmax_ce(Tensor(np.zeros((2, 2))), np.array([0, bad]))


def test_empty_batch_is_refused():
    with pytest.raises(ValueError, match="batch is empty"):
        softmax_ce(Tensor(np.zeros((0, 2))), np.array([], dtype=int))


def test_labels_changed_after_the_forward_pass_do_not_change_its_gradient():
    from autograd_lib import backward

    z = Tensor(np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 0.3]]), requires_grad=True)
    y = np.array([0, 2])
    loss = softmax_ce(z, y)
    y[:] = [1, 1]  # the next batch's labels, written into the same array too early
    backward(loss)
    p = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(z.grad, (p - np.eye(3)[[0, 2]]) / 2, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint16, np.int64])
def test_the_tape_keeps_labels_as_int64_whatever_integers_came_in(dtype):
    from autograd_lib.tape import current_tape

    softmax_ce(Tensor(np.zeros((2, 3)), requires_grad=True), np.array([0, 2], dtype=dtype))
    saved = current_tape()[-1].saved
    assert saved["labels"].dtype == np.int64 and saved["rows"].dtype == np.int64
