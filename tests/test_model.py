import numpy as np
import pytest

from autograd_lib import MLP, History, Tensor, argmax_rows, no_grad, softmax_ce, train, xor_data

XOR_TABLE_AT_SEED_0 = """\
epoch   loss        accuracy
0       0.599165    3/4
50      0.105808    4/4
100     0.024634    4/4
200     0.007683    4/4
500     0.002089    4/4"""


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


def test_the_seed_chooses_the_weights_and_so_the_trained_network():
    X, y = xor_data()
    b2 = {}
    for seed in (0, 1):
        model = MLP(2, 8, 2, seed=seed)
        train(model, X, y, lr=0.5, epochs=500)
        b2[seed] = model.b2.data
    np.testing.assert_allclose(b2[0], [[0.82805, -0.82805]], atol=1e-5)
    np.testing.assert_allclose(b2[1], [[2.22053, -2.22053]], atol=1e-5)


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


def test_the_returned_model_is_the_one_the_last_epoch_measured():
    X, y = xor_data()
    model = MLP(2, 8, 2, seed=0)
    history = train(model, X, y, lr=0.5, epochs=5)
    # A step taken after the last record would hand back a model the history never measured.
    with no_grad():
        logits = model(X)
        loss = softmax_ce(logits, y).item()
    assert history.final_loss == loss
    assert history.correct[-1] == (argmax_rows(logits) == y).sum()


def test_accuracy_is_the_fraction_correct_per_epoch():
    history = History(loss=np.array([0.7, 0.2, 0.5]), correct=np.array([2, 3, 4]), n_samples=4)
    assert history.accuracy.tolist() == [0.5, 0.75, 1.0]


def test_final_loss_is_the_last_epochs_not_the_lowest():
    history = History(loss=np.array([0.7, 0.2, 0.5]), correct=np.array([2, 3, 4]), n_samples=4)
    assert history.final_loss == 0.5 and not history.diverged


def test_divergence_is_reported_not_raised():
    X, y = xor_data()
    history = train(MLP(2, 8, 2, seed=0), X, y, lr=1e12, epochs=500)
    assert history.diverged
    assert not np.isfinite(history.loss[-1]) and np.isfinite(history.loss[:-1]).all()
    assert len(history.loss) == history.diverged_at + 1 < 501
    assert f"diverged at epoch {history.diverged_at}" in history.table()


def test_xor_at_seed_0_gives_the_chapters_table():
    X, y = xor_data()
    history = train(MLP(2, 8, 2, seed=0), X, y, lr=0.5, epochs=500)
    assert history.table() == XOR_TABLE_AT_SEED_0


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
