"""The partner program in the Django admin: staff keep the directory and the reseller rates (saved through the
service, so audited); partnerships are read-only, since every step of one has rules and emails in the
services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditEvent
from organizations.access import resolve_access
from organizations.models import Role
from partners.models import PartnerProfile, Partnership, Status
from partners.services import partner_profile_save, partnership_invite
from tests.factories import (
    OrganizationFactory,
    PartnerProfileFactory,
    PartnershipFactory,
    UserFactory,
    member,
)


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@manager.example", full_name="Sam Staff", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def leman(db):
    organization = OrganizationFactory(name="Agence Léman SA", country="CH")
    return partner_profile_save(
        organization=organization, by=None, public_name="Agence Léman", contact_email="hello@leman.example"
    )


@pytest.fixture
def partnership(leman):
    client = OrganizationFactory(name="Helvetia Web AG")
    legal = member(client, Role.LEGAL_REPRESENTATIVE, email="legal@helvetia.example")
    return partnership_invite(
        access=resolve_access(legal, client),
        partner=leman.organization,
        access_level="full",
        password_confirmed=True,
    )


def _profile_form(profile, **changes):
    data = {
        "public_name": profile.public_name,
        "contact_email": profile.contact_email,
        "description": profile.description,
        "reseller_discount_rate": str(profile.reseller_discount_rate),
        "cashback_rate": str(profile.cashback_rate),
        "is_listed": "on" if profile.is_listed else "",
    }
    return {key: value for key, value in (data | changes).items() if value != ""}


# Partner profiles


@pytest.mark.parametrize(
    ("term", "expected"),
    [("léman", ["Agence Léman"]), ("hello@leman", ["Agence Léman"]), ("Agence Léman SA", ["Agence Léman"])],
)
def test_partner_profiles_are_found_by_name_email_or_organization(staff_client, leman, term, expected):
    PartnerProfileFactory(public_name="Zürich Hosting")

    response = staff_client.get(url(PartnerProfile, "changelist"), {"q": term})

    assert response.status_code == 200
    assert [str(profile) for profile in response.context["cl"].result_list] == expected


def test_partner_profiles_are_filtered_by_listing(staff_client, leman):
    PartnerProfileFactory(public_name="Hidden Partner", is_listed=False)

    response = staff_client.get(url(PartnerProfile, "changelist"), {"is_listed__exact": "0"})

    assert [str(profile) for profile in response.context["cl"].result_list] == ["Hidden Partner"]


def test_staff_make_an_organization_a_referenced_partner_and_the_service_audits_it(staff_client, staff):
    organization = OrganizationFactory(name="Basel Digital AG", country="CH")
    data = {
        "organization": organization.pk,
        "public_name": "Basel Digital",
        "contact_email": "Hello@Basel.example",
        "reseller_discount_rate": "0.200",
        "cashback_rate": "0.050",
        "is_listed": "on",
        "country": "FR",  # read-only: the organization's country
    }

    response = staff_client.post(url(PartnerProfile, "add"), data)

    assert response.status_code == 302
    profile = PartnerProfile.objects.get(organization=organization)
    assert (profile.contact_email, profile.country.code, profile.reseller_discount_rate) == (
        "hello@basel.example",
        "CH",
        Decimal("0.200"),
    )
    organization.refresh_from_db()
    assert organization.is_referenced_partner is True
    event = AuditEvent.objects.get(action="partner_profile.saved")
    assert (event.actor, event.organization, event.target_id) == (staff, organization, str(profile.pk))


def test_staff_change_the_rates_and_the_change_is_audited(staff_client, staff, leman):
    other = OrganizationFactory()
    data = _profile_form(leman, reseller_discount_rate="0.250", cashback_rate="0.120", organization=other.pk)

    response = staff_client.post(url(PartnerProfile, "change", leman.pk), data)

    assert response.status_code == 302
    leman.refresh_from_db()
    assert (leman.reseller_discount_rate, leman.cashback_rate) == (Decimal("0.250"), Decimal("0.120"))
    assert leman.organization.name == "Agence Léman SA"  # read-only once created
    event = AuditEvent.objects.filter(action="partner_profile.saved", actor=staff).get()
    assert event.changes["reseller_discount_rate"] == "0.250"


@pytest.mark.parametrize("rate", ["0.950", "-0.1", "abc"])
def test_a_rate_out_of_range_is_refused_and_nothing_changes(staff_client, leman, rate):
    events = AuditEvent.objects.count()

    response = staff_client.post(
        url(PartnerProfile, "change", leman.pk), _profile_form(leman, cashback_rate=rate)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() == {"cashback_rate"}
    leman.refresh_from_db()
    assert leman.cashback_rate == Decimal("0.100")
    assert AuditEvent.objects.count() == events


def test_a_partner_profile_is_unlisted_rather_than_deleted(staff_client, leman):
    page = staff_client.get(url(PartnerProfile, "changelist"))

    assert staff_client.post(url(PartnerProfile, "delete", leman.pk), {"post": "yes"}).status_code == 403
    assert b"delete_selected" not in page.content
    assert PartnerProfile.objects.filter(pk=leman.pk).exists()


# Partnerships are read-only


def test_partnerships_are_found_by_either_organizations_name_and_filtered(staff_client, partnership):
    PartnershipFactory(status=Status.STOPPED)
    changelist = url(Partnership, "changelist")

    by_client = staff_client.get(changelist, {"q": "helvetia"})
    by_partner = staff_client.get(changelist, {"q": "Agence Léman"})
    pending = staff_client.get(changelist, {"status__exact": "pending"})

    assert [p.pk for p in by_client.context["cl"].result_list] == [partnership.pk]
    assert [p.pk for p in by_partner.context["cl"].result_list] == [partnership.pk]
    assert [p.pk for p in pending.context["cl"].result_list] == [partnership.pk]


def test_the_partnership_admin_refuses_to_add_change_or_delete(staff_client, partnership):
    count = Partnership.objects.count()
    change_url = url(Partnership, "change", partnership.pk)

    assert staff_client.get(url(Partnership, "add")).status_code == 403
    assert staff_client.post(url(Partnership, "add"), {"status": "active"}).status_code == 403
    assert staff_client.post(change_url, {"status": "active", "payment_method": "partner"}).status_code == 403
    assert staff_client.get(url(Partnership, "delete", partnership.pk)).status_code == 403
    assert staff_client.post(url(Partnership, "delete", partnership.pk), {"post": "yes"}).status_code == 403
    partnership.refresh_from_db()
    assert (partnership.status, partnership.payment_method) == (Status.PENDING, "client")
    assert Partnership.objects.count() == count


def test_a_partnership_is_shown_read_only_without_its_invitation_nonce(staff_client, partnership):
    response = staff_client.get(url(Partnership, "change", partnership.pk))
    page = staff_client.get(url(Partnership, "changelist"))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert "Helvetia Web AG" in response.content.decode()
    assert partnership.invitation_nonce not in response.content.decode()
    assert page.context["action_form"] is None


# Query budgets: list pages cost the same for 5 and 50 rows


@pytest.mark.parametrize(
    ("model", "grow", "budget"),
    [
        (PartnerProfile, PartnerProfileFactory.create_batch, 6),
        (Partnership, PartnershipFactory.create_batch, 7),
    ],
    ids=["PartnerProfile", "Partnership"],
)
@pytest.mark.parametrize("rows", [5, 50])
def test_partner_changelists_query_count_does_not_grow_with_rows(
    staff_client, django_assert_max_num_queries, model, grow, budget, rows
):
    grow(rows)

    with django_assert_max_num_queries(budget):
        response = staff_client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count() >= rows
