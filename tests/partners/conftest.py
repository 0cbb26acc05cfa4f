"""Two products in the client (the client and the partner themselves come from the root conftest)."""

import time

import pytest
from django.test.client import ClientMixin

from core.sudo import SESSION_KEY
from organizations.models import ProductType
from tests.factories import ProductFactory


@pytest.fixture
def granted_product(client_org):
    return ProductFactory(organization=client_org, name="shop.helvetia.example")


@pytest.fixture
def other_product(client_org):
    return ProductFactory(
        organization=client_org,
        name="mail.helvetia-group.example",
        product_type=ProductType.objects.get(slug="mail-service"),
    )


@pytest.fixture
def mail_on_commit(django_capture_on_commit_callbacks):
    """Run a call and send the emails it queued on commit, as a committed request would."""

    def _run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return _run


@pytest.fixture
def recently_confirmed(monkeypatch):
    """Every test client signs in as someone who has just re-entered their password (the sudo window is
    open), for tests about what the sensitive pages do rather than about the password step."""
    login = ClientMixin._login

    def _login(self, user, backend=None):
        login(self, user, backend)
        session = self.session
        session[SESSION_KEY] = time.time()
        session.save()

    monkeypatch.setattr(ClientMixin, "_login", _login)
