import numpy as np

from autograd_lib import xor_data


def test_xor_points_and_labels():
    X, y = xor_data()
    assert X.data.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    assert y.tolist() == [int(a) ^ int(b) for a, b in X.data]
    assert xor_data(np.float64)[0].dtype == np.float64
