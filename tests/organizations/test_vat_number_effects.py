"""What a VAT number change does beyond the organization: the Edit page says which number future invoices
carry and offers to put the new one on the default billing address (applied in the same transaction); a
number another organization also has is saved with a warning, and staff see it in the admin."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from billing.services import buyer_data
from core.models import AuditEvent
from organizations import selectors, services
from organizations.access import ROLE_PERMISSIONS, Permission
from organizations.models import BillingAddress, Organization, Role, VatNumberChange
from tests.factories import BillingAddressFactory, OrganizationFactory

NEW_NUMBER = "CHE-107.787.577 IVA"


@pytest.fixture
def default_address(organization):
    return BillingAddressFactory(
        organization=organization, name="Helvetia Accounts", is_default=True, vat_number="CHE116281710MWST"
    )


@pytest.fixture
def edit_url(organization):
    return reverse("organization_edit", kwargs={"org_id": organization.pk})


def edit_form(**fields):
    return {
        "name": "Helvetia Web AG",
        "entity_type": "company",
        "country": "CH",
        "vat_number": NEW_NUMBER,
        "accept_terms": "on",
        **fields,
    }


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


# Which number future invoices carry


def test_the_edit_page_says_the_default_billing_address_s_own_number_goes_on_invoices(
    client, legal_representative, default_address, edit_url
):
    client.force_login(legal_representative)

    page = client.get(edit_url).text

    assert (
        "Future invoices carry the VAT number of the default billing address Helvetia Accounts: "
        "CHE-116.281.710 MWST." in page
    )
    assert "Also put this VAT number on the default billing address (Helvetia Accounts)" in page


def test_without_a_number_on_the_address_the_edit_page_names_the_organization_s(
    client, legal_representative, organization, edit_url
):
    BillingAddressFactory(organization=organization, is_default=True, vat_number="")
    client.force_login(legal_representative)

    page = client.get(edit_url).text

    assert "Future invoices carry the organization's VAT number: CHE-116.281.710 MWST." in page
    assert "update_default_billing_address" not in page


def test_the_selector_gives_the_number_the_invoice_prints(access_of, legal_representative, default_address):
    invoiced = selectors.invoice_vat_number(access_of(legal_representative))

    assert invoiced.address == default_address
    assert buyer_data(default_address.organization)["vat_number"] == "CHE116281710MWST"


def test_a_plain_user_is_shown_neither_the_page_nor_the_offer(client, plain_user, default_address, edit_url):
    client.force_login(plain_user)

    assert client.get(edit_url).status_code == 403


# Updating the default billing address with the organization


def test_ticked_the_default_address_takes_the_new_number_and_invoices_carry_it(
    client, legal_representative, organization, default_address, edit_url
):
    client.force_login(legal_representative)

    response = client.post(edit_url, edit_form(update_default_billing_address="on"))

    assert response.status_code == 302
    default_address.refresh_from_db()
    assert default_address.vat_number == "CHE107787577IVA"
    assert buyer_data(organization)["vat_number"] == "CHE107787577IVA"
    assert AuditEvent.objects.get(action="organization.updated").changes == {
        "vat_number": ["CHE116281710MWST", "CHE107787577IVA"]
    }
    address_event = AuditEvent.objects.get(action="billing_address.updated")
    assert address_event.target_id == str(default_address.pk)
    assert address_event.changes == {"vat_number": ["CHE116281710MWST", "CHE107787577IVA"]}


def test_not_ticked_the_default_address_keeps_its_own_number(
    client, legal_representative, organization, default_address, edit_url
):
    client.force_login(legal_representative)

    client.post(edit_url, edit_form())

    organization.refresh_from_db()
    default_address.refresh_from_db()
    assert (organization.vat_number, default_address.vat_number) == ("CHE107787577IVA", "CHE116281710MWST")


def test_an_address_in_another_country_cannot_take_the_number_and_nothing_is_saved(
    client, legal_representative, organization, default_address, edit_url
):
    BillingAddress.objects.filter(pk=default_address.pk).update(country="DE", vat_number="DE136695976")
    client.force_login(legal_representative)

    response = client.post(edit_url, edit_form(update_default_billing_address="on"))

    assert response.status_code == 200
    assert response.context["form"].errors["update_default_billing_address"] == [
        "The default billing address is in Germany: this VAT number cannot be put on it."
    ]
    organization.refresh_from_db()
    assert organization.vat_number == "CHE116281710MWST"
    assert BillingAddress.objects.get(pk=default_address.pk).vat_number == "DE136695976"
    assert not VatNumberChange.objects.exists()
    assert not AuditEvent.objects.exists()


def test_without_a_default_address_the_service_refuses_the_update(
    organization, legal_representative, access_of
):
    with pytest.raises(ValidationError) as excinfo:
        services.organization_update(
            access=access_of(legal_representative),
            vat_number=NEW_NUMBER,
            accept_terms=True,
            update_default_billing_address=True,
        )

    assert set(excinfo.value.message_dict) == {"update_default_billing_address"}
    organization.refresh_from_db()
    assert organization.vat_number == "CHE116281710MWST"


def test_who_may_edit_the_organization_but_not_billing_addresses_is_refused_and_nothing_saved(
    organization, administrator, default_address, access_of, monkeypatch
):
    """No role has this mix today; the service does not rely on it."""
    monkeypatch.setitem(
        ROLE_PERMISSIONS,
        Role.ADMINISTRATOR,
        ROLE_PERMISSIONS[Role.ADMINISTRATOR] - {Permission.MANAGE_BILLING_ADDRESSES},
    )

    with pytest.raises(PermissionDenied):
        services.organization_update(
            access=access_of(administrator),
            vat_number=NEW_NUMBER,
            accept_terms=True,
            update_default_billing_address=True,
        )

    organization.refresh_from_db()
    default_address.refresh_from_db()
    assert (organization.vat_number, default_address.vat_number) == ("CHE116281710MWST", "CHE116281710MWST")
    assert not VatNumberChange.objects.exists()


def test_the_api_updates_the_address_or_answers_400_on_the_field(
    organization, legal_representative, default_address
):
    url = f"/api/v1/organizations/{organization.pk}"
    api = APIClient()
    api.force_login(legal_representative)
    BillingAddress.objects.filter(pk=default_address.pk).update(country="DE")

    refused = api.patch(
        url,
        {"vat_number": NEW_NUMBER, "accept_terms": True, "update_default_billing_address": True},
        format="json",
    )
    assert refused.status_code == 400
    assert list(refused.json()) == ["update_default_billing_address"]
    assert Organization.objects.get(pk=organization.pk).vat_number == "CHE116281710MWST"

    BillingAddress.objects.filter(pk=default_address.pk).update(country="CH")
    done = api.patch(
        url,
        {"vat_number": NEW_NUMBER, "accept_terms": True, "update_default_billing_address": True},
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert BillingAddress.objects.get(pk=default_address.pk).vat_number == "CHE107787577IVA"


# The same number on two organizations


@pytest.mark.parametrize("other_number", ["CHE107787577IVA", "CHE107787577MWST", "CHE107787577TPV"])
def test_a_number_another_organization_has_is_saved_with_a_warning(
    client, legal_representative, organization, edit_url, other_number
):
    OrganizationFactory(name="Other AG", country="CH", vat_number=other_number)
    client.force_login(legal_representative)

    response = client.post(edit_url, edit_form())

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.vat_number == "CHE107787577IVA"
    assert (
        "warning",
        "Another organization also has the VAT number CHE-107.787.577 IVA. Check that it is the right one.",
    ) in messages_of(response)


def test_a_number_nobody_else_has_gets_no_warning(client, legal_representative, organization, edit_url):
    OrganizationFactory(name="Other AG", country="CH", vat_number="CHE116281710MWST")
    OrganizationFactory(name="No number", country="CH", entity_type="individual", vat_number="")
    client.force_login(legal_representative)

    response = client.post(edit_url, edit_form())

    assert [level for level, _text in messages_of(response)] == ["success"]


def test_staff_see_and_filter_the_organizations_that_share_a_number(admin_client, organization):
    OrganizationFactory(name="Twin AG", country="CH", vat_number="CHE116281710TVA")
    OrganizationFactory(name="Alone GmbH", country="DE", vat_number="DE136695976")
    OrganizationFactory(name="Nobody", country="CH", entity_type="individual", vat_number="")
    OrganizationFactory(name="Also nobody", country="CH", entity_type="individual", vat_number="")
    url = reverse("admin:organizations_organization_changelist")

    shared = admin_client.get(url, {"vat_number_shared": "yes"})
    not_shared = admin_client.get(url, {"vat_number_shared": "no"})

    assert shared.status_code == 200
    assert "VAT number shared" in shared.text
    assert sorted(o.name for o in shared.context["cl"].result_list) == ["Helvetia Web AG", "Twin AG"]
    assert sorted(o.name for o in not_shared.context["cl"].result_list) == [
        "Alone GmbH",
        "Also nobody",
        "Nobody",
    ]
