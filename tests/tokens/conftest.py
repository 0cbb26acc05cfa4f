import pytest
from rest_framework.test import APIClient

from tokens import scopes, services


@pytest.fixture
def make_token(db):
    """A token of `user` (all the application's scopes unless given) and its plaintext."""

    def _make_token(user, *, application=scopes.MANAGER_API, scopes_=None, name="Script", **fields):
        return services.token_create(
            user=user,
            name=name,
            application=application,
            scopes=scopes.all_scopes(application) if scopes_ is None else scopes_,
            password_confirmed=True,
            **fields,
        )

    return _make_token


@pytest.fixture
def bearer():
    """An API client that sends `Authorization: Bearer <plaintext>` and nothing else (no session)."""

    def _bearer(plaintext: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        return client

    return _bearer
