"""The activity log: filters, CSV export, what partners did on both sides, pages and API, never edited."""

import csv
import io
from datetime import datetime

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from billing import services as billing_services
from compliance.models import CookieConsent, DpaCertificate
from core.audit import audit_record
from core.models import AuditEvent
from organizations import services as organization_services
from organizations.models import ProductType, Role
from tests.factories import PartnershipFactory, ProductFactory, UserFactory, member


def at(day: int, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour))


@pytest.fixture
def events(organization, legal_representative, administrator):
    """Four events over March 2026, by two people."""
    made = []
    for actor, action, when in [
        (legal_representative, "organization.updated", at(2)),
        (administrator, "membership.added", at(10)),
        (administrator, "billing_address.created", at(20)),
        (legal_representative, "membership.removed", at(31, 23)),
    ]:
        made.append(
            AuditEvent.objects.create(
                actor=actor,
                actor_email=actor.email,
                organization=organization,
                action=action,
                created_at=when,
                target_repr="Helvetia Web AG",
            )
        )
    return made


def log_url(organization, name="activity_log"):
    return reverse(name, kwargs={"org_id": organization.pk})


def actions_shown(response) -> list[str]:
    return [event.action for event in response.context["page"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["membership.removed", "billing_address.created", "membership.added", "organization.updated"]),
        ({"actor": "admin@"}, ["billing_address.created", "membership.added"]),
        ({"action": "membership.added"}, ["membership.added"]),
        ({"action": "membership."}, ["membership.removed", "membership.added"]),
        (
            {"date_from": "2026-03-10", "date_to": "2026-03-20"},
            ["billing_address.created", "membership.added"],
        ),
        ({"date_from": "2026-03-31"}, ["membership.removed"]),  # the whole last day counts
        ({"date_to": "2026-03-02"}, ["organization.updated"]),
        ({"actor": "legal@", "action": "membership."}, ["membership.removed"]),
    ],
)
def test_the_filters(client, organization, legal_representative, events, query, expected):
    client.force_login(legal_representative)
    response = client.get(log_url(organization), query)
    assert response.status_code == 200
    assert actions_shown(response) == expected


def test_an_inverted_period_is_explained_and_filters_nothing_unread(
    client, organization, legal_representative, events
):
    client.force_login(legal_representative)
    response = client.get(log_url(organization), {"date_from": "2026-03-20", "date_to": "2026-03-10"})
    assert "The end of the period comes before its start." in response.text
    assert len(actions_shown(response)) == 4


def test_the_action_filter_offers_the_actions_of_the_log(client, organization, legal_representative, events):
    client.force_login(legal_representative)
    page = client.get(log_url(organization)).text
    assert '<option value="membership.">membership.*</option>' in page
    assert '<option value="billing_address.created">billing_address.created</option>' in page


def test_pages_keep_the_filters(client, organization, legal_representative):
    for day in range(1, 29):
        for _ in range(2):
            AuditEvent.objects.create(
                organization=organization, action="product.installed", created_at=at(day)
            )
    client.force_login(legal_representative)
    response = client.get(log_url(organization), {"action": "product.installed"})
    assert 'href="?action=product.installed&amp;page=2"' in response.text
    second = client.get(log_url(organization), {"action": "product.installed", "page": 2})
    assert len(actions_shown(second)) == 6


def test_the_log_page_has_a_query_budget(
    client, organization, legal_representative, django_assert_max_num_queries
):
    for day in range(1, 29):
        AuditEvent.objects.create(organization=organization, action="product.installed", created_at=at(day))
    client.force_login(legal_representative)
    client.get(log_url(organization))  # the session is stamped on the first request
    with django_assert_max_num_queries(12):
        response = client.get(log_url(organization), {"actor": "x", "date_from": "2026-03-01"})
    assert response.status_code == 200


# CSV export


