import re

import numpy as np
import pytest

from autograd_lib import (MLP, SGD, Adam, AdamW, Tensor, argmax_rows, backward, sgd_step,
                          softmax_ce, tape_reset, two_moons)

P0 = np.array([[1.0, -2.0, 0.5]])
GRADS = [np.array([[0.5, -1.0, 2.0]]), np.array([[0.1, 0.3, -0.2]]),
         np.array([[-0.4, 0.2, 1.0]]), np.array([[1.0, -0.5, 0.0]])]


def run(optimizer_class, grads=GRADS, dtype=np.float64, **hyper):
    """Start at P0 and take one step per gradient; return the parameter and the optimiser."""
    p = Tensor(P0, requires_grad=True, dtype=dtype)
    opt = optimizer_class([p], **hyper)
    for g in grads:
        p.grad = g.astype(dtype)
        opt.step()
    return p, opt


def sgd_by_hand(lr, momentum=0.0, nesterov=False, weight_decay=0.0, grads=GRADS):
    p, buf = P0.copy(), None
    for g in grads:
        g = g + weight_decay * p
        if momentum:
            buf = g if buf is None else momentum * buf + g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def adam_by_hand(lr, betas, eps, l2=0.0, decoupled=0.0, grads=GRADS):
    b1, b2 = betas
    p, m, v = P0.copy(), np.zeros_like(P0), np.zeros_like(P0)
    for t, g in enumerate(grads, start=1):
        p = p * (1 - lr * decoupled)
        g = g + l2 * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return p, m, v


# ---- sgd_step ---------------------------------------------------------------------------------

def test_sgd_step_moves_against_the_gradient_in_place():
    p = Tensor([[1.0, 2.0]], requires_grad=True)
    buffer = p.data
    p.grad = np.array([[0.5, -1.0]], dtype=np.float32)
    sgd_step([p], lr=0.1)
    assert p.data is buffer
    np.testing.assert_allclose(p.data, [[0.95, 2.1]])


def test_sgd_step_leaves_a_parameter_without_gradient_alone():
    p = Tensor([[1.0]], requires_grad=True)
    sgd_step([p], lr=0.1)
    assert p.data.tolist() == [[1.0]]


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), 1e300])
def test_sgd_step_learning_rate_must_be_positive_and_fit_float32(lr):
    W = Tensor(np.ones((1, 2)), requires_grad=True)
    W.grad = np.full((1, 2), 0.5, dtype=np.float32)
    with pytest.raises(ValueError, match=r"sgd_step: lr, the learning rate, must be a positive "
                                         r"number float32 can hold \(at most 3\.4e\+38\)"):
        sgd_step([W], lr)
    np.testing.assert_array_equal(W.data, [[1, 1]])


def test_sgd_step_on_one_tensor_says_to_pass_a_list():
    W = Tensor(np.ones((1, 2)), requires_grad=True)
    with pytest.raises(TypeError, match=r"sgd_step: params must be a list of Tensors.*got one "
                                        r"Tensor; put it in a list, \[W\]"):
        sgd_step(W, 0.1)


# ---- SGD ----------------------------------------------------------------------------------

def test_sgd_without_momentum_is_sgd_step():
    p, _ = run(SGD, lr=0.1)
    q = Tensor(P0, requires_grad=True, dtype=np.float64)
    for g in GRADS:
        q.grad = g
        sgd_step([q], lr=0.1)
    np.testing.assert_array_equal(p.data, q.data)


def test_momentum_accumulates_a_constant_gradient():
    p, opt = run(SGD, grads=[np.ones((1, 3))] * 3, lr=0.1, momentum=0.9)
    # buf = 1, 1.9, 2.71, so p = 1 - 0.1 * (1 + 1.9 + 2.71)
    np.testing.assert_allclose(opt.state[0]["momentum_buffer"][0, 0], 2.71)
    np.testing.assert_allclose(p.data[0, 0], 0.439)


def test_nesterov_steps_along_the_gradient_plus_momentum_times_buffer():
    p, _ = run(SGD, grads=[np.ones((1, 3))] * 3, lr=0.1, momentum=0.9, nesterov=True)
    # steps g + 0.9 * buf = 1.9, 2.71, 3.439, so p = 1 - 0.1 * (1.9 + 2.71 + 3.439)
    np.testing.assert_allclose(p.data[0, 0], 0.1951)


def test_sgd_weight_decay_adds_decay_times_parameter_to_the_gradient():
    p, _ = run(SGD, grads=[np.zeros((1, 3))], lr=0.5, weight_decay=0.1)
    np.testing.assert_allclose(p.data, P0 - 0.5 * 0.1 * P0)


