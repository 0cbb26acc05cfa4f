"""The Django admin: every page opens for staff, search works, list pages have a query budget, and what a
business rule guards (the audit log, legal representatives, legal data) cannot be changed from the admin."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.urls import reverse

from console.models import MailboxMessage
from core.models import AuditEvent
from organizations.access import resolve_access
from organizations.models import (
    BillingAddress,
    Membership,
    Organization,
    Product,
    ProductCategory,
    ProductType,
    Role,
    User,
    VatNumberChange,
)
from organizations.services import (
    billing_address_create,
    membership_add,
    organization_create,
    product_install,
    user_set_theme,
)
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)
MODELS_WITH_SEARCH = [(model, model_admin) for model, model_admin in REGISTERED if model_admin.search_fields]
OUR_MODELS = {
    User,
    Organization,
    VatNumberChange,
    Membership,
    BillingAddress,
    ProductCategory,
    ProductType,
    Product,
    AuditEvent,
    MailboxMessage,
}


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
def demo_data(db):
    """One row of every model, built through the services so the audit log has real events."""
    anna = UserFactory(email="anna@helvetia.example", full_name="Anna Keller")
    organization = organization_create(
        by=anna,
        name="Helvetia Web AG",
        entity_type="company",
        country="CH",
        vat_number="CHE-116.281.710 MWST",
        accept_terms=True,
    )
    organization_create(
        by=UserFactory(email="erik@rheinmedia.example"),
        name="Rheinmedia GmbH",
        entity_type="company",
        country="DE",
        vat_number="DE136695976",
        accept_terms=True,
    )
    access = resolve_access(anna, organization)
    billing_address_create(
        access=access,
        data={
            "name": "Helvetia Web AG",
            "street": "Bahnhofstrasse 10",
            "postal_code": "8001",
            "city": "Zürich",
            "country": "CH",
        },
    )
    product = product_install(
        access=access, product_type=ProductType.objects.get(slug="web-hosting"), name="helvetia-web.ch"
    )
    membership_add(access=access, email="carla@helvetia.example", role=Role.USER)
    membership_add(access=access, email="dario@helvetia.example", role=Role.EXTERNAL, products=[product])
    send_mail("Welcome", "Hello", "no-reply@manager.localhost", ["carla@helvetia.example"])
    Group.objects.create(name="Support")
    return organization


# Every page opens


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=lambda value: getattr(value, "__name__", "")
)
def test_every_changelist_opens_for_staff(staff_client, demo_data, model, model_admin):
    response = staff_client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == model._default_manager.count()


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=lambda value: getattr(value, "__name__", "")
)
def test_every_add_page_opens_where_adding_is_allowed(staff_client, staff, rf, model, model_admin):
    request = rf.get("/")
    request.user = staff

    response = staff_client.get(url(model, "add"))

    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


def test_every_change_page_opens_for_staff(staff_client, demo_data):
    opened = set()
    for model, _model_admin in REGISTERED:
        obj = model._default_manager.first()
        if obj is None:
            continue
        response = staff_client.get(url(model, "change", obj.pk))
        assert response.status_code == 200, model
        opened.add(model)

    assert opened >= OUR_MODELS


# Search


@pytest.mark.parametrize(
    ("model", "model_admin"), MODELS_WITH_SEARCH, ids=lambda value: getattr(value, "__name__", "")
)
def test_every_search_answers_and_a_nonsense_term_finds_nothing(staff_client, demo_data, model, model_admin):
    response = staff_client.get(url(model, "changelist"), {"q": "no-such-thing-anywhere"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


@pytest.mark.parametrize(
    ("model", "term", "expected"),
    [
        (Organization, "helvetia", ["Helvetia Web AG"]),
        (Organization, "DE1366", ["Rheinmedia GmbH"]),
        # VAT numbers are stored compact but found as people write them.
        (Organization, "CHE-116.281.710 MWST", ["Helvetia Web AG"]),
        (User, "Anna Keller", ["anna@helvetia.example"]),
        (User, "carla@", ["carla@helvetia.example"]),
        (Membership, "dario@helvetia", ["dario@helvetia.example — External of Helvetia Web AG"]),
        (Product, "helvetia-web", ["helvetia-web.ch (Web hosting)"]),
        (BillingAddress, "Zürich", ["Helvetia Web AG, Zürich"]),
        (MailboxMessage, "carla@helvetia", ["Welcome → carla@helvetia.example"]),
    ],
)
def test_search_finds_the_matching_rows(staff_client, demo_data, model, term, expected):
    response = staff_client.get(url(model, "changelist"), {"q": term})

    assert response.status_code == 200
    assert [str(obj) for obj in response.context["cl"].result_list] == expected


def test_audit_events_are_found_by_action_and_filtered_by_action(staff_client, demo_data):
    searched = staff_client.get(url(AuditEvent, "changelist"), {"q": "product.installed"})
    filtered = staff_client.get(url(AuditEvent, "changelist"), {"action": "organization.created"})

    assert [event.target_repr for event in searched.context["cl"].result_list] == [
        "helvetia-web.ch (Web hosting)"
    ]
    assert sorted(event.target_repr for event in filtered.context["cl"].result_list) == [
        "Helvetia Web AG",
        "Rheinmedia GmbH",
    ]


# The audit log is read-only


def test_audit_event_admin_refuses_to_add_change_or_delete(staff_client, demo_data):
    event = AuditEvent.objects.filter(action="organization.created").first()
    count = AuditEvent.objects.count()

    assert staff_client.get(url(AuditEvent, "add")).status_code == 403
    assert staff_client.post(url(AuditEvent, "add"), {"action": "forged"}).status_code == 403
    assert staff_client.get(url(AuditEvent, "delete", event.pk)).status_code == 403
    assert staff_client.post(url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    assert staff_client.post(url(AuditEvent, "change", event.pk), {"action": "forged"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "organization.created"
    assert AuditEvent.objects.count() == count


def test_audit_event_changelist_offers_no_delete_action(staff_client, demo_data):
    event = AuditEvent.objects.first()

    page = staff_client.get(url(AuditEvent, "changelist"))
    forced = staff_client.post(
        url(AuditEvent, "changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert page.context["action_form"] is None
    assert b"delete_selected" not in page.content
    assert forced.status_code in {200, 302}
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_event_detail_is_shown_read_only(staff_client, demo_data):
    event = AuditEvent.objects.filter(action="organization.created").first()

    response = staff_client.get(url(AuditEvent, "change", event.pk))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert b"organization.created" in response.content


# Query budgets: list pages cost the same for 5 and 50 rows


@pytest.mark.parametrize("rows", [5, 50])
def test_organization_changelist_query_count_does_not_grow_with_rows(
    staff_client, django_assert_max_num_queries, rows
):
    for organization in OrganizationFactory.create_batch(rows, vat_number="CHE116281710MWST"):
        MembershipFactory(organization=organization)

    with django_assert_max_num_queries(8):
        response = staff_client.get(url(Organization, "changelist"))

    assert response.context["cl"].result_count == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_membership_changelist_query_count_does_not_grow_with_rows(
    staff_client, django_assert_max_num_queries, rows
):
    MembershipFactory.create_batch(rows)

    with django_assert_max_num_queries(5):
        response = staff_client.get(url(Membership, "changelist"))

    assert response.context["cl"].result_count == rows


@pytest.mark.parametrize(
    ("model", "budget"),
    [(Product, 9), (AuditEvent, 7), (BillingAddress, 6), (VatNumberChange, 7), (User, 6)],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
@pytest.mark.parametrize("rows", [5, 50])
def test_other_changelists_query_count_does_not_grow_with_rows(
    staff_client, django_assert_max_num_queries, model, budget, rows
):
    for index in range(rows):
        anna = UserFactory()
        organization = OrganizationFactory(vat_number="CHE116281710MWST")
        MembershipFactory(organization=organization, user=anna)
        access = resolve_access(anna, organization)
        product_install(
            access=access, product_type=ProductType.objects.get(slug="domain-ch"), name=f"d{index}.ch"
        )
        billing_address_create(
            access=access,
            data={"name": "X", "street": "S 1", "postal_code": "1000", "city": "Lausanne", "country": "CH"},
        )
        VatNumberChange.objects.create(
            organization=organization, new_number="CHE116281710MWST", changed_by=anna
        )

    with django_assert_max_num_queries(budget):
        response = staff_client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= rows


# What a business rule guards stays read-only; what staff may change is audited


def test_organizations_are_not_added_from_the_admin(staff_client):
    """An organization is created with its legal representative, so the admin cannot create an empty one."""
    response = staff_client.post(url(Organization, "add"), {"name": "Orphan", "entity_type": "company"})

    assert response.status_code == 403
    assert not Organization.objects.filter(name="Orphan").exists()


def _inline_management_data(response) -> dict:
    data = {}
    for inline_admin_formset in response.context["inline_admin_formsets"]:
        prefix = inline_admin_formset.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def test_staff_rename_an_organization_but_not_its_legal_data_and_the_change_is_audited(
    staff_client, staff, demo_data
):
    change_url = url(Organization, "change", demo_data.pk)
    data = _inline_management_data(staff_client.get(change_url)) | {
        "name": "Helvetia Web SA",
        "is_referenced_partner": "on",
        # Read-only fields: ignored when posted.
        "vat_number": "CHE105805081MWST",
        "country": "FR",
        "currency": "EUR",
    }

    response = staff_client.post(change_url, data)

    assert response.status_code == 302
    demo_data.refresh_from_db()
    assert (demo_data.name, demo_data.is_referenced_partner) == ("Helvetia Web SA", True)
    assert (demo_data.vat_number, demo_data.country.code, demo_data.currency) == (
        "CHE116281710MWST",
        "CH",
        "CHF",
    )
    event = AuditEvent.objects.get(action="admin.organization.changed")
    assert (event.actor, event.organization) == (staff, demo_data)
    assert event.changes == {"name": "Helvetia Web SA", "is_referenced_partner": True}


def test_the_organization_change_page_shows_members_read_only(staff_client, demo_data):
    response = staff_client.get(url(Organization, "change", demo_data.pk))

    memberships = next(
        formset
        for formset in response.context["inline_admin_formsets"]
        if formset.formset.model is Membership
    )
    assert memberships.has_add_permission is False
    assert memberships.has_change_permission is False
    assert memberships.has_delete_permission is False
    assert b"carla@helvetia.example" in response.content
    assert b"CHE-116.281.710 MWST" in response.content


def test_a_legal_representatives_membership_cannot_be_deleted_from_the_admin(staff_client, demo_data):
    membership = Membership.objects.get(organization=demo_data, role=Role.LEGAL_REPRESENTATIVE)

    assert staff_client.get(url(Membership, "delete", membership.pk)).status_code == 403
    assert staff_client.post(url(Membership, "delete", membership.pk), {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_legal_representative_cannot_be_deleted_from_the_admin(staff_client, demo_data):
    anna = User.objects.get(email="anna@helvetia.example")

    assert staff_client.post(url(User, "delete", anna.pk), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=anna.pk).exists()
    assert "delete_selected" not in staff_client.get(url(User, "changelist")).content.decode()


def test_staff_delete_a_plain_member_and_the_organization_sees_it_in_its_audit_log(
    staff_client, staff, demo_data
):
    membership = Membership.objects.get(organization=demo_data, user__email="carla@helvetia.example")

    response = staff_client.post(url(Membership, "delete", membership.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="admin.membership.deleted")
    assert (event.actor, event.organization, event.target_id) == (staff, demo_data, str(membership.pk))


def test_staff_delete_a_user_who_has_audit_events(staff_client, demo_data):
    """Audit events keep the actor's email when the user is deleted (the append-only rule allows SET_NULL)."""
    carla = User.objects.get(email="carla@helvetia.example")
    user_set_theme(user=carla, theme="dark")

    response = staff_client.post(url(User, "delete", carla.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=carla.pk).exists()
    event = AuditEvent.objects.get(action="user.theme_changed")
    assert (event.actor, event.actor_email) == (None, "carla@helvetia.example")


def test_membership_add_page_offers_no_external_role(staff_client, demo_data):
    """External members come with a product list, which the console checks; the admin does not offer them."""
    erik = User.objects.get(email="erik@rheinmedia.example")

    page = staff_client.get(url(Membership, "add"))
    refused = staff_client.post(
        url(Membership, "add"), {"user": erik.pk, "organization": demo_data.pk, "role": Role.EXTERNAL}
    )
    added = staff_client.post(
        url(Membership, "add"), {"user": erik.pk, "organization": demo_data.pk, "role": Role.ADMINISTRATOR}
    )

    assert [value for value, _label in page.context["adminform"].form.fields["role"].choices if value] == [
        Role.LEGAL_REPRESENTATIVE,
        Role.ADMINISTRATOR,
        Role.USER,
        Role.ACCOUNTANT,
    ]
    assert refused.status_code == 200
    assert "role" in refused.context["adminform"].form.errors
    assert added.status_code == 302
    assert Membership.objects.get(user=erik, organization=demo_data).role == Role.ADMINISTRATOR
    assert AuditEvent.objects.filter(action="admin.membership.added", organization=demo_data).count() == 1


def test_an_existing_membership_is_read_only_in_the_admin(staff_client, demo_data):
    membership = Membership.objects.get(organization=demo_data, role=Role.LEGAL_REPRESENTATIVE)

    response = staff_client.get(url(Membership, "change", membership.pk))

    assert response.status_code == 200
    assert set(response.context["adminform"].form.fields) == set()


def test_staff_add_a_user_who_signs_in_with_email(staff_client, client):
    response = staff_client.post(
        url(User, "add"),
        {
            "email": "  New.Person@Example.COM ",
            "full_name": "New Person",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    duplicate = staff_client.post(
        url(User, "add"), {"email": "NEW.PERSON@example.com", "usable_password": "false"}
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.full_name == "New Person"
    assert user.check_password(PASSWORD)
    assert duplicate.status_code == 200
    assert "email" in duplicate.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="new.person@example.com").count() == 1


def test_staff_edit_a_user_without_a_username_field(staff_client, demo_data):
    carla = User.objects.get(email="carla@helvetia.example")
    change_url = url(User, "change", carla.pk)
    data = _inline_management_data(staff_client.get(change_url)) | {
        "email": "Carla.Rossi@Helvetia.example",
        "full_name": "Carla Rossi",
        "theme": "dark",
        "is_active": "on",
    }

    response = staff_client.post(change_url, data)
    taken = staff_client.post(change_url, data | {"email": "ANNA@helvetia.example"})

    assert response.status_code == 302
    carla.refresh_from_db()
    assert (carla.email, carla.full_name, carla.theme, carla.is_staff) == (
        "carla.rossi@helvetia.example",
        "Carla Rossi",
        "dark",
        False,
    )
    assert taken.status_code == 200
    assert "email" in taken.context["adminform"].form.errors


def test_staff_set_a_users_password(staff_client, demo_data):
    carla = User.objects.get(email="carla@helvetia.example")
    password_url = reverse("admin:auth_user_password_change", args=[carla.pk])

    page = staff_client.get(password_url)
    response = staff_client.post(
        password_url, {"usable_password": "true", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert page.status_code == 200
    assert response.status_code == 302
    carla.refresh_from_db()
    assert carla.check_password(PASSWORD)


def test_staff_edit_public_prices_in_the_product_type_list(staff_client, staff):
    response = staff_client.get(url(ProductType, "changelist"))
    formset = response.context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "_save": "Save",
    }
    for index, form in enumerate(formset.forms):
        for name in ("id", "price_chf", "price_eur", "is_active", "position"):
            value = form.initial.get(name, form.instance.pk if name == "id" else None)
            if name == "is_active":
                if value:
                    data[f"form-{index}-{name}"] = "on"
            else:
                data[f"form-{index}-{name}"] = str(value)
        if form.instance.slug == "web-hosting":
            data[f"form-{index}-price_chf"] = "72.00"

    saved = staff_client.post(url(ProductType, "changelist"), data)

    assert saved.status_code == 302
    assert str(ProductType.objects.get(slug="web-hosting").price_chf) == "72.00"
    event = AuditEvent.objects.get(action="admin.producttype.changed")
    assert (event.actor, event.changes) == (staff, {"price_chf": "72.00"})


def test_a_negative_price_is_refused(staff_client):
    product_type = ProductType.objects.get(slug="domain-ch")
    change_url = url(ProductType, "change", product_type.pk)
    data = {
        "category": product_type.category_id,
        "slug": product_type.slug,
        "name": product_type.name,
        "period": product_type.period,
        "price_chf": "-1.00",
        "price_eur": "12.00",
        "is_active": "on",
        "position": "0",
    }

    response = staff_client.post(change_url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    product_type.refresh_from_db()
    assert str(product_type.price_chf) == "12.00"


def test_the_admin_is_for_staff_only(client, demo_data):
    client.force_login(User.objects.get(email="anna@helvetia.example"))

    response = client.get(url(Organization, "changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_organizations_are_not_deleted_from_the_admin(staff_client, demo_data):
    """Deleting would take the members, addresses and VAT history with it; the admin does not offer it."""
    page = staff_client.get(url(Organization, "changelist"))
    response = staff_client.post(url(Organization, "delete", demo_data.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Organization.objects.filter(pk=demo_data.pk).exists()
    assert Membership.objects.filter(organization=demo_data).count() == 3
    assert b"delete_selected" not in page.content
