import numpy as np
import pytest

from autograd_lib import (MLP, SGD, Adam, AdamW, History, Standardizer, Tensor, argmax_rows, batches,
                          confusion_matrix, current_tape, digits, evaluate, fit, no_grad, predict,
                          softmax_ce, split, train, train_epoch, train_on_batch, two_moons, xor_data)

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


@pytest.mark.parametrize("kwargs, error, message", [
    ({"activation": "sigmoid"}, ValueError, "activation must be one of"),
    ({"n_hidden": 0}, ValueError, r"n_hidden must be a positive whole number or a list of them, "
                                  r"like 8 or \[16, 16\]; got 0"),
    ({"n_hidden": 8.0}, TypeError, r"got 8\.0, a float; widths count units, so pass int\(8\.0\)"),
    ({"n_hidden": np.float64(8)}, TypeError, r"a float64; .* so pass int"),
    ({"n_hidden": True}, TypeError, r"n_hidden must be .*; got True \(bool\)"),
    ({"n_hidden": None}, TypeError, r"n_hidden must be .*; got None \(NoneType\)"),
    ({"n_hidden": [16, 2.5]}, TypeError, r"got 2\.5 \(float\)"),
    ({"n_in": -2}, ValueError, r"MLP: n_in must be a positive whole number, like 2; got -2"),
])
def test_bad_model_settings(kwargs, error, message):
    args = {"n_in": 2, "n_hidden": 8, "n_out": 2, **kwargs}
    with pytest.raises(error, match=message):
        MLP(**args)


def test_numpy_integer_widths_are_widths():
    assert MLP(np.int64(2), [np.int32(4), 3], 2).sizes == [2, 4, 3, 2]


@pytest.mark.parametrize("epochs", [-1, 2.5, float("inf"), float("nan"), 1e15, "10", True])
def test_bad_epochs(epochs):
    X, y = xor_data()
    with pytest.raises(ValueError, match=r"train: epochs must be a whole number from 0 to 10,000,000, got"):
        train(MLP(2, 8, 2), X, y, epochs=epochs)


@pytest.mark.parametrize("lr", [0, -1, float("inf"), float("nan"), 1e300])
def test_a_bad_learning_rate_is_refused_even_for_zero_epochs(lr):
    X, y = xor_data()
    with pytest.raises(ValueError, match=r"train: lr, the learning rate, must be a positive number "
                                         r"float32 can hold \(at most 3\.4e\+38\)"):
        train(MLP(2, 8, 2), X, y, lr=lr, epochs=0)


@pytest.mark.parametrize("X, error, message", [
    (np.zeros((4, 2)), TypeError,
     r"MLP: X must be a Tensor of shape \(B, 2\), got ndarray; wrap it: Tensor\(X\)"),
    (Tensor(np.zeros((4, 3))), ValueError,
     r"MLP: X has 3 columns, but this network takes 2 inputs \(n_in=2\); X must be \(B, 2\), "
     r"got \(4, 3\)"),
])
def test_inputs_that_do_not_fit_the_network_are_named_by_it(X, error, message):
    model = MLP(2, 8, 2)
    for use in (model, model.hidden, lambda X: predict(model, X)):
        with pytest.raises(error, match=message):
            use(X)
    if isinstance(X, Tensor):
        with pytest.raises(error, match=message):
            train(model, X, np.zeros(4, int))
    else:
        with pytest.raises(error, match=r"train: X must be a Tensor with one sample per row, got "
                                        r"ndarray; wrap an array: Tensor\(array\)"):
            train(model, X, np.zeros(4, int))


def test_inputs_with_nan_are_named_not_reported_as_divergence():
    X, y = xor_data()
    bad = Tensor(np.array([[np.nan, 0], [0, 1], [1, 0], [1, np.inf]]))
    with pytest.raises(ValueError, match=r"train: X has NaN or infinite values in rows \[0, 3\]"):
        train(MLP(2, 8, 2), bad, y, epochs=5)


@pytest.mark.parametrize("labels, what", [(None, "None"), (Tensor(np.array([[0, 1, 1, 0]])), "a Tensor")])
def test_labels_must_be_an_array_not_a_tensor_or_none(labels, what):
    X, _ = xor_data()
    with pytest.raises(TypeError, match=f"train: y, the labels, must be a 1-D NumPy array .*; got {what}"):
        train(MLP(2, 8, 2), X, labels, epochs=1)
    with pytest.raises(TypeError, match=f"softmax_ce: labels must be a 1-D NumPy array of 4 .*got {what}"):
        softmax_ce(MLP(2, 8, 2)(X), labels)


