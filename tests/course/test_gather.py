"""gather(): the reader's pieces, read from their saved chapters, checked, plugged in if they pass."""

import json

from autograd_lib.course import checks
from autograd_lib.course.gather import gather

from .running import NOTEBOOKS

EARLIER = ["01_tensors", "02_tape", "03_vjps", "04_gradient_check", "05_xor", "06_optimisers"]


def test_every_piece_of_the_complete_chapters_passes_even_one_that_calls_another(capsys):
    # train_step calls sgd_step and adamw_update calls adam_update: pieces of other cells, which
    # the chapter's kernel knows by name and gather's namespace must know too.
    try:
        rows = gather(NOTEBOOKS, EARLIER)
        assert [r.task.id for r in rows if not r.yours] == []
        assert "15 of 15 pieces are yours." in capsys.readouterr().out
        assert checks.pieces_in_use()["6.3"] and checks.pieces_in_use()["5.2"]
    finally:
        checks.use_library()


def test_a_missing_chapter_leaves_the_librarys_pieces_and_says_why(tmp_path, capsys):
    nb = json.loads((NOTEBOOKS / "01_tensors.ipynb").read_text(encoding="utf-8"))
    (tmp_path / "01_tensors.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    try:
        rows = gather(tmp_path, ["01_tensors", "02_tape"])
    finally:
        checks.use_library()
    assert {r.task.id: r.yours for r in rows} == {"1.1": True, "1.2": True, "2.1": False, "2.2": False}
    assert "no 02_tape.ipynb next to this notebook" in [r.why for r in rows if r.task.id == "2.1"][0]
    assert "2 of 4 pieces are yours." in capsys.readouterr().out