@pytest.mark.parametrize("momentum, nesterov, weight_decay", [
    (0.0, False, 0.0), (0.9, False, 0.0), (0.9, True, 0.0),
    (0.0, False, 0.05), (0.8, False, 0.05), (0.8, True, 0.05),
])
def test_sgd_follows_the_published_equations(momentum, nesterov, weight_decay):
    hyper = dict(lr=0.1, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
    p, _ = run(SGD, **hyper)
    np.testing.assert_allclose(p.data, sgd_by_hand(**hyper), rtol=1e-12)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_momentum_buffer_survives_zero_grad(set_to_none):
    p, opt = run(SGD, grads=GRADS[:1], lr=0.1, momentum=0.9)
    gradient = p.grad
    opt.zero_grad(set_to_none=set_to_none)
    np.testing.assert_array_equal(opt.state[0]["momentum_buffer"], GRADS[0])
    assert not np.shares_memory(opt.state[0]["momentum_buffer"], gradient)


def test_for_sgd_l2_and_decoupled_weight_decay_coincide():
    l2, _ = run(SGD, lr=0.1, momentum=0.0, weight_decay=0.05)
    p = Tensor(P0, requires_grad=True, dtype=np.float64)
    opt = SGD([p], lr=0.1)
    for g in GRADS:
        p.grad = g
        p.data *= 1 - 0.1 * 0.05
        opt.step()
    np.testing.assert_allclose(p.data, l2.data, rtol=1e-12)


# ---- Adam and AdamW ---------------------------------------------------------------------------

@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adam_follows_the_published_equations(weight_decay):
    p, opt = run(Adam, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=weight_decay)
    expected, m, v = adam_by_hand(0.01, (0.8, 0.99), 1e-6, l2=weight_decay)
    np.testing.assert_allclose(p.data, expected, rtol=1e-12)
    np.testing.assert_allclose(opt.state[0]["exp_avg"], m, rtol=1e-12)
    np.testing.assert_allclose(opt.state[0]["exp_avg_sq"], v, rtol=1e-12)


def test_adamw_follows_the_published_equations():
    p, _ = run(AdamW, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.3)
    expected, _, _ = adam_by_hand(0.01, (0.8, 0.99), 1e-6, decoupled=0.3)
    np.testing.assert_allclose(p.data, expected, rtol=1e-12)


def test_adam_first_step_moves_each_entry_by_lr_whatever_the_gradient_scale():
    p, _ = run(Adam, grads=[np.array([[1e-4, -3.0, 5e3]])], lr=0.01)
    np.testing.assert_allclose(p.data - P0, [[-0.01, 0.01, -0.01]], rtol=1e-3)


def test_adamw_shrinks_a_parameter_with_zero_gradient_by_one_minus_lr_times_decay():
    p, _ = run(AdamW, grads=[np.zeros((1, 3))] * 3, lr=0.1, weight_decay=0.5)
    np.testing.assert_allclose(p.data, P0 * 0.95**3, rtol=1e-12)


def test_adamw_and_adam_with_l2_differ():
    adamw, _ = run(AdamW, lr=0.1, weight_decay=0.5)
    adam_l2, _ = run(Adam, lr=0.1, weight_decay=0.5)
    assert np.max(np.abs(adamw.data - adam_l2.data)) > 0.05


@pytest.mark.parametrize("optimizer_class, hyper, by_hand", [
    (SGD, dict(lr=0.1, momentum=0.9), lambda grads: sgd_by_hand(0.1, 0.9, grads=grads)),
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True),
     lambda grads: sgd_by_hand(0.1, 0.9, nesterov=True, grads=grads)),
    (SGD, dict(lr=0.1, momentum=0.8, weight_decay=0.05),
     lambda grads: sgd_by_hand(0.1, 0.8, weight_decay=0.05, grads=grads)),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6),
     lambda grads: adam_by_hand(0.01, (0.8, 0.99), 1e-6, grads=grads)[0]),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
     lambda grads: adam_by_hand(0.01, (0.8, 0.99), 1e-6, l2=0.1, grads=grads)[0]),
    (AdamW, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.3),
     lambda grads: adam_by_hand(0.01, (0.8, 0.99), 1e-6, decoupled=0.3, grads=grads)[0]),
], ids=["momentum", "nesterov", "momentum+wd", "Adam", "Adam+L2", "AdamW"])
def test_a_step_without_gradient_is_skipped_as_if_it_never_happened(optimizer_class, hyper, by_hand):
    """Two parameters in float64; the second has no gradient at the second step. Each follows
    the equations by hand over the steps where it had one: no decay, no momentum, no count."""
    a = Tensor(P0, requires_grad=True, dtype=np.float64)
    b = Tensor(P0, requires_grad=True, dtype=np.float64)
    opt = optimizer_class([a, b], **hyper)
    for step, g in enumerate(GRADS):
        a.grad = g.copy()
        b.grad = None if step == 1 else -g
        opt.step()
    np.testing.assert_allclose(a.data, by_hand(GRADS), rtol=1e-12)
    np.testing.assert_allclose(b.data, by_hand([-g for i, g in enumerate(GRADS) if i != 1]),
                               rtol=1e-12)
    if optimizer_class is not SGD:
        assert (opt.state[0]["step"], opt.state[1]["step"]) == (4, 3)