def test_labels_are_checked_at_the_loss():
    X, _ = xor_data()
    with pytest.raises(ValueError, match="labels must be in"):
        train(MLP(2, 8, 2), X, np.array([0, 1, 2, 0]), epochs=1)


# ---- training with an optimiser object ----------------------------------------------------------

def test_train_with_sgd_object_is_train_with_lr():
    X, y = xor_data()
    plain = train(MLP(2, 8, 2, seed=0), X, y, lr=0.5, epochs=100)
    model = MLP(2, 8, 2, seed=0)
    with_object = train(model, X, y, epochs=100, optimizer=SGD(model.params, lr=0.5))
    np.testing.assert_array_equal(plain.loss, with_object.loss)
    np.testing.assert_array_equal(plain.correct, with_object.correct)


def test_train_with_adam_fits_the_moons():
    X, y = two_moons(200, noise=0.1, seed=0)
    model = MLP(2, 16, 2, seed=0)
    optimizer = Adam(model.params, lr=0.03)
    history = train(model, X, y, epochs=300, optimizer=optimizer)
    assert history.correct[-1] == 200 and history.final_loss < 0.01
    assert optimizer.state[0]["step"] == 300


def test_train_refuses_a_learning_rate_and_an_optimiser_together():
    X, y = xor_data()
    model = MLP(2, 8, 2)
    with pytest.raises(ValueError, match="the optimiser has its own learning rate"):
        train(model, X, y, lr=0.1, optimizer=Adam(model.params))


def test_an_optimiser_for_another_model_is_refused():
    X, y = xor_data()
    with pytest.raises(ValueError, match=r"holds other tensors than model.params; make it for this "
                                         r"model: SGD\(model.params, ...\)"):
        train(MLP(2, 8, 2), X, y, optimizer=SGD(MLP(2, 8, 2).params, lr=0.1))
    with pytest.raises(TypeError, match="optimizer must be an optimiser object"):
        train(MLP(2, 8, 2), X, y, optimizer="adam")


def test_train_on_batch_returns_the_loss_and_logits_from_before_the_step():
    X, y = two_moons(20, seed=0)
    model = MLP(2, 4, 2, seed=0)
    with no_grad():
        before = model(X).data.copy()
    loss, logits = train_on_batch(model, SGD(model.params, lr=0.1), X, y)
    np.testing.assert_array_equal(logits.data, before)
    with no_grad():
        assert loss.item() == pytest.approx(softmax_ce(Tensor(before), y).item())
        assert not np.array_equal(model(X).data, before)


# ---- minibatches ------------------------------------------------------------------------------

def moons_run(seed=0):
    X, y = two_moons(50, noise=0.2, seed=3)
    model = MLP(2, 6, 2, seed=seed, dtype=np.float64)
    return model, Adam(model.params, lr=0.01), Tensor(X.data, dtype=np.float64), y


def test_train_epoch_takes_one_step_per_batch_and_returns_the_weighted_mean_loss():
    model, optimizer, X, y = moons_run()
    twin, twin_optimizer, _, _ = moons_run()
    mean = train_epoch(model, optimizer, X, y, 16, np.random.default_rng(4))
    losses, sizes = [], []
    for X_batch, y_batch in batches(X, y, 16, np.random.default_rng(4)):
        loss, _ = train_on_batch(twin, twin_optimizer, X_batch, y_batch)
        losses.append(loss.item())
        sizes.append(len(y_batch))
    assert sizes == [16, 16, 16, 2] and optimizer.state[0]["step"] == 4
    assert mean == pytest.approx(np.dot(losses, sizes) / 50, rel=1e-12)
    assert mean != pytest.approx(np.mean(losses), rel=1e-3)
    for p, q in zip(model.params, twin.params):
        np.testing.assert_array_equal(p.data, q.data)


def test_one_generator_gives_each_epoch_its_own_order_and_the_run_its_seed():
    def two_epochs(seed):
        model, optimizer, X, y = moons_run()
        rng = np.random.default_rng(seed)
        return [train_epoch(model, optimizer, X, y, 8, rng) for _ in range(2)], model.W1.data

    (losses, weights), (again, same) = two_epochs(1), two_epochs(1)
    assert losses == again
    np.testing.assert_array_equal(weights, same)
    assert two_epochs(2)[0][0] != losses[0]


