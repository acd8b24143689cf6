import numpy as np
import pytest

from autograd_lib import MLP, Tensor, train, xor_data


def test_mlp_shapes_and_parameter_count():
    model = MLP(2, 8, 2)
    assert [p.shape for p in model.params] == [(2, 8), (1, 8), (8, 2), (1, 2)]
    assert model.n_params == 2 * 8 + 8 + 8 * 2 + 2 == 42
    assert model(Tensor(np.zeros((5, 2)))).shape == (5, 2)
    assert not model.b1.data.any() and not model.b2.data.any()


def test_deeper_mlp_from_a_list_of_widths():
    model = MLP(4, [6, 5], 3, activation="tanh")
    assert [p.name for p in model.params] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert model.W3.shape == (5, 3) and model.hidden(Tensor(np.zeros((2, 4)))).shape == (2, 5)
    assert model(Tensor(np.zeros((2, 4)))).shape == (2, 3)


def test_same_seed_same_network():
    a, b = MLP(2, 8, 2, seed=3), MLP(2, 8, 2, seed=3)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p.data, q.data)


def test_xor_default_seed_reaches_4_of_4_and_loss_below_0_01():
    X, y = xor_data()
    history = train(MLP(2, 8, 2, activation="relu", seed=0), X, y, lr=0.5, epochs=500)
    assert len(history.loss) == 501 and not history.diverged
    assert history.loss[0] > 0.3
    assert history.final_loss < 0.01
    assert history.correct[-1] == 4
    assert np.all(np.diff(history.loss[100:]) < 0)


def test_xor_at_least_18_of_20_seeds_solve_it():
    X, y = xor_data()
    solved = sum(train(MLP(2, 8, 2, seed=s), X, y, lr=0.5, epochs=500).correct[-1] == 4 for s in range(20))
    assert solved >= 18


def test_training_is_reproducible():
    X, y = xor_data()
    h1 = train(MLP(2, 8, 2, seed=5), X, y, epochs=50)
    h2 = train(MLP(2, 8, 2, seed=5), X, y, epochs=50)
    np.testing.assert_array_equal(h1.loss, h2.loss)


def test_divergence_is_reported_not_raised():
    X, y = xor_data()
    history = train(MLP(2, 8, 2, seed=0), X, y, lr=1e12, epochs=500)
    assert history.diverged
    assert not np.isfinite(history.loss[-1]) and np.isfinite(history.loss[:-1]).all()
    assert len(history.loss) == history.diverged_at + 1 < 501
    assert f"diverged at epoch {history.diverged_at}" in history.table()


def test_history_table_matches_the_seed_layout():
    X, y = xor_data()
    history = train(MLP(2, 8, 2, seed=0), X, y, epochs=500)
    lines = history.table().splitlines()
    assert lines[0].split() == ["epoch", "loss", "accuracy"]
    assert [line.split()[0] for line in lines[1:]] == ["0", "50", "100", "200", "500"]
    assert lines[-1].split()[2] == "4/4"
    assert float(lines[-1].split()[1]) == pytest.approx(history.final_loss, abs=1e-6)


def test_tanh_network_trains_too():
    X, y = xor_data()
    assert train(MLP(2, 8, 2, activation="tanh", seed=0), X, y, epochs=500).correct[-1] == 4


@pytest.mark.parametrize("kwargs, message", [
    ({"activation": "sigmoid"}, "activation must be one of"),
    ({"n_hidden": 0}, r"layer sizes must be positive integers, got \[2, 0, 2\]"),
])
def test_bad_model_settings(kwargs, message):
    args = {"n_in": 2, "n_hidden": 8, "n_out": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        MLP(**args)


def test_bad_epochs():
    X, y = xor_data()
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        train(MLP(2, 8, 2), X, y, epochs=-1)


def test_labels_are_checked_at_the_loss():
    X, _ = xor_data()
    with pytest.raises(ValueError, match="labels must be in"):
        train(MLP(2, 8, 2), X, np.array([0, 1, 2, 0]), epochs=1)