# ---- every optimiser --------------------------------------------------------------------------

OPTIMISERS = [
    pytest.param(SGD, dict(lr=0.1, momentum=0.9), id="SGD"),
    pytest.param(Adam, dict(lr=0.01), id="Adam"),
    pytest.param(AdamW, dict(lr=0.01), id="AdamW"),
]


@pytest.mark.parametrize("optimizer_class, hyper", OPTIMISERS)
def test_parameter_without_gradient_is_untouched_and_gets_no_state(optimizer_class, hyper):
    p, unused = Tensor(P0, requires_grad=True), Tensor(P0, requires_grad=True)
    opt = optimizer_class([p, unused], **hyper)
    p.grad = GRADS[0].astype(np.float32)
    opt.step()
    np.testing.assert_array_equal(unused.data, P0.astype(np.float32))
    assert opt.state[1] == {}
    assert opt.state[0] != {}


@pytest.mark.parametrize("optimizer_class, hyper, names", [
    (SGD, dict(lr=0.1, momentum=0.9), {"momentum_buffer"}),
    (Adam, dict(), {"step", "exp_avg", "exp_avg_sq"}),
    (AdamW, dict(), {"step", "exp_avg", "exp_avg_sq"}),
])
def test_state_is_one_dict_per_parameter_named_as_in_pytorch(optimizer_class, hyper, names):
    _, opt = run(optimizer_class, **hyper)
    assert len(opt.state) == 1
    assert set(opt.state[0]) == names


def test_adam_counts_its_steps():
    _, opt = run(Adam)
    assert opt.state[0]["step"] == len(GRADS)


def test_sgd_without_momentum_keeps_no_state():
    _, opt = run(SGD, lr=0.1)
    assert opt.state == [{}]


@pytest.mark.parametrize("optimizer_class, hyper", OPTIMISERS)
def test_float32_parameters_and_their_state_stay_float32(optimizer_class, hyper):
    p, opt = run(optimizer_class, dtype=np.float32, **hyper)
    assert p.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[0].values() if isinstance(v, np.ndarray))


@pytest.mark.parametrize("optimizer_class, hyper", OPTIMISERS)
def test_step_changes_the_data_in_place_and_counts_as_a_change(optimizer_class, hyper):
    p = Tensor(P0, requires_grad=True)
    buffer, version = p.data, p.version
    opt = optimizer_class([p], **hyper)
    p.grad = GRADS[0].astype(np.float32)
    opt.step()
    assert p.data is buffer
    assert p.version > version


@pytest.mark.parametrize("optimizer_class, hyper", OPTIMISERS)
def test_zero_grad_sets_gradients_to_none_as_pytorch_does(optimizer_class, hyper):
    p, never = Tensor(P0, requires_grad=True), Tensor(P0, requires_grad=True)
    p.grad = GRADS[0].astype(np.float32)
    optimizer_class([p, never], **hyper).zero_grad()
    assert p.grad is None and never.grad is None


@pytest.mark.parametrize("optimizer_class, hyper", OPTIMISERS)
def test_zero_grad_without_set_to_none_zeroes_the_buffers_in_place(optimizer_class, hyper):
    p, never = Tensor(P0, requires_grad=True), Tensor(P0, requires_grad=True)
    p.grad = GRADS[0].astype(np.float32)
    grad = p.grad
    optimizer_class([p, never], **hyper).zero_grad(set_to_none=False)
    assert p.grad is grad
    assert p.grad.tolist() == [[0, 0, 0]]
    assert never.grad is None


def test_either_zero_grad_gives_the_same_training():
    X, y = two_moons(50, seed=1)
    final = []
    for set_to_none in (True, False):
        model = MLP(2, 8, 2, seed=0)
        opt = SGD(model.params, lr=0.1, momentum=0.9)
        for _ in range(5):
            tape_reset()
            opt.zero_grad(set_to_none=set_to_none)
            backward(softmax_ce(model(X), y))
            opt.step()
        final.append(model.W1.data)
    np.testing.assert_array_equal(*final)


@pytest.mark.parametrize("optimizer_class, hyper", OPTIMISERS)
def test_optimiser_fits_two_moons_in_300_full_batch_steps(optimizer_class, hyper):
    X, y = two_moons(200, noise=0.1, seed=0)
    model = MLP(2, 16, 2, seed=0)
    opt = optimizer_class(model.params, **hyper)
    for _ in range(300):
        tape_reset()
        opt.zero_grad()
        logits = model(X)
        backward(softmax_ce(logits, y))
        opt.step()
    assert np.mean(argmax_rows(logits) == y) >= 0.99


