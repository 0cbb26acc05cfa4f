import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import Membership

pytestmark = pytest.mark.django_db


def _session_writes(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if "django_session" in query["sql"] and query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_pages_of_the_organization_already_shown_do_not_write_the_session(
    client, legal_representative, organization
):
    client.force_login(legal_representative)
    client.get(reverse("dashboard", args=[organization.pk]))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("members", args=[organization.pk])).status_code == 200
    assert _session_writes(queries.captured_queries) == []


def test_opening_another_organization_remembers_it(client, legal_representative, organization, partner_org):

    Membership.objects.create(
        user=legal_representative, organization=partner_org, role="legal_representative"
    )
    client.force_login(legal_representative)
    client.get(reverse("dashboard", args=[organization.pk]))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("dashboard", args=[partner_org.pk]))
    assert len(_session_writes(queries.captured_queries)) == 1
    assert client.get(reverse("home")).url == reverse("dashboard", args=[partner_org.pk])
