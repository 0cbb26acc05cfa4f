"""Partner roles per grant: Technical, Read-only and Billing beside Limited and Full; what each lets the
partner do (console, API), how the client grants it in plain words, and how an active partnership's access
changes."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from billing import services as billing_services
from core.errors import InvalidTransition
from core.sudo import SESSION_KEY as SUDO_SESSION_KEY
from organizations.access import resolve_access
from organizations.models import Membership, ProductType
from partners import services
from partners.models import ACCESS_DESCRIPTIONS, Access, PaymentMethod
from tests.factories import OrganizationFactory, PartnershipFactory
from tests.partners.support import mails_to, only_event

pytestmark = pytest.mark.django_db


def api(user, *, sudo=True) -> APIClient:
    client = APIClient()
    client.force_login(user)
    if sudo:
        session = client.session
        session[SUDO_SESSION_KEY] = time.time()
        session.save()
    return client


def grant(client_org, partner_org, access, **fields):
    fields.setdefault("payment_method", "partner" if access == "billing" else "client")
    return PartnershipFactory(client=client_org, partner=partner_org, access=access, **fields)


def order(user, organization, name):
    return billing_services.product_order(
        access=resolve_access(user, organization),
        product_type=ProductType.objects.get(slug="web-hosting"),
        name=name,
    )


# Technical


def test_a_technical_partner_cannot_open_the_client_s_users_in_the_console_nor_the_api(
    client, client_org, partner_org, partner_admin
):
    grant(client_org, partner_org, "technical")
    client.force_login(partner_admin)

    page = client.get(reverse("members", kwargs={"org_id": client_org.pk}))
    listed = api(partner_admin).get(f"/api/v1/organizations/{client_org.pk}/members")

    assert page.status_code == 403
    assert "Your role (Partner (Technical)) does not allow this page." in page.content.decode()
    assert listed.status_code == 403
    assert listed.json()["detail"].startswith("Your role (Partner (Technical)) does not allow you to ")


def test_a_technical_partner_orders_a_product_for_the_client(client_org, partner_org, partner_admin):
    grant(client_org, partner_org, "technical")

    response = api(partner_admin).post(
        f"/api/v1/organizations/{client_org.pk}/orders",
        {"product_type": "web-hosting", "name": "tech.example.ch"},
        format="json",
    )

    assert response.status_code == 201
    assert client_org.products.filter(name="tech.example.ch").exists()


# Read-only


def test_a_read_only_partner_sees_products_and_users_but_cannot_order(
    client, client_org, partner_org, partner_admin, granted_product
):
    grant(client_org, partner_org, "read_only")
    client.force_login(partner_admin)
    org = {"org_id": client_org.pk}

    products = client.get(reverse("products", kwargs=org))
    members = client.get(reverse("members", kwargs=org))
    order_page = client.get(reverse("product_order", kwargs=org))
    ordered = api(partner_admin).post(
        f"/api/v1/organizations/{client_org.pk}/orders",
        {"product_type": "web-hosting", "name": "nope.example.ch"},
        format="json",
    )
    added = api(partner_admin).post(
        f"/api/v1/organizations/{client_org.pk}/members",
        {"email": "new@helvetia.example", "role": "user"},
        format="json",
    )

    assert products.status_code == 200
    assert granted_product.name in products.content.decode()
    assert members.status_code == 200
    assert order_page.status_code == 403
    assert ordered.status_code == 403
    assert added.status_code == 403
    assert not client_org.products.filter(name="nope.example.ch").exists()
    assert not Membership.objects.filter(user__email="new@helvetia.example").exists()


# Billing


@pytest.fixture
def paid_for_client(client_org, partner_org, partner_legal, client_legal):
    """The partner paid one order for the client (Full access, the partner pays), the client paid one
    itself; then the client made the partner a Billing partner. Returns (partner's invoice, client's)."""
    partnership = grant(client_org, partner_org, "full", payment_method="partner")
    partner_paid = order(partner_legal, client_org, "paid-by-partner.example.ch").invoice_lines.get().invoice
    client_paid = order(client_legal, client_org, "own.example.ch").invoice_lines.get().invoice
    services.partnership_change_access(
        access=resolve_access(client_legal, client_org),
        partnership=partnership,
        access_level="billing",
        password_confirmed=True,
    )
    assert partner_paid.organization_id == partner_org.pk
    assert client_paid.organization_id == client_org.pk
    return partner_paid, client_paid


def test_a_billing_partner_sees_the_invoices_it_paid_for_the_client_and_none_of_the_client_s(
    client, client_org, partner_user, paid_for_client, partner_org
):
    partner_paid, client_paid = paid_for_client
    # What the partner paid for another of its clients is not shown in this one either.
    other = OrganizationFactory(name="Other AG", country="CH")
    grant(other, partner_org, "full", payment_method="partner")
    elsewhere = order(partner_user, other, "elsewhere.example.ch").invoice_lines.get().invoice
    client.force_login(partner_user)
    org = {"org_id": client_org.pk}

    listing = client.get(reverse("invoices", kwargs=org)).content.decode()
    own = client.get(reverse("invoice_detail", kwargs={**org, "invoice_id": client_paid.pk}))
    theirs = client.get(reverse("invoice_detail", kwargs={**org, "invoice_id": partner_paid.pk}))
    wallet = client.get(reverse("wallet", kwargs=org))
    listed = api(partner_user).get(f"/api/v1/organizations/{client_org.pk}/invoices").json()["results"]
    own_api = api(partner_user).get(f"/api/v1/organizations/{client_org.pk}/invoices/{client_paid.pk}")

    assert partner_paid.display_number in listing
    assert client_paid.display_number not in listing
    assert elsewhere.display_number not in listing
    assert 'data-testid="paid-for-client"' in listing
    assert own.status_code == 404
    assert theirs.status_code == 200
    assert wallet.status_code == 403
    assert [row["id"] for row in listed] == [partner_paid.pk]
    assert own_api.status_code == 404


def test_billing_access_is_only_for_a_partner_that_pays(client_org, partner_org, client_legal):
    partnership = grant(client_org, partner_org, "full", payment_method="client")

    with pytest.raises(ValidationError) as refused:
        services.partnership_change_access(
            access=resolve_access(client_legal, client_org),
            partnership=partnership,
            access_level="billing",
            payment_method="client",
            password_confirmed=True,
        )

    assert "payment_method" in refused.value.message_dict
    partnership.refresh_from_db()
    assert partnership.access == "full"


# Changing an active partnership's access


def test_the_client_narrows_a_full_partner_to_read_only_who_pays_goes_back_to_the_client(
    client_org, partner_org, client_legal, partner_legal, mail_on_commit
):
    partnership = grant(client_org, partner_org, "full", payment_method="partner")

    mail_on_commit(
        services.partnership_change_access,
        access=resolve_access(client_legal, client_org),
        partnership=partnership,
        access_level="read_only",
        password_confirmed=True,
    )

    partnership.refresh_from_db()
    assert (partnership.access, partnership.payment_method) == ("read_only", PaymentMethod.CLIENT)
    event = only_event("partnership.access_changed")
    assert event.changes["access"] == ["full", "read_only"]
    assert event.changes["payment_method"] == ["partner", "client"]
    assert [mail.subject for mail in mails_to(partner_legal.email)] == [
        f"{client_org.name} changed your access"
    ]
    assert resolve_access(partner_legal, client_org).role_label == "Partner (Read-only)"


def test_making_a_partner_technical_needs_the_password(client_org, partner_org, client_legal):
    partnership = grant(client_org, partner_org, "limited")

    with pytest.raises(ValidationError):
        services.partnership_change_access(
            access=resolve_access(client_legal, client_org),
            partnership=partnership,
            access_level="technical",
            password="wrong",
        )

    partnership.refresh_from_db()
    assert partnership.access == "limited"


def test_only_the_client_s_legal_representative_changes_an_active_partner_s_access(
    client_org, partner_org, client_admin, client_legal
):
    active = grant(client_org, partner_org, "full")

    with pytest.raises(Exception, match="legal representative"):
        services.partnership_change_access(
            access=resolve_access(client_admin, client_org),
            partnership=active,
            access_level="read_only",
            password_confirmed=True,
        )
    active.status = "stopped"
    active.save(update_fields=["status"])
    with pytest.raises(InvalidTransition):
        services.partnership_change_access(
            access=resolve_access(client_legal, client_org),
            partnership=active,
            access_level="read_only",
            password_confirmed=True,
        )


def test_the_api_changes_the_access_and_a_bad_one_is_a_400_on_the_field(
    client_org, partner_org, client_legal, granted_product
):
    partnership = grant(client_org, partner_org, "full")
    url = f"/api/v1/organizations/{client_org.pk}/partnerships/{partnership.pk}"

    limited = api(client_legal).patch(
        url, {"access": "limited", "products": [granted_product.pk]}, format="json"
    )
    bad = api(client_legal).patch(url, {"access": "boss"}, format="json")
    billing_without_paying = api(client_legal).patch(
        url, {"access": "billing", "payment_method": "client"}, format="json"
    )

    assert limited.status_code == 200
    assert (limited.json()["access"], limited.json()["products"]) == ("limited", [granted_product.pk])
    assert bad.status_code == 400
    assert "access" in bad.json()
    assert billing_without_paying.status_code == 400
    assert "payment_method" in billing_without_paying.json()
    partnership.refresh_from_db()
    assert partnership.access == "limited"


def test_the_partner_page_s_pencil_changes_the_access_with_each_choice_in_plain_words(
    client, client_org, partner_org, client_legal, recently_confirmed
):
    partnership = grant(client_org, partner_org, "full")
    client.force_login(client_legal)
    url = reverse("partner_access_edit", kwargs={"org_id": client_org.pk, "partnership_id": partnership.pk})

    page = client.get(url).content.decode()
    saved = client.post(url, {"access": "technical"})

    for value in Access.values:
        assert escape(str(ACCESS_DESCRIPTIONS[value])) in page
    assert saved.status_code == 302
    partnership.refresh_from_db()
    assert partnership.access == "technical"


# Granting at the start: invitation and request


def test_a_technical_invitation_needs_the_password_and_billing_needs_the_partner_to_pay(
    client_org, partner_org, client_legal
):
    access = resolve_access(client_legal, client_org)

    with pytest.raises(ValidationError):
        services.partnership_invite(access=access, partner=partner_org, access_level="technical")
    with pytest.raises(ValidationError) as unpaid:
        services.partnership_invite(access=access, partner=partner_org, access_level="billing")
    invited = services.partnership_invite(
        access=access, partner=partner_org, access_level="billing", payment_method="partner"
    )

    assert "payment_method" in unpaid.value.message_dict
    assert (invited.access, invited.payment_method) == ("billing", "partner")


def test_the_invitation_wizard_describes_every_access_before_it_is_granted(
    client, client_org, partner_org, client_legal
):
    client.force_login(client_legal)

    page = client.post(
        reverse("partner_add", kwargs={"org_id": client_org.pk}),
        {"step": "search", "partner": partner_org.pk},
    ).content.decode()

    for value in Access.values:
        assert f'value="{value}"' in page
        assert escape(str(ACCESS_DESCRIPTIONS[value])) in page


@pytest.mark.parametrize(
    ("asked", "granted", "allowed"),
    [
        ("technical", "read_only", True),
        ("technical", "limited", True),
        ("technical", "full", False),
        ("read_only", "technical", False),
        ("full", "billing", True),
    ],
)
def test_a_client_answering_a_request_grants_what_was_asked_or_less(
    client_org, partner_org, client_legal, granted_product, asked, granted, allowed
):
    request = PartnershipFactory(
        client=client_org,
        partner=partner_org,
        access=asked,
        status="pending",
        initiated_by="partner",
        payment_method="partner" if asked == "full" else "client",
    )
    answer = dict(
        access=resolve_access(client_legal, client_org),
        partnership=request,
        access_level=granted,
        products=[granted_product],
        password_confirmed=True,
    )

    if not allowed:
        with pytest.raises(ValidationError):
            services.partnership_accept(**answer)
        request.refresh_from_db()
        assert request.status == "pending"
        return
    services.partnership_accept(**answer)
    request.refresh_from_db()
    assert (request.status, request.access) == ("active", granted)


# The admin: staff find partnerships by their access and members by the accountant role


def test_staff_filter_partnerships_by_access_and_members_by_the_accountant_role(
    client, client_org, partner_org, accountant
):
    from tests.factories import UserFactory

    grant(client_org, partner_org, "technical")
    client.force_login(UserFactory(email="staff@manager.example", is_staff=True, is_superuser=True))

    technical = client.get(reverse("admin:partners_partnership_changelist"), {"access__exact": "technical"})
    full = client.get(reverse("admin:partners_partnership_changelist"), {"access__exact": "full"})
    accountants = client.get(
        reverse("admin:organizations_membership_changelist"), {"role__exact": "accountant"}
    )
    edit = client.get(
        reverse("admin:partners_partnership_change", args=[client_org.partnerships_as_client.get().pk])
    )

    assert technical.context["cl"].result_count == 1
    assert full.context["cl"].result_count == 0
    assert [m.user.email for m in accountants.context["cl"].result_list] == [accountant.email]
    assert edit.status_code == 200
    assert "(Technical, Active)" in edit.content.decode()


def test_the_partner_side_names_every_access_in_its_lists(client, client_org, partner_org, partner_legal):
    PartnershipFactory(client=client_org, partner=partner_org, access="technical", status="pending")
    client.force_login(partner_legal)

    managed = client.get(reverse("managed_clients", kwargs={"org_id": partner_org.pk})).content.decode()

    assert f"<strong>{client_org.name}</strong> offers Technical access" in managed
    assert "offers Full access" not in managed


def test_the_partner_dashboard_names_a_read_only_client_s_access(
    client, client_org, partner_org, partner_legal
):
    grant(client_org, partner_org, "read_only")
    client.force_login(partner_legal)

    dashboard = client.get(reverse("dashboard", kwargs={"org_id": partner_org.pk})).content.decode()

    assert "Read-only access" in dashboard
    assert "Limited access" not in dashboard