def test_evaluate_and_predict_record_nothing():
    X, y = two_moons(30, seed=0)
    model = MLP(2, 4, 2, seed=0)
    loss, accuracy = evaluate(model, X, y)
    with no_grad():
        logits = model(X)
        assert loss == pytest.approx(softmax_ce(logits, y).item())
    assert accuracy == np.mean(argmax_rows(logits) == y)
    assert predict(model, X).tolist() == argmax_rows(logits).tolist()
    assert len(current_tape()) == 0


def test_confusion_matrix_counts_true_classes_in_rows():
    counts = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    with pytest.raises(ValueError, match="must be 1-D and of one length"):
        confusion_matrix([0, 1], [0], 2)


# ---- fit --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def digit_splits():
    (X_train, y_train), (X_val, y_val), (X_test, y_test) = split(*digits(), seed=0)
    standardize = Standardizer(X_train)
    return ((standardize(X_train), y_train), (standardize(X_val), y_val),
            (standardize(X_test), y_test))


def test_fit_records_every_epoch_from_the_untrained_network_on(digit_splits):
    train_data, val_data, _ = digit_splits
    model = MLP(64, 32, 10, seed=0)
    start = evaluate(model, *train_data) + evaluate(model, *val_data)
    history = fit(model, SGD(model.params, lr=0.05, momentum=0.9), train_data, val_data, epochs=3)
    assert len(history.val_loss) == 4 and history.epochs == 3 and not history.stopped_early
    assert (history.train_loss[0], history.train_accuracy[0], history.val_loss[0],
            history.val_accuracy[0]) == start
    # Without early stopping the model is the last epoch's.
    assert evaluate(model, *val_data) == (history.val_loss[-1], history.val_accuracy[-1])
    assert history.train_accuracy[-1] > 0.9
    assert "epoch   train loss  train acc  val loss    val acc" in history.table([0, 3])


def test_fit_is_the_same_on_every_run_with_its_seed(digit_splits):
    train_data, val_data, _ = digit_splits
    runs = []
    for seed in (0, 0, 1):
        model = MLP(64, 16, 10, seed=0)
        runs.append(fit(model, Adam(model.params, lr=1e-3), train_data, val_data, 2, seed=seed))
    np.testing.assert_array_equal(runs[0].val_loss, runs[1].val_loss)
    assert runs[0].val_loss[-1] != runs[2].val_loss[-1]


def test_early_stopping_stops_and_puts_the_best_epoch_back(digit_splits):
    train_data, val_data, _ = digit_splits
    small = (Tensor(train_data[0].data[:200]), train_data[1][:200])
    model = MLP(64, [256, 256], 10, seed=0)
    history = fit(model, SGD(model.params, lr=0.05, momentum=0.9), small, val_data, epochs=100,
                  patience=5)
    assert history.stopped_early and history.epochs == history.best_epoch + 5
    assert history.best_epoch == int(np.argmin(history.val_loss))
    assert evaluate(model, *val_data) == pytest.approx(
        (history.val_loss[history.best_epoch], history.val_accuracy[history.best_epoch]))


def test_fit_wraps_its_epochs_in_the_progress_callable(digit_splits):
    seen = []

    def progress(epochs):
        seen.append(list(epochs))
        return epochs

    model = MLP(64, 8, 10, seed=0)
    fit(model, SGD(model.params, lr=0.01), *digit_splits[:2], epochs=3, progress=progress)
    assert seen == [[1, 2, 3]]


def test_digits_test_accuracy_reaches_95_percent(digit_splits):
    train_data, val_data, (X_test, y_test) = digit_splits
    model = MLP(64, [256, 256], 10, seed=0)
    fit(model, AdamW(model.params, lr=1e-3, weight_decay=1.0), train_data, val_data, epochs=20)
    assert evaluate(model, X_test, y_test)[1] >= 0.95


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=0), "fit: epochs must be a whole number from 1 to 10,000,000, got 0"),
    (dict(epochs="3"), "fit: epochs must be a whole number from 1 to 10,000,000, got '3'"),
    (dict(epochs=None), "fit: epochs must be a whole number from 1 to 10,000,000, got None"),
    (dict(epochs=5, patience=0),
     "fit: patience must be a whole number from 1 to 10,000,000 or None, got 0"),
    (dict(epochs=5, patience=2.5), "patience must be a whole number .* got 2.5"),
])
def test_fit_refuses_bad_settings(digit_splits, kwargs, message):
    model = MLP(64, 8, 10)
    with pytest.raises(ValueError, match=message):
        fit(model, SGD(model.params, lr=0.1), *digit_splits[:2], **kwargs)
