import importlib
import sqlite3
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.cache import caches
from django.db import connection, connections

from organizations.access import resolve_access
from organizations.models import Role
from tests.factories import PASSWORD, OrganizationFactory, PartnerProfileFactory, member
from tests.queue import DATABASE_QUEUE


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    """The only settings every test runs with that production does not (tests/environment.py puts the run on
    the production settings path)."""
    # Data caches and rate-limit counters in memory, empty in every test: production shares them in Redis or
    # the database (tests/console/test_shared_state.py), where every cache hit would count as a query here.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits"},
    }
    for alias in ("default", "limits"):
        caches[alias].clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MAILERS = {"default": {"BACKEND": "console.mailbox.MailboxBackend"}}
    # Tasks (emails, exports) run inside the request, so that a test sees their outcome at once.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # Production serves the hashed names `collectstatic` writes; tests render pages without collecting.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def database_queue(settings, db):
    """Tasks wait in the database queue, as in production, until `tests.queue.run_queued_tasks` runs them."""
    settings.TASKS = DATABASE_QUEUE


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Helvetia Web AG", country="CH", vat_number="CHE116281710MWST")


@pytest.fixture
def legal_representative(organization):
    return member(organization, Role.LEGAL_REPRESENTATIVE, email="legal@helvetia.example")


@pytest.fixture
def administrator(organization):
    return member(organization, Role.ADMINISTRATOR, email="admin@helvetia.example")


@pytest.fixture
def plain_user(organization):
    return member(organization, Role.USER, email="user@helvetia.example")


@pytest.fixture
def external_user(organization):
    return member(organization, Role.EXTERNAL, email="external@helvetia.example")


@pytest.fixture
def accountant(organization):
    return member(organization, Role.ACCOUNTANT, email="accountant@helvetia.example")


@pytest.fixture
def outsider(db):
    """A user of another organization, with no access to `organization`."""
    return member(OrganizationFactory(name="Elsewhere GmbH", country="DE"), Role.LEGAL_REPRESENTATIVE)


@pytest.fixture
def access_of(organization):
    def _access_of(user, org=None):
        return resolve_access(user, org or organization)

    return _access_of


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """A database the threads share as the console's processes do.

    PostgreSQL, or a SQLite file, as they are. Django's SQLite test database, though, lives in memory with a
    shared cache, where a second writer fails at once with "database table is locked" instead of waiting for
    the first as it does on the file database the console runs on (IMMEDIATE transactions, a busy timeout).
    There the race runs on a file copy of the test database, and the in-memory one is put back afterwards.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    in_memory = connection.connection  # kept open: closing the last connection would drop the database
    path = tmp_path / "race.sqlite3"
    copy = sqlite3.connect(path)
    in_memory.backup(copy)
    copy.close()
    settings_dict = connection.settings_dict
    assert settings_dict is connections.settings[connection.alias], "threads must read the same settings"
    name = settings_dict["NAME"]
    settings_dict["NAME"] = str(path)
    connection.connection = None
    try:
        yield
    finally:
        connection.close()
        settings_dict["NAME"] = name
        connection.connection = in_memory


# The two sides of a partnership, shared by the partner and billing tests.


@pytest.fixture
def client_org(organization):
    return organization


@pytest.fixture
def client_legal(legal_representative):
    return legal_representative


@pytest.fixture
def client_admin(administrator):
    return administrator


@pytest.fixture
def client_user(plain_user):
    return plain_user


@pytest.fixture
def client_external(external_user):
    return external_user


@pytest.fixture
def partner_org(db):
    organization = OrganizationFactory(name="Léman Digital SA", country="CH", is_referenced_partner=True)
    PartnerProfileFactory(
        organization=organization,
        public_name="Léman Digital",
        contact_email="hello@leman.example",
        reseller_discount_rate=Decimal("0.150"),
        cashback_rate=Decimal("0.100"),
    )
    return organization


@pytest.fixture
def partner_legal(partner_org):
    return member(partner_org, Role.LEGAL_REPRESENTATIVE, email="legal@leman.example", full_name="Lena Léman")


@pytest.fixture
def partner_admin(partner_org):
    return member(partner_org, Role.ADMINISTRATOR, email="admin@leman.example")


@pytest.fixture
def partner_user(partner_org):
    return member(partner_org, Role.USER, email="user@leman.example")


@pytest.fixture
def acting():
    """The access of `user` in `organization`, as the views compute it."""

    def _acting(user, organization):
        access = resolve_access(user, organization)
        assert access is not None, f"{user} has no access to {organization}"
        return access

    return _acting


@pytest.fixture
def catalog(transactional_db):
    """The rows the data migrations load (catalog, VAT rates): a transactional or live-server test empties
    every table when it ends, data migrations included, so the next one loads them again."""
    importlib.import_module("organizations.migrations.0002_catalog").load_catalog(apps, None)
    importlib.import_module("billing.migrations.0002_tax_rates").load_rates(apps, None)
