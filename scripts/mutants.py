"""Mutation check: does each small bug planted in the library make a unit test fail?

A green test suite proves little by itself, since a test can pass whatever the code does. This
script plants one small bug at a time, a *mutant*, in a copy of the repository and runs the unit
tests on that copy. A mutant that makes a test fail is *killed*. One that passes every test
*survived*: the behaviour it breaks is pinned down by no unit test (maybe by nbval, or by nothing).

Each mutant below is one exact snippet of one file and its replacement. If a snippet is not
found exactly once (the code has changed), the script stops before running anything, so the
list cannot silently go stale. Only the unit tests run, without nbval or a browser: the goal is
that they alone kill every mutant.

    make mutants                                         # every mutant, two at a time
    .venv/bin/python scripts/mutants.py NAME [NAME ...]  # only these

Exit status: 0 if every mutant was killed, 1 if any survived, 2 if the list is out of date or
the unit tests fail on the unchanged copy (then no result would mean anything).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Stop at the first failure; a fixed Hypothesis seed gives a mutant the same fate every run.
PYTEST_OPTIONS = ["-x", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=0"]

# The unit tests only: the files marked slow (tests/conftest.py: the book's pages and its builds,
# the browsers, the whole-workbook runs, the chapters in the Colab and Binder environments) are left
# out, as `make unit` leaves them out; the copy has neither those environments nor the book.
UNIT_TESTS = ["-m", "not slow", "tests"]

# What the copy leaves out: the environments, history, the built book and caches.
NOT_COPIED = [".venv", ".colab-venv", ".binder-venv", ".lite-venv", ".git", "_build", ".pytest_cache",
              ".hypothesis", "__pycache__", ".ipynb_checkpoints", "my-work"]

TIMEOUT_SECONDS = 600
"""Tests that run longer than this (a mutant made a loop endless) count as failed: the mutant is killed."""


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    original: str
    replacement: str
    description: str


M = Mutant  # M(name, file, snippet, its replacement, what the bug does)
MUTANTS = [
    # ---- tensor.py
    M("tensor-keeps-callers-array", "autograd_lib/guards.py",
      "array = np.array(data, dtype=", "array = np.asarray(data, dtype=",
      "Tensor(array) keeps the caller's array instead of copying it"),
    M("assignment-not-versioned", "autograd_lib/tensor.py",
      "self.version += 1", "self.version += 0",
      "assigning to .data leaves the version alone, so backward cannot see the change"),
    M("he-variance-one-over-fan-in", "autograd_lib/tensor.py",
      "np.sqrt(2.0 / fan_in)", "np.sqrt(1.0 / fan_in)",
      "he_init draws with variance 1 / fan_in instead of 2 / fan_in"),
    M("zero-grad-new-buffer", "autograd_lib/tensor.py",
      "p.grad.fill(0)", "p.grad = np.zeros_like(p.grad)",
      "zero_grad allocates a new buffer instead of zeroing in place"),
    # ---- tape.py
    M("tape-holds-nothing", "autograd_lib/tape.py",
      "    tape.hold(inputs, out)\n", "",
      "record leaves the recorded arrays writable: a write in place before backward goes unseen"),
    M("walked-tape-keeps-holding", "autograd_lib/tape.py",
      "    tape.walked = True\n    tape.release()\n", "    tape.walked = True\n",
      "backward leaves the parameters read-only, so no optimiser can step after it"),
    M("reset-keeps-holding", "autograd_lib/tape.py",
      "    _state.tapes[-1].release()\n", "",
      "tape_reset drops a tape without letting go of the arrays it held"),
    M("optimiser-steps-held-params", "autograd_lib/guards.py",
      "        if not t.data.flags.writeable:\n            raise RuntimeError(f\"{owner}: {_held_label(t)} {HELD}\")",
      "        if False:\n            raise RuntimeError(f\"{owner}: {_held_label(t)} {HELD}\")",
      "sgd_step and the optimisers step a parameter the tape holds, failing inside NumPy"),
    M("no-grad-records", "autograd_lib/tape.py",
      "_state.grad_enabled = False", "_state.grad_enabled = True",
      "no_grad() records ops anyway"),
    M("no-grad-forgets-outer", "autograd_lib/tape.py",
      "_state.grad_enabled = self._before", "_state.grad_enabled = True",
      "leaving an inner no_grad() turns recording back on inside an outer one"),
    M("records-onto-walked-tape", "autograd_lib/guards.py",
      "    if tape.walked:\n        raise RuntimeError(\n            f\"{op}: the tape",
      "    if False:\n        raise RuntimeError(\n            f\"{op}: the tape",
      "ops record onto a tape that backward already walked"),
    M("second-backward-allowed", "autograd_lib/guards.py",
      "    if tape.walked:\n        raise RuntimeError(\n            \"backward was already called",
      "    if False:\n        raise RuntimeError(\n            \"backward was already called",
      "a second backward on one tape adds every gradient again"),
    M("loss-from-another-tape", "autograd_lib/guards.py",
      "if id(loss) not in made_here:", "if False:",
      "backward accepts a loss that the current tape did not record"),
    M("older-tape-input-allowed", "autograd_lib/guards.py",
      "if t.requires_grad and not t.is_leaf and id(t) not in made_here:", "if False:",
      "backward accepts a graph cut by a tape_reset() in the middle of the forward pass"),
    M("version-guard-off", "autograd_lib/guards.py",
      "if t.version != version:", "if False:",
      "backward accepts an input changed in place since its op ran"),
    M("seed-not-one", "autograd_lib/tape.py",
      "adjoint = {loss: np.ones_like(loss.data)}", "adjoint = {loss: np.full_like(loss.data, 0.5)}",
      "backward seeds dL/dL = 0.5"),
    M("adjoints-overwrite", "autograd_lib/tape.py",
      "adjoint[t] = adjoint[t] + g if t in adjoint else g", "adjoint[t] = g",
      "a tensor used twice keeps only its last gradient"),
    M("gradients-overwrite", "autograd_lib/tape.py",
      "t.grad += g", "t.grad = g",
      "a second backward without zero_grad replaces the gradients instead of adding to them"),
    M("leaves-share-a-buffer", "autograd_lib/tape.py",
      "t.grad = g.copy() if t.is_leaf and id(g) in given else g", "t.grad = g",
      "two leaves handed one array by a rule share one .grad buffer"),
    M("assigned-output-allowed", "autograd_lib/guards.py",
      "if e.out.version != e.out_version:", "if False:",
      "backward accepts an op's output assigned after the op ran (dropout by hand)"),
    M("vjp-tuple-unchecked", "autograd_lib/guards.py",
      "if not isinstance(grads, (tuple, list)) or", "if",
      "apply_vjp does not check that a rule returns a tuple"),
    M("vjp-count-unchecked", "autograd_lib/guards.py",
      "or len(grads) != n", "or False",
      "apply_vjp does not check that a rule returns one gradient per input"),
    M("vjp-shape-unchecked", "autograd_lib/guards.py",
      "or g.shape != t.shape", "or False",
      "apply_vjp does not check each gradient's shape"),
    M("every-rule-trusted", "autograd_lib/tape.py",
      "if LIBRARY_RULES.get(entry.op) is not rule:", "if False:",
      "apply_vjp trusts a reader's rule as it trusts the library's own"),
    # ---- ops.py
    M("matmul-da-untransposed", "autograd_lib/ops.py",
      "da = dout @ b.data.T", "da = dout @ b.data",
      "matmul's VJP forgets to transpose b in da"),
    M("matmul-db-averaged", "autograd_lib/ops.py",
      "db = a.data.T @ dout", "db = a.data.T @ dout / len(dout)",
      "matmul's VJP divides db by the batch size"),
    M("add-bias-dbias-mean", "autograd_lib/ops.py",
      "dbias = dout.sum(axis=0, keepdims=True)", "dbias = dout.mean(axis=0, keepdims=True)",
      "add_bias's VJP averages the rows of dout instead of summing them"),
    M("relu-leaks", "autograd_lib/ops.py",
      "np.maximum(x.data, 0)", "np.maximum(x.data, 0.01 * x.data)",
      "relu's forward leaks 0.01 x for negative x"),
    M("relu-slope-one-at-zero", "autograd_lib/ops.py",
      "mask = x.data > 0", "mask = x.data >= 0",
      "relu's slope at exactly 0 is 1 instead of 0"),
    M("relu-vjp-ignores-mask", "autograd_lib/ops.py",
      "return (dout * entry.saved[\"mask\"],)", "return (dout.copy(),)",
      "relu's VJP passes every gradient through"),
    M("relu-kink-only-at-zero", "autograd_lib/ops.py",
      "kink=mask)", "kink=x.data == 0)",
      "relu marks a kink only for inputs exactly 0, not for inputs a step h away"),
    M("tanh-vjp-wrong-derivative", "autograd_lib/ops.py",
      "(dout * (1 - y * y),)", "(dout * (1 - y),)",
      "tanh's VJP uses 1 - y instead of 1 - y**2"),
    M("softmax-unshifted", "autograd_lib/ops.py",
      "shifted = zd - zd.max(axis=1, keepdims=True)", "shifted = zd",
      "softmax_ce skips the max shift, so large logits overflow"),
    M("softmax-ce-sum-not-mean", "autograd_lib/ops.py",
      "-log_p_true.sum() / batch", "-log_p_true.sum()",
      "softmax_ce returns the summed loss instead of the mean"),
    M("softmax-vjp-no-onehot", "autograd_lib/ops.py",
      "dz[saved[\"rows\"], saved[\"labels\"]] -= 1", "dz[saved[\"rows\"], saved[\"labels\"]] -= 0",
      "softmax_ce's VJP forgets to subtract the one-hot labels"),
    M("softmax-vjp-no-mean", "autograd_lib/ops.py",
      "dz *= dout[0, 0] / dz.shape[0]", "dz *= dout[0, 0]",
      "softmax_ce's VJP forgets the 1 / B of the mean"),
    M("labels-may-equal-classes", "autograd_lib/guards.py",
      "max(values) >= classes", "max(values) > classes",
      "softmax_ce accepts the label C for C classes"),
    # ---- gradcheck.py
    M("relative-error-floor-0.1", "autograd_lib/gradcheck.py",
      "np.maximum(1.0, largest)", "np.maximum(0.1, largest)",
      "relative_error divides by max(0.1, |a|, |n|) instead of max(1, |a|, |n|)"),
    M("step-square-root", "autograd_lib/gradcheck.py",
      "eps ** (1 / 3)", "eps ** (1 / 2)",
      "the default step is eps ** (1/2) instead of eps ** (1/3)"),
    M("difference-over-h", "autograd_lib/gradcheck.py",
      "grad[idx] = (plus - minus) / (2 * h)", "grad[idx] = (plus - minus) / h",
      "central differences divide by h instead of 2h"),
    M("default-tol-float64", "autograd_lib/gradcheck.py",
      "tol = 1e-6 if dtype == np.float64", "tol = 1e-5 if dtype == np.float64",
      "the default float64 tolerance is 1e-5 instead of 1e-6"),
    M("default-tol-float32", "autograd_lib/gradcheck.py",
      "np.float64 else 5e-2", "np.float64 else 1e-1",
      "the default float32 tolerance is 1e-1 instead of 5e-2"),
    M("one-mismatch-forgiven", "autograd_lib/gradcheck.py",
      "return not self.mismatches and", "return len(self.mismatches) <= 1 and",
      "the check passes with one mismatching entry (any entry must fail it)"),
    M("ok-ignores-problems", "autograd_lib/gradcheck.py",
      "return not self.mismatches and not self.problems", "return not self.mismatches",
      "the check passes despite a problem (a loss that is not deterministic)"),
    M("nan-within-tolerance", "autograd_lib/gradcheck.py",
      "if not e[idx] <= tol", "if e[idx] > tol",
      "an entry whose error is NaN counts as within tolerance"),
    M("nan-excused-at-kink", "autograd_lib/gradcheck.py",
      "if not (f.at_kink and np.isfinite(f.error))", "if not f.at_kink",
      "a NaN at a ReLU kink is excused as a kink"),
    M("max-error-is-a-mean", "autograd_lib/gradcheck.py",
      "float(np.max([e.max() for e in self.errors]))", "float(np.mean([e.max() for e in self.errors]))",
      "the summary's max err is the mean of each parameter's largest error"),
    M("check-in-own-dtype", "autograd_lib/gradcheck.py",
      "p.data = p.data.astype(dtype)", "p.data = p.data.copy()",
      "the check runs in the parameters' float32, whatever dtype it was asked for"),
    M("parameters-not-restored", "autograd_lib/gradcheck.py",
      "            p.data = data\n", "",
      "the check leaves its float64 copies in the parameters"),
    # ---- optim.py
    M("bool-is-a-learning-rate", "autograd_lib/guards.py",
      "and not isinstance(value, bool))", ")",
      "lr=True is taken as a learning rate of 1"),
    M("sgd-climbs", "autograd_lib/optim.py",
      "p.data -= lr * p.grad\n", "p.data += lr * p.grad\n",
      "sgd_step moves along the gradient instead of against it"),
    M("sgd-new-array", "autograd_lib/optim.py",
      "p.data -= lr * p.grad\n", "p.data = p.data - lr * p.grad\n",
      "sgd_step replaces each parameter's array instead of updating it in place"),
    M("sgd-accepts-zero-lr", "autograd_lib/guards.py",
      "if not 0 < lr <= LARGEST_LR:", "if lr < 0:",
      "sgd_step and the optimisers accept a learning rate of 0, NaN, inf or 1e300"),
    M("duplicate-params-allowed", "autograd_lib/guards.py",
      "if len({id(p) for p in params}) < len(params):", "if False:",
      "sgd_step([W, W], lr) steps W twice"),
    M("grad-of-another-shape-kept", "autograd_lib/guards.py",
      "    if array.shape != t.shape:", "    if False:",
      "a .grad of the wrong shape set by hand is kept, and broadcast later"),
    M("flag-taken-as-truthy", "autograd_lib/guards.py",
      "if not isinstance(value, (bool, np.bool_)):", "if False:",
      "Tensor(..., requires_grad=\"False\") is taken as True"),
    M("complex-kept-silently", "autograd_lib/guards.py",
      'if kind == "c":', 'if kind == "z":',
      "complex data loses its imaginary part without a word"),
    M("nan-inputs-trained", "autograd_lib/guards.py",
      "if isinstance(X, _tensor.Tensor) and not np.isfinite(X.data).all():", "if False:",
      "train reports NaN inputs as a diverged run"),
    # ---- model.py
    M("mlp-width-unchecked", "autograd_lib/guards.py",
      "if X.cols != n_in:", "if False:",
      "an input of the wrong width is left to the first matmul to name"),
    M("mlp-ignores-seed", "autograd_lib/model.py",
      "rng = np.random.default_rng(seed)\n        self.activation",
      "rng = np.random.default_rng(0)\n        self.activation",
      "MLP draws the same weights whatever its seed"),
    M("accuracy-not-divided", "autograd_lib/model.py",
      "return self.correct / self.n_samples", "return self.correct",
      "History.accuracy is the count correct, not the fraction"),
    M("final-loss-is-lowest", "autograd_lib/model.py",
      "return float(self.loss[-1])", "return float(self.loss.min())",
      "History.final_loss is the lowest loss, not the last"),
    M("train-step-keeps-old-grads", "autograd_lib/model.py",
      "    zero_grad(model.params)\n", "",
      "train_step adds each step's gradients to the last step's"),
    M("extra-step-after-last-epoch", "autograd_lib/model.py",
      "if epoch < epochs:", "if epoch <= epochs:",
      "train takes one more SGD step after recording the last epoch"),
    # ---- data.py, plugin.py
    M("xor-label-wrong", "autograd_lib/data.py",
      "y = np.array([0, 1, 1, 0])", "y = np.array([0, 1, 1, 1])",
      "xor_data labels (1, 1) as class 1"),
    M("plug-in-ignored", "autograd_lib/plugin.py",
      "return _plugged.get(name, fn)(*args, **kwargs)", "return fn(*args, **kwargs)",
      "a plugged-in function is never called"),
    # ---- course/plots.py, course/playground.py
    M("dead-unit-alive-at-zero", "autograd_lib/course/plots.py",
      "~(pre > 0).any(axis=0)", "~(pre >= 0).any(axis=0)",
      "dead_units counts a pre-activation of exactly 0 as alive"),
    M("verdict-dead-unit-not-solved", "autograd_lib/course/playground.py",
      "if correct == n:", "if correct == n and not dead:",
      "the verdict does not call a run solved at 4/4 if a unit is dead"),
    M("verdict-worse-only-if-alive", "autograd_lib/course/playground.py",
      "if history.final_loss > history.loss[0]:", "if history.final_loss > history.loss[0] and not dead:",
      "the verdict skips worse when units died, judging the run by the later rules"),
    M("verdict-solved-at-3-of-4", "autograd_lib/course/playground.py",
      "if correct == n:", "if correct >= n - 1:",
      "the verdict says solved at 3 of 4 correct"),
    M("verdict-never-learning", "autograd_lib/course/playground.py",
      "if rate > STILL_FALLING:", "if False:",
      "the verdict says stuck for a run whose loss is still falling"),
    M("playground-ignores-seed", "autograd_lib/course/playground.py",
      'activation=s["activation"], seed=int(s["seed"]))', 'activation=s["activation"], seed=0)',
      "the playground trains with seed 0 whatever its seed slider says"),
    M("playground-sgd-has-momentum", "autograd_lib/course/playground.py",
      '"sgd": lambda: SGD(params, lr, weight_decay=weight_decay)',
      '"sgd": lambda: SGD(params, lr, momentum=0.9, weight_decay=weight_decay)',
      "the playground's plain SGD button trains with momentum"),
    # ---- the optimisers and the minibatch loop
    M("momentum-buffer-is-the-gradient", "autograd_lib/optim.py",
      'buf = state["momentum_buffer"] = g.astype(p.dtype)', 'buf = state["momentum_buffer"] = g',
      "the momentum buffer is the gradient array itself, which zero_grad zeroes"),
    M("nesterov-ignored", "autograd_lib/optim.py",
      "step = g + momentum * buf if nesterov else buf", "step = buf",
      "nesterov=True steps like plain momentum"),
    M("sgd-decay-ignored", "autograd_lib/optim.py",
      "        if self.weight_decay:\n            g = g + self.weight_decay * p.data\n"
      "        if self.momentum:",
      "        if self.momentum:",
      "SGD ignores its weight_decay"),
    M("adam-no-bias-correction", "autograd_lib/optim.py",
      "m_hat = m / (1 - b1**t)\n    v_hat", "m_hat = m\n    v_hat",
      "Adam's first moment is not bias-corrected"),
    M("adam-eps-inside", "autograd_lib/optim.py",
      "(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)",
      "Adam adds eps under the square root"),
    M("adamw-as-l2", "autograd_lib/optim.py",
      "    p.data *= 1 - lr * weight_decay\n    adam_update(p, g, state, lr, betas, eps)",
      "    adam_update(p, g + weight_decay * p.data, state, lr, betas, eps)",
      "AdamW puts its decay into the gradient, as L2"),
    M("zero-grad-keeps-gradients", "autograd_lib/optim.py",
      "                p.grad = None", "                pass",
      "an optimiser's zero_grad leaves the old gradients to be added to"),
    M("batches-unshuffled", "autograd_lib/data.py",
      "order = rng.permutation(X.rows)", "order = np.arange(X.rows)",
      "batches come in the data's own order every epoch"),
    M("batches-drop-the-last", "autograd_lib/data.py",
      "for start in range(0, X.rows, batch_size):",
      "for start in range(0, X.rows - batch_size + 1, batch_size):",
      "the last, smaller batch is dropped"),
    M("epoch-loss-unweighted", "autograd_lib/model.py",
      "total += loss.item() * len(y_batch)\n    return total / len(y)",
      "total += loss.item()\n    return total / -(-len(y) // batch_size)",
      "train_epoch averages the batches' losses without weighting them by size"),
    M("fit-never-stops-early", "autograd_lib/model.py",
      "elif patience is not None and epoch - best_epoch >= patience:", "elif False:",
      "fit runs every epoch whatever its patience"),
    M("fit-keeps-the-last-epoch", "autograd_lib/model.py",
      "            p.data[...] = saved", "            pass",
      "early stopping does not put back the best epoch's parameters"),
    M("standardizer-fits-every-part", "autograd_lib/data.py",
      "Tensor((X.data - self.mean) / self.scale",
      "Tensor((X.data - X.data.mean(axis=0)) / self.scale",
      "each part is standardised with its own mean, not the training part's"),
]


def _vjp_mutants():
    """One mutant per op of autograd_lib/course/op_specs.py: its registered VJP returns twice
    the gradient. The op tests that read the specs must kill each, a new op's included."""
    sys.path.insert(0, str(ROOT))
    from autograd_lib.course.op_specs import SPECS

    return [M(f"{name}-vjp-doubled", "autograd_lib/ops.py",
              f'VJP_RULES["{name}"] = {name}_vjp',
              f'VJP_RULES["{name}"] = lambda entry, dout: tuple(\n'
              f'    None if g is None else 2 * g for g in {name}_vjp(entry, dout))',
              f"{name}'s registered VJP returns twice the gradient") for name in SPECS]


