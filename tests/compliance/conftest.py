from tests.api.conftest import client_of  # noqa: F401 (the API tests' signed-in client, as a fixture here)
from tests.tokens.conftest import bearer, make_token  # noqa: F401 (API tokens, for the token scope tests)
