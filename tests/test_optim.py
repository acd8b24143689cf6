import numpy as np
import pytest

from autograd_lib import Tensor, sgd_step


def test_sgd_step_moves_against_the_gradient_in_place():
    p = Tensor([[1.0, 2.0]], requires_grad=True)
    buffer = p.data
    p.grad = np.array([[0.5, -1.0]], dtype=np.float32)
    sgd_step([p], lr=0.1)
    assert p.data is buffer
    np.testing.assert_allclose(p.data, [[0.95, 2.1]])


def test_parameter_without_gradient_is_left_alone():
    p = Tensor([[1.0]], requires_grad=True)
    sgd_step([p], lr=0.1)
    assert p.data.tolist() == [[1.0]]


@pytest.mark.parametrize("lr", [0, -0.1, float("nan")])
def test_learning_rate_must_be_positive(lr):
    with pytest.raises(ValueError, match="learning rate must be positive"):
        sgd_step([], lr)
