import subprocess
import sys

import numpy as np
import pytest

from autograd_lib import Standardizer, Tensor, batches, digits, split, two_moons, xor_data

DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def numbered(n, n_classes=2):
    """``X`` with row ``i`` equal to ``[i]``, labels ``i % n_classes``: shows where samples go."""
    return Tensor(np.arange(n).reshape(n, 1)), np.arange(n) % n_classes


def test_xor_points_and_labels():
    X, y = xor_data()
    assert X.data.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    assert y.tolist() == [int(a) ^ int(b) for a, b in X.data]
    assert xor_data(np.float64)[0].dtype == np.float64


# ---- two moons --------------------------------------------------------------------------------

def test_two_moons_shapes_and_dtypes():
    X, y = two_moons(150)
    assert (X.shape, X.dtype) == ((150, 2), np.float32)
    assert (y.shape, y.dtype) == ((150,), np.int64)


def test_two_moons_classes_are_balanced():
    _, y = two_moons(201)
    assert np.bincount(y).tolist() == [100, 101]


def test_two_moons_samples_come_in_shuffled_order():
    _, y = two_moons(200)
    assert 0.3 < y[:100].mean() < 0.7


def test_two_moons_same_seed_same_data_other_seed_other_data():
    X, y = two_moons(seed=3)
    X_again, y_again = two_moons(seed=3)
    X_other, _ = two_moons(seed=4)
    np.testing.assert_array_equal(X.data, X_again.data)
    np.testing.assert_array_equal(y, y_again)
    assert not np.allclose(X.data, X_other.data)


def test_two_moons_without_noise_lie_on_their_half_circles():
    X, y = two_moons(100, noise=0.0)
    upper, lower = X.data[y == 0].astype(np.float64), X.data[y == 1].astype(np.float64)
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1, rtol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1, rtol=1e-6)
    assert upper[:, 1].min() >= -1e-6 and lower[:, 1].max() <= 0.5 + 1e-6


def test_two_moons_noise_moves_points_off_their_circles_by_about_noise():
    X, y = two_moons(4000, noise=0.1)
    P = X.data.astype(np.float64)
    off = np.where(y == 0, np.hypot(P[:, 0], P[:, 1]), np.hypot(P[:, 0] - 1, P[:, 1] - 0.5)) - 1
    assert 0.09 < off.std() < 0.11


def test_a_linear_classifier_misclassifies_more_than_a_tenth_of_the_moons():
    X, y = two_moons(200, noise=0.1)
    A = np.hstack([X.data, np.ones((200, 1))]).astype(np.float64)
    w = np.linalg.lstsq(A, 2.0 * y - 1, rcond=None)[0]
    assert np.mean((A @ w > 0) == y) < 0.9


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_samples=1), "n_samples must be an integer of at least 2"),
    (dict(n_samples=2.5), "n_samples must be an integer of at least 2"),
    (dict(noise=-0.1), "noise must be non-negative and finite"),
    (dict(seed=None), "seed must be a whole number from 0 up, like seed=0, so that every run draws the same numbers; got None"),
])
def test_two_moons_refuses_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        two_moons(**kwargs)


# ---- digits -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def digit_data():
    return digits()


def test_digits_shapes_and_dtypes(digit_data):
    X, y = digit_data
    assert (X.shape, X.dtype) == ((1797, 64), np.float32)
    assert (y.shape, y.dtype) == ((1797,), np.int64)


def test_digits_counts_per_class(digit_data):
    _, y = digit_data
    assert np.bincount(y).tolist() == DIGIT_COUNTS


def test_digits_pixels_are_whole_numbers_from_0_to_16(digit_data):
    X, _ = digit_data
    assert (X.data.min(), X.data.max()) == (0, 16)
    np.testing.assert_array_equal(X.data, np.round(X.data))