# ---- bad arguments ----------------------------------------------------------------------------

def test_a_single_tensor_instead_of_a_list_is_refused():
    with pytest.raises(TypeError, match=r"Adam: params must be a list of Tensors.*got one Tensor; put it in a list, \[W\]"):
        Adam(Tensor(P0, requires_grad=True))


@pytest.mark.parametrize("params, error, message", [
    ([], ValueError, "params is empty"),
    ([P0], TypeError, r"params\[0\] is a NumPy array, which has no gradient: pass the Tensor"),
    ([Tensor(P0, name="W")], ValueError, r"params\[0\] \('W'\) has requires_grad=False"),
])
def test_params_must_be_a_non_empty_list_of_tensors_with_requires_grad(params, error, message):
    with pytest.raises(error, match=message):
        SGD(params, lr=0.1)


def test_a_parameter_listed_twice_is_refused():
    p = Tensor(P0, requires_grad=True)
    with pytest.raises(ValueError, match="lists a Tensor more than once"):
        SGD([p, p], lr=0.1)


@pytest.mark.parametrize("optimizer_class", [SGD, Adam, AdamW])
@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), 1e300])
def test_learning_rate_must_be_positive_and_fit_float32(optimizer_class, lr):
    with pytest.raises(ValueError, match=f"{optimizer_class.__name__}: lr, the learning rate, "
                                         f"must be a positive number float32 can hold"):
        optimizer_class([Tensor(P0, requires_grad=True)], lr=lr)


@pytest.mark.parametrize("lr, shown", [("0.1", "str '0.1'"), (None, "NoneType None"), (True, "bool True"),
                                       (np.array([0.1, 0.2]), "ndarray array")])
def test_a_learning_rate_that_is_not_a_number_is_named(lr, shown):
    W = Tensor(np.ones((1, 2)), requires_grad=True)
    W.grad = np.ones((1, 2), dtype=np.float32)
    for make in (lambda: sgd_step([W], lr), lambda: SGD([W], lr=lr), lambda: Adam([W], lr=lr)):
        with pytest.raises(TypeError, match=r": lr, the learning rate, must be a number, got "
                                            + re.escape(shown)):
            make()
    np.testing.assert_array_equal(W.data, [[1, 1]])
    sgd_step([W], np.float32(0.5))
    np.testing.assert_array_equal(W.data, [[0.5, 0.5]])


@pytest.mark.parametrize("make, message", [
    (lambda ps: SGD(ps, lr=0.1, momentum="0.9"), "SGD: momentum must be a number, got str '0.9'"),
    (lambda ps: SGD(ps, lr=0.1, weight_decay=None), "SGD: weight_decay must be a number, got NoneType"),
    (lambda ps: Adam(ps, eps=None), "Adam: eps must be a number, got NoneType None"),
    (lambda ps: AdamW(ps, weight_decay="0.1"), "AdamW: weight_decay must be a number, got str"),
])
def test_hyperparameters_that_are_not_numbers_are_named(make, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        make([Tensor(P0, requires_grad=True)])


def test_betas_that_are_not_numbers_are_named():
    with pytest.raises(ValueError, match=r"Adam: betas must be two numbers in \[0, 1\), got \('0\.9', "):
        Adam([Tensor(P0, requires_grad=True)], betas=("0.9", 0.999))


@pytest.mark.parametrize("momentum", [-0.1, 1.0, float("nan")])
def test_momentum_must_be_in_zero_one(momentum):
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        SGD([Tensor(P0, requires_grad=True)], lr=0.1, momentum=momentum)


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        SGD([Tensor(P0, requires_grad=True)], lr=0.1, nesterov=True)


@pytest.mark.parametrize("betas", [(0.9, 1.0), (-0.1, 0.999), (0.9,), 0.9])
def test_betas_must_be_two_numbers_in_zero_one(betas):
    with pytest.raises(ValueError, match=r"betas must be two numbers in \[0, 1\)"):
        Adam([Tensor(P0, requires_grad=True)], betas=betas)


@pytest.mark.parametrize("optimizer_class, hyper", [
    (SGD, dict(lr=0.1, weight_decay=-0.01)),
    (Adam, dict(weight_decay=float("nan"))),
    (AdamW, dict(weight_decay=-1)),
    (Adam, dict(eps=-1e-8)),
])
def test_weight_decay_and_eps_must_be_non_negative(optimizer_class, hyper):
    with pytest.raises(ValueError, match="must be non-negative and finite"):
        optimizer_class([Tensor(P0, requires_grad=True)], **hyper)
