import pytest

from autograd_lib import tape_reset


@pytest.fixture(autouse=True)
def fresh_tape():
    tape_reset()
    yield
    tape_reset()


