"""The progress bar: tqdm's where someone watches, nothing where TQDM_DISABLE says so."""

import pytest

from autograd_lib.course import progress


@pytest.mark.parametrize("value, quiet", [
    (None, False), ("", False), ("0", False), ("false", False), ("False", False),
    ("1", True), ("true", True), ("yes", True),
])
def test_tqdm_disable_decides(monkeypatch, value, quiet):
    if value is None:
        monkeypatch.delenv("TQDM_DISABLE", raising=False)
    else:
        monkeypatch.setenv("TQDM_DISABLE", value)
    assert progress.quiet() is quiet


def test_a_quiet_bar_yields_everything_and_prints_nothing(monkeypatch, capsys):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    wrapped = progress.bar(range(5), desc="epochs")
    assert list(wrapped) == [0, 1, 2, 3, 4] and wrapped.disable
    assert capsys.readouterr() == ("", "")


def test_a_bar_that_someone_watches_counts_the_epochs(monkeypatch, capsys):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert list(progress.bar(range(3), desc="epochs")) == [0, 1, 2]
    assert "epochs: 100%" in capsys.readouterr().err  # outside a notebook, tqdm's text bar


def test_the_tests_themselves_run_quiet():
    # conftest.py sets it, so that the kernels nbval starts make no bar either.
    assert progress.quiet()


def test_a_bar_starts_no_monitor_thread(monkeypatch):
    # Pyodide, where the live edition runs, cannot start threads: tqdm would warn in the chapter.
    import threading

    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    before = threading.active_count()
    wrapped = progress.bar(range(3))
    assert type(wrapped).monitor_interval == 0 and wrapped.monitor is None
    assert list(wrapped) == [0, 1, 2] and threading.active_count() == before
