from tests.api.conftest import client_of  # noqa: F401 (the API tests' signed-in client, as a fixture here)
