import numpy as np
import pytest

from autograd_lib import Tensor, he_init, zero_grad


def test_tensor_is_2d_row_major_float32_by_default():
    t = Tensor([[1, 2, 3], [4, 5, 6]])
    assert t.shape == (2, 3) and t.rows == 2 and t.cols == 3
    assert t.dtype == np.float32
    assert t.data.flags["C_CONTIGUOUS"]
    assert t.data.ravel().tolist() == [1, 2, 3, 4, 5, 6]


def test_grad_is_none_until_backward_and_requires_grad_is_kept():
    t = Tensor(np.ones((2, 2)), requires_grad=True)
    assert t.grad is None and t.requires_grad is True


def test_float64_is_kept():
    assert Tensor(np.ones((1, 1)), dtype=np.float64).dtype == np.float64


def test_constructor_copies_its_input():
    a = np.zeros((2, 2), dtype=np.float32)
    t = Tensor(a)
    a[0, 0] = 5
    assert t.data[0, 0] == 0


@pytest.mark.parametrize("shape", [(3,), (2, 2, 2), ()])
def test_non_2d_data_is_rejected_with_its_shape(shape):
    with pytest.raises(ValueError, match=r"must be 2-D \(rows, cols\); got shape"):
        Tensor(np.zeros(shape))


@pytest.mark.parametrize("data, error, message", [
    ([[None, 1]], TypeError, r"must be numbers; this data holds Python objects or text \(None"),
    ([["1", "2"]], TypeError, r"must be numbers; this data holds Python objects or text"),
    (np.array([[1 + 2j, 1]]), TypeError, r"complex; its imaginary part would be dropped"),
    (np.ma.array([[1.0, 2.0]], mask=[[0, 1]]), TypeError, r"masked array; .*\(data\.filled\(0\.0\)\)"),
    ([[1, 2], [3]], ValueError, r"rows must all have the same length"),
])
def test_data_that_floats_would_change_silently_is_refused(data, error, message):
    with pytest.raises(error, match=message):
        Tensor(data)


def test_integer_dtype_is_rejected():
    with pytest.raises(TypeError, match="dtype must be a floating-point type.*got int32"):
        Tensor([[1, 2]], dtype=np.int32)


def test_assigning_data_counts_as_a_change():
    t = Tensor(np.zeros((2, 2)))
    t.data = np.ones((2, 2), dtype=np.float32)
    t.data += 1
    assert t.version == 2 and t.data.tolist() == [[2, 2], [2, 2]]


def test_item_of_a_1x1_tensor_and_error_otherwise():
    assert Tensor([[2.5]]).item() == 2.5
    with pytest.raises(ValueError, match=r"\(1, 1\)"):
        Tensor([[1.0, 2.0]]).item()


def test_he_init_has_mean_zero_and_variance_two_over_fan_in():
    t = Tensor(np.zeros((400, 500)))
    he_init(t, 400, np.random.default_rng(0))
    n, var = t.data.size, 2 / 400
    # Five standard errors: sqrt(var / n) for the sample mean, var * sqrt(2 / n) for the variance.
    assert abs(t.data.mean()) < 5 * np.sqrt(var / n)
    assert t.data.var() == pytest.approx(var, rel=5 * np.sqrt(2 / n))


def test_he_init_is_reproducible_from_the_seed():
    a, b = Tensor(np.zeros((3, 4))), Tensor(np.zeros((3, 4)))
    he_init(a, 3, np.random.default_rng(7))
    he_init(b, 3, np.random.default_rng(7))
    np.testing.assert_array_equal(a.data, b.data)


def test_he_init_refuses_global_random_state():
    with pytest.raises(TypeError, match="Generator"):
        he_init(Tensor(np.zeros((2, 2))), 2, np.random)


@pytest.mark.parametrize("arg, message", [
    (np.zeros((2, 2)), r"got a NumPy array, which has no gradient: pass the Tensor whose \.data it is"),
    ((t for t in []), r"got a generator, which can be read only once: pass a list, list\(\.\.\.\)"),
    ("W", r"got a str"),
])
def test_zero_grad_names_what_it_got_and_what_to_pass(arg, message):
    with pytest.raises(TypeError, match=r"zero_grad takes Tensors or lists of them, like "
                                        r"zero_grad\(W, b\) or zero_grad\(model\.params\); " + message):
        zero_grad(arg)


def test_zero_grad_of_a_model_says_to_pass_its_params():
    from autograd_lib import MLP

    with pytest.raises(TypeError, match=r"got a model \(MLP\): pass its parameters, model\.params"):
        zero_grad(MLP(2, 8, 2))


def test_zero_grad_zeroes_in_place_and_leaves_none_alone():
    a, b = Tensor(np.ones((2, 2)), True), Tensor(np.ones((2, 2)), True)
    a.grad = np.full((2, 2), 3.0, dtype=np.float32)
    buffer = a.grad
    zero_grad([a], b)
    assert a.grad is buffer and not a.grad.any()
    assert b.grad is None
