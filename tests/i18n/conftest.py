import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in another language leaves it active in this thread: the next tests start in English."""
    yield
    translation.deactivate()