MUTANTS += _vjp_mutants()


def stale_mutants(mutants, root=ROOT):
    """One line per mutant whose snippet is not in its file exactly once."""
    problems = []
    for m in mutants:
        path = root / m.path
        count = path.read_text(encoding="utf-8").count(m.original) if path.exists() else 0
        if count != 1:
            problems.append(f"{m.name}: {m.path} has {m.original!r} {count} times, not once")
    return problems


def copy_repository(destination):
    shutil.copytree(ROOT, destination, ignore=shutil.ignore_patterns(*NOT_COPIED))


def apply(mutant, copy):
    """Plant ``mutant`` in ``copy``; refuses if its file changed since the list was checked."""
    stale = stale_mutants([mutant], root=copy)
    if stale:
        raise RuntimeError(stale[0])
    path = copy / mutant.path
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(mutant.original, mutant.replacement), encoding="utf-8")


def own_tests(mutant):
    """The test file named after the mutated module, e.g. tests/test_ops.py for autograd_lib/ops.py."""
    module = Path(mutant.path)
    path = Path("tests", *module.parent.parts[1:], f"test_{module.stem}.py")
    return path.as_posix() if (ROOT / path).exists() else None


def pytest(copy, targets):
    """Run pytest on ``targets`` in ``copy``: ``(True, "")`` if they pass, else ``(False, the first failure)``.

    The copy's root is both the working directory and PYTHONPATH, ahead of the editable install
    of the real repository, so the (mutated) copy is what every test and subprocess imports.
    """
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        run = subprocess.run([sys.executable, "-m", "pytest", *PYTEST_OPTIONS, *targets], cwd=copy,
                             env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {TIMEOUT_SECONDS} s"
    if run.returncode == 0:
        return True, ""
    lines = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    failed = [line.split(" - ")[0] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    return False, failed[0] if failed else lines[-1] if lines else f"exit status {run.returncode}"


def imported_from(copy):
    """The file ``import autograd_lib`` loads in ``copy``, as its tests would import it."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    where = subprocess.run([sys.executable, "-c", "import autograd_lib; print(autograd_lib.__file__)"],
                           cwd=copy, env=env, capture_output=True, text=True)
    return Path(where.stdout.strip()) if where.returncode == 0 else None


def try_mutant(mutant):
    """Plant ``mutant`` (``None``: nothing) in a fresh copy and run the unit tests on it.

    The mutated module's own tests run first: they kill most mutants in a few seconds, and the
    whole unit suite runs only for a mutant they miss. Returns ``(passed, detail, seconds)``.
    """
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        copy = Path(tmp) / "repo"
        copy_repository(copy)
        if mutant is not None:
            apply(mutant, copy)
        where = imported_from(copy)
        if where is not None and not where.is_relative_to(copy):
            raise RuntimeError(f"the copy in {copy} imports {where}: its tests would not see the mutant")
        first = own_tests(mutant) if mutant is not None else None
        passed, detail = pytest(copy, [first]) if first else (True, "")
        if passed:
            passed, detail = pytest(copy, UNIT_TESTS)
    return passed, detail, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="run only these mutants (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default: 2)")
    args = parser.parse_args(argv)

    by_name = {m.name: m for m in MUTANTS}
    if len(by_name) != len(MUTANTS):
        sys.exit("two mutants share a name")
    unknown = [n for n in args.names if n not in by_name]
    if unknown:
        sys.exit(f"no mutant named {', '.join(unknown)}; the names are: {', '.join(by_name)}")
    chosen = [by_name[n] for n in args.names] or MUTANTS
    stale = stale_mutants(chosen)
    if stale:
        print("The mutant list no longer matches the code; update these snippets:", *stale, sep="\n  ")
        return 2

    start = time.perf_counter()
    print(f"{len(chosen)} mutants, each on its own copy of {ROOT}, {args.jobs} at a time ...", flush=True)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        # The unchanged copy first: if its tests fail, every mutant would look killed.
        baseline = pool.submit(try_mutant, None)
        futures = [pool.submit(try_mutant, m) for m in chosen]
        passed, detail, _ = baseline.result()
        if not passed:
            pool.shutdown(cancel_futures=True)
            print(f"The unit tests fail without any mutant ({detail}); fix them first.")
            return 2
        results = [future.result() for future in futures]

    width = max(len(m.name) for m in chosen)
    print(f"\n{'mutant':<{width}}  {'outcome':<8}  {'time':>4}  what it breaks / the first test that failed")
    for m, (passed, detail, seconds) in zip(chosen, results):
        print(f"{m.name:<{width}}  {'survived' if passed else 'killed':<8}  {seconds:3.0f}s  {m.description}")
        if detail:
            print(f"{'':<{width}}  {'':<8}  {'':>4}  {detail}")
    survivors = [m.name for m, (passed, _, _) in zip(chosen, results) if passed]
    print(f"\nkilled {len(chosen) - len(survivors)} of {len(chosen)} mutants with the unit tests alone "
          f"(in {time.perf_counter() - start:.0f} s)")
    if survivors:
        print("survived:", ", ".join(survivors))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