def test_the_export_is_a_streamed_csv_with_the_filters(client, organization, legal_representative, events):
    AuditEvent.objects.create(organization=organization, action="=cmd|' /C calc'!A0", created_at=at(15))
    client.force_login(legal_representative)
    response = client.get(log_url(organization, "activity_log_export"), {"actor": "admin@"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="activity-{organization.pk}.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "Time",
        "Actor",
        "On behalf of",
        "Organization",
        "Action",
        "Target",
        "Changes",
        "IP address",
    ]
    assert [row[4] for row in rows[1:]] == ["billing_address.created", "membership.added"]
    assert rows[1][1] == "admin@helvetia.example"
    shown = client.get(log_url(organization), {"actor": "admin@"}).text
    assert rows[1][0] in shown  # the time reads as on the page, which a spreadsheet takes as a date


def test_export_cells_cannot_run_as_formulas(client, organization, legal_representative):
    AuditEvent.objects.create(organization=organization, action="=HYPERLINK(1)", created_at=at(15))
    client.force_login(legal_representative)
    response = client.get(log_url(organization, "activity_log_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][4] == "'=HYPERLINK(1)"


def test_the_export_is_rate_limited_per_user(
    client, settings, organization, legal_representative, administrator
):
    settings.ACTIVITY_EXPORT_RATE = "2/m"
    client.force_login(legal_representative)
    url = log_url(organization, "activity_log_export")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    client.force_login(administrator)  # another person is not held back
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", [Role.USER, Role.EXTERNAL])
def test_users_without_the_log_cannot_export_it(client, organization, role):
    client.force_login(member(organization, role))
    assert client.get(log_url(organization, "activity_log_export")).status_code == 403


def test_an_outsider_cannot_export_it(client, organization, outsider):
    client.force_login(outsider)
    assert client.get(log_url(organization, "activity_log_export")).status_code == 404


# Partners: both sides see what concerns the partnership


@pytest.fixture
def partner_action(catalog, organization, partner_org, partner_admin, acting):
    """The partner's administrator installs a product in the client organization under Full access."""
    PartnershipFactory(client=organization, partner=partner_org, access="full")
    organization_services.product_install(
        access=acting(partner_admin, organization),
        product_type=ProductType.objects.get(slug="web-hosting"),
        name="partner-made.example.ch",
    )
    return AuditEvent.objects.get(action="product.installed")


@pytest.mark.django_db(transaction=True)
def test_both_sides_see_what_a_partner_did_on_behalf_of_its_client(
    client, organization, legal_representative, partner_org, partner_legal, partner_action
):
    assert partner_action.on_behalf_of == partner_org
    client.force_login(legal_representative)
    client_side = client.get(log_url(organization), {"partners_only": "on"})
    assert actions_shown(client_side) == ["product.installed"]
    assert f"on behalf of {partner_org.name}" in client_side.text

    client.force_login(partner_legal)
    partner_side = client.get(log_url(partner_org), {"partners_only": "on"})
    assert actions_shown(partner_side) == ["product.installed"]
    assert f"in {organization.name}" in partner_side.text


@pytest.mark.django_db(transaction=True)
def test_the_partner_sees_nothing_else_of_its_client(
    client, organization, legal_representative, partner_org, partner_legal, partner_action
):
    audit_record(actor=legal_representative, organization=organization, action="organization.updated")
    client.force_login(partner_legal)
    assert actions_shown(client.get(log_url(partner_org))) == ["product.installed"]
    # ... and the client's own log stays closed to the partner.
    assert client.get(log_url(organization)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_partner_never_sees_its_clients_own_orders_and_invoices(
    client, client_of, catalog, organization, legal_representative, partner_org, partner_legal, acting
):
    """A partner sees what its people did and what concerns the partnership, never the client's own orders
    with their invoice number, amount and paid status: not for a product outside a Limited grant, and not
    in events recorded with the partner as counterparty because it earned the cashback on them."""
    granted = ProductFactory(organization=organization, name="granted.example.ch")
    PartnershipFactory(client=organization, partner=partner_org, access="limited", products=[granted])
    own = billing_services.product_order(
        access=acting(legal_representative, organization),
        product_type=ProductType.objects.get(slug="web-hosting"),
        name="client-only.example.ch",
    )
    invoice_number = own.invoice_lines.get().invoice.display_number
    audit_record(  # as orders were recorded before: the partner earning cashback was their counterparty
        actor=legal_representative,
        organization=organization,
        counterparty=partner_org,
        action="order.renewal",
        changes={
            "product": "client-only.example.ch",
            "invoice": "F-2025-000042",
            "net": "99.00",
            "paid": True,
        },
    )
    audit_record(
        actor=legal_representative,
        organization=organization,
        counterparty=partner_org,
        action="partnership.payment_method_changed",
    )

    client.force_login(partner_legal)
    partner_side = client.get(log_url(partner_org))
    assert actions_shown(partner_side) == ["partnership.payment_method_changed"]
    for secret in ("client-only.example.ch", invoice_number, "F-2025-000042"):
        assert secret not in partner_side.text
    api_rows = api_log(client_of, partner_legal, partner_org).json()["results"]
    assert [row["action"] for row in api_rows] == ["partnership.payment_method_changed"]

    client.force_login(legal_representative)
    client_side = actions_shown(client.get(log_url(organization)))
    assert client_side == ["partnership.payment_method_changed", "order.renewal", "order.new"]
    # The client's own order is nothing a partner did.
    assert actions_shown(client.get(log_url(organization), {"partners_only": "on"})) == [
        "partnership.payment_method_changed",
        "order.renewal",
    ]


# API


def api_log(client_of, user, organization, **query):
    return client_of(user).get(reverse("api:activity-list", kwargs={"org_id": organization.pk}), query)


def test_the_api_lists_the_log_with_the_same_filters(client_of, organization, legal_representative, events):
    response = api_log(
        client_of, legal_representative, organization, action="membership.", **{"from": "2026-03-05"}
    )
    assert response.status_code == 200
    body = response.json()
    assert [row["action"] for row in body["results"]] == ["membership.removed", "membership.added"]
    assert body["results"][0]["actor_email"] == legal_representative.email
    assert body["results"][0]["organization"] == organization.name


def test_the_api_refuses_bad_filters_and_other_people(
    client_of, organization, legal_representative, plain_user, outsider, events
):
    bad = api_log(client_of, legal_representative, organization, **{"from": "2026-03-20", "to": "2026-03-01"})
    assert bad.status_code == 400
    assert "to" in bad.json()
    assert api_log(client_of, legal_representative, organization, to="yesterday").status_code == 400
    assert api_log(client_of, plain_user, organization).status_code == 403
    assert "see the activity log" in api_log(client_of, plain_user, organization).json()["detail"]
    assert api_log(client_of, outsider, organization).status_code == 404
    anonymous = api_log(client_of, None, organization)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("scopes", "status"), [(["compliance:read"], 200), (["organizations:read"], 403)])
def test_an_api_token_reads_the_log_with_the_compliance_scope(
    make_token, bearer, organization, legal_representative, events, scopes, status
):
    _, plaintext = make_token(legal_representative, scopes_=scopes)
    response = bearer(plaintext).get(reverse("api:activity-list", kwargs={"org_id": organization.pk}))
    assert response.status_code == status
    if status == 200:
        assert "membership.added" in [row["action"] for row in response.json()["results"]]
    else:
        assert "compliance:read" in response.json()["detail"]


def test_the_api_has_a_query_budget(
    client_of, organization, legal_representative, django_assert_max_num_queries
):
    for day in range(1, 29):
        AuditEvent.objects.create(organization=organization, action="product.installed", created_at=at(day))
    api = client_of(legal_representative)
    url = reverse("api:activity-list", kwargs={"org_id": organization.pk})
    api.get(url)
    with django_assert_max_num_queries(10):
        assert api.get(url).status_code == 200


# Never edited, also not from the admin


@pytest.mark.parametrize("model", [AuditEvent, DpaCertificate, CookieConsent])
def test_the_admin_grants_no_add_change_or_delete(rf, db, model):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_an_event_cannot_be_changed_or_deleted_in_code(organization, events):
    first = events[0]
    first.action = "forged"
    with pytest.raises(PermissionError):
        first.save()
    with pytest.raises(PermissionError):
        first.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(organization=organization).update(action="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(organization=organization).delete()
    assert AuditEvent.objects.filter(action="forged").count() == 0