def test_digits_rows_are_8x8_images_row_by_row(digit_data):
    X, y = digit_data
    first = X.data.reshape(-1, 8, 8)[0]
    assert y[0] == 0
    assert first[0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


# ---- split ------------------------------------------------------------------------------------

def test_split_sizes_add_up_and_follow_the_fractions(digit_data):
    parts = split(*digit_data, fractions=(0.6, 0.2, 0.2))
    sizes = [len(y) for _, y in parts]
    assert sum(sizes) == 1797
    np.testing.assert_allclose(sizes, [0.6 * 1797, 0.2 * 1797, 0.2 * 1797], atol=5)


def test_split_parts_are_disjoint_and_cover_every_sample():
    parts = split(*numbered(100))
    ids = np.concatenate([X.data[:, 0] for X, _ in parts])
    assert sorted(ids.tolist()) == list(range(100))


def test_split_keeps_each_sample_with_its_label():
    for X, y in split(*numbered(100, n_classes=3)):
        assert (X.data[:, 0].astype(int) % 3 == y).all()


def test_split_shuffles():
    (X_train, _), _, _ = split(*numbered(100))
    ids = X_train.data[:, 0]
    assert not (np.diff(ids) > 0).all()


def test_split_is_stratified(digit_data):
    for _, y in split(*digit_data):
        shares = np.bincount(y, minlength=10) / len(y)
        np.testing.assert_allclose(shares, np.array(DIGIT_COUNTS) / 1797, atol=0.01)


def test_split_same_seed_same_parts_other_seed_other_parts():
    def train_ids(seed):
        (X_train, _), _ = split(*numbered(100), fractions=(0.8, 0.2), seed=seed)
        return X_train.data[:, 0].tolist()

    assert train_ids(1) == train_ids(1)
    assert train_ids(1) != train_ids(2)


def test_split_keeps_the_dtype():
    X, y = two_moons(50, dtype=np.float64)
    assert all(part.dtype == np.float64 for part, _ in split(X, y))


@pytest.mark.parametrize("fractions", [(0.5, 0.4), (1.0,), (0.5, 0.5, 0.0), (1.2, -0.2)])
def test_split_refuses_fractions_that_are_not_positive_or_do_not_add_up_to_1(fractions):
    with pytest.raises(ValueError, match="fractions must be two or more positive numbers"):
        split(*numbered(100), fractions=fractions)


def test_split_refuses_labels_that_do_not_match_the_rows():
    X, y = numbered(10)
    with pytest.raises(ValueError, match="one label per row of X, 10"):
        split(X, y[:9])


def test_split_refuses_an_array_for_x():
    with pytest.raises(TypeError, match="X must be a Tensor"):
        split(np.zeros((10, 2)), np.zeros(10, dtype=int))


def test_split_refuses_to_make_an_empty_part():
    with pytest.raises(ValueError, match="part 1 .* would be empty"):
        split(*numbered(4), fractions=(0.9, 0.05, 0.05))


# ---- Standardizer -----------------------------------------------------------------------------

def test_standardizer_gives_training_columns_mean_0_and_std_1(digit_data):
    (X_train, _), _, _ = split(*digit_data)
    scaled = Standardizer(X_train)(X_train).data.astype(np.float64)
    varying = X_train.data.std(axis=0) > 0
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(scaled.std(axis=0)[varying], 1, rtol=1e-5)


def test_standardizer_statistics_come_from_the_training_data_only():
    X_train = Tensor([[0.0], [2.0], [4.0]])
    X_test = Tensor([[10.0], [14.0]])
    standardize = Standardizer(X_train)
    assert standardize.mean.tolist() == [[2.0]]
    std = np.sqrt(8 / 3)
    np.testing.assert_allclose(standardize.std, [[std]])
    np.testing.assert_allclose(standardize(X_test).data, [[8 / std], [12 / std]], rtol=1e-6)


def test_a_constant_column_is_shifted_not_scaled_and_gives_no_nan():
    standardize = Standardizer(Tensor([[5.0, 1.0], [5.0, 3.0]]))
    assert standardize.std.tolist() == [[0.0, 1.0]]
    assert standardize.scale.tolist() == [[1.0, 1.0]]
    assert standardize(Tensor([[7.0, 2.0]])).data.tolist() == [[2.0, 0.0]]


def test_digits_corner_pixels_are_constant_yet_standardise_without_nan(digit_data):
    (X_train, _), _, (X_test, _) = split(*digit_data)
    standardize = Standardizer(X_train)
    assert standardize.std[0, 0] == 0
    assert np.isfinite(standardize(X_test).data).all()


def test_standardizer_keeps_the_dtype():
    standardize = Standardizer(Tensor([[1.0], [3.0]]))
    assert standardize(Tensor([[2.0]], dtype=np.float32)).dtype == np.float32
    assert standardize(Tensor([[2.0]], dtype=np.float64)).dtype == np.float64


def test_standardizer_refuses_a_different_number_of_columns():
    standardize = Standardizer(Tensor(np.zeros((3, 64))))
    with pytest.raises(ValueError, match="fitted on 64 columns; X has shape \\(3, 2\\)"):
        standardize(Tensor(np.zeros((3, 2))))


# ---- batches ----------------------------------------------------------------------------------

def test_batches_cover_every_sample_exactly_once_per_epoch():
    X, y = numbered(103)
    ids = np.concatenate([Xb.data[:, 0] for Xb, _ in batches(X, y, 10, np.random.default_rng(0))])
    assert sorted(ids.tolist()) == list(range(103))


def test_batches_are_full_but_the_last():
    X, y = numbered(10)
    sizes = [(Xb.shape, yb.shape) for Xb, yb in batches(X, y, 4, np.random.default_rng(0))]
    assert sizes == [((4, 1), (4,)), ((4, 1), (4,)), ((2, 1), (2,))]


def test_batches_keep_each_sample_with_its_label():
    X, y = numbered(30, n_classes=3)
    for Xb, yb in batches(X, y, 7, np.random.default_rng(0)):
        assert (Xb.data[:, 0].astype(int) % 3 == yb).all()


def test_batch_order_is_shuffled_and_set_by_the_seed():
    def order(rng):
        return [Xb.data[:, 0].tolist() for Xb, _ in batches(*numbered(20), 5, rng)]

    assert order(np.random.default_rng(7)) == order(np.random.default_rng(7))
    assert order(np.random.default_rng(7)) != order(np.random.default_rng(8))
    assert sum(order(np.random.default_rng(7)), []) != list(range(20))


def test_one_generator_gives_each_epoch_a_new_order():
    rng = np.random.default_rng(0)
    first, second = ([Xb.data[:, 0].tolist() for Xb, _ in batches(*numbered(20), 20, rng)]
                     for _ in range(2))
    assert first != second


def test_a_batch_size_larger_than_the_data_gives_one_batch():
    X, y = numbered(5)
    assert [len(yb) for _, yb in batches(X, y, 64, np.random.default_rng(0))] == [5]


@pytest.mark.parametrize("batch_size", [0, -1, 2.5])
def test_batches_refuse_a_batch_size_that_is_not_a_positive_integer(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        batches(*numbered(10), batch_size, np.random.default_rng(0))


def test_batches_need_a_generator_not_a_seed():
    with pytest.raises(TypeError, match="use numpy.random.default_rng\\(seed\\)"):
        batches(*numbered(10), 4, 0)


# ---- what importing the library costs ---------------------------------------------------------

def test_importing_autograd_lib_imports_neither_sklearn_nor_matplotlib():
    code = ("import sys, autograd_lib; "
            "print(sorted({m.split('.')[0] for m in sys.modules} "
            "& {'sklearn', 'scipy', 'matplotlib'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
