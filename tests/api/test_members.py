"""Members through the API: adding, changing roles and products, removing; the legal-representative rule."""

import pytest

from core.models import AuditEvent
from organizations.models import Membership, Role, User
from tests.factories import OrganizationFactory, ProductFactory, UserFactory, member

KEEPS_A_LEGAL_REPRESENTATIVE = "An organization always keeps at least one legal representative."


@pytest.fixture
def url(organization):
    return f"/api/v1/organizations/{organization.pk}/members"


def membership_of(user, organization):
    return Membership.objects.get(user=user, organization=organization)


def test_the_list_shows_each_member_with_role_and_products(
    client_of, organization, legal_representative, external_user, granted_product, url
):
    membership_of(external_user, organization).products.set([granted_product])

    response = client_of(legal_representative).get(url)

    assert response.status_code == 200
    rows = [
        {k: v for k, v in row.items() if k in {"email", "role", "products"}}
        for row in response.json()["results"]
    ]
    assert rows == [
        {"email": "external@helvetia.example", "role": "external", "products": [granted_product.pk]},
        {"email": "legal@helvetia.example", "role": "legal_representative", "products": []},
    ]
    first = response.json()["results"][0]
    assert set(first) == {"id", "email", "full_name", "role", "products", "created_at"}


def test_adding_an_existing_person_gives_them_the_role(client_of, organization, administrator, url):
    person = UserFactory(email="someone@example.com", full_name="Some One")

    response = client_of(administrator).post(
        url, {"email": "Someone@Example.com", "role": "user"}, format="json"
    )

    assert response.status_code == 201
    membership = membership_of(person, organization)
    assert response.json()["id"] == membership.pk
    assert (response.json()["email"], response.json()["full_name"], response.json()["role"]) == (
        "someone@example.com",
        "Some One",
        "user",
    )
    assert AuditEvent.objects.filter(action="membership.added", target_id=str(membership.pk)).exists()


def test_adding_someone_without_an_account_invites_them(client_of, organization, administrator, url):
    response = client_of(administrator).post(
        url, {"email": "new@example.com", "role": "administrator"}, format="json"
    )

    assert response.status_code == 201
    invited = User.objects.get(email="new@example.com")
    assert not invited.has_usable_password()
    assert membership_of(invited, organization).role == Role.ADMINISTRATOR


def test_an_external_member_is_given_products_of_this_organization_only(
    client_of, organization, administrator, granted_product, url
):
    foreign = ProductFactory(organization=OrganizationFactory())
    client = client_of(administrator)

    without = client.post(url, {"email": "ext@example.com", "role": "external"}, format="json")
    foreign_product = client.post(
        url, {"email": "ext@example.com", "role": "external", "products": [foreign.pk]}, format="json"
    )
    granted = client.post(
        url, {"email": "ext@example.com", "role": "external", "products": [granted_product.pk]}, format="json"
    )

    assert without.status_code == 400
    assert without.json() == {"products": ["Choose the products this external user may manage."]}
    assert foreign_product.status_code == 400
    assert list(foreign_product.json()) == ["products"]
    assert granted.status_code == 201
    assert granted.json()["products"] == [granted_product.pk]
    assert list(membership_of(User.objects.get(email="ext@example.com"), organization).products.all()) == [
        granted_product
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "role": "user"}, "email"),
        ({"email": "legal@helvetia.example", "role": "user"}, "email"),
        ({"email": "x@example.com", "role": "owner"}, "role"),
        ({"role": "user"}, "email"),
        ({"email": "x@example.com"}, "role"),
    ],
)
def test_bad_input_names_the_field_and_adds_nobody(
    client_of, organization, administrator, legal_representative, url, body, field
):
    count = Membership.objects.count()

    response = client_of(administrator).post(url, body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Membership.objects.count() == count


def test_an_existing_member_added_again_is_refused(client_of, legal_representative, administrator, url):
    response = client_of(administrator).post(
        url, {"email": "legal@helvetia.example", "role": "user"}, format="json"
    )

    assert response.json() == {"email": ["This person is already a member of the organization."]}


def test_fields_outside_the_input_change_nothing(client_of, organization, administrator, url):
    other = OrganizationFactory()

    response = client_of(administrator).post(
        url,
        {
            "email": "x@example.com",
            "role": "user",
            "organization": other.pk,
            "created_at": "2000-01-01T00:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 201
    membership = Membership.objects.get(user__email="x@example.com")
    assert membership.organization == organization
    assert membership.created_at.year > 2000


def test_an_administrator_cannot_appoint_a_legal_representative(client_of, organization, administrator, url):
    response = client_of(administrator).post(
        url, {"email": "boss@example.com", "role": "legal_representative"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only a legal representative can appoint another legal representative."
    }
    assert not Membership.objects.filter(user__email="boss@example.com").exists()


def test_a_legal_representative_appoints_another(
    client_of, organization, legal_representative, plain_user, url
):
    membership = membership_of(plain_user, organization)

    response = client_of(legal_representative).patch(
        f"{url}/{membership.pk}", {"role": "legal_representative"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["role"] == "legal_representative"
    membership.refresh_from_db()
    assert membership.role == Role.LEGAL_REPRESENTATIVE


def test_the_last_legal_representative_cannot_be_demoted(client_of, organization, legal_representative, url):
    membership = membership_of(legal_representative, organization)

    response = client_of(legal_representative).patch(
        f"{url}/{membership.pk}", {"role": "user"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"role": [KEEPS_A_LEGAL_REPRESENTATIVE]}
    membership.refresh_from_db()
    assert membership.role == Role.LEGAL_REPRESENTATIVE


def test_the_last_legal_representative_cannot_be_removed(client_of, organization, legal_representative, url):
    membership = membership_of(legal_representative, organization)

    response = client_of(legal_representative).delete(f"{url}/{membership.pk}")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [KEEPS_A_LEGAL_REPRESENTATIVE]}
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_one_of_two_legal_representatives_can_be_removed(client_of, organization, legal_representative, url):
    second = member(organization, Role.LEGAL_REPRESENTATIVE, email="second@helvetia.example")
    membership = membership_of(second, organization)

    response = client_of(legal_representative).delete(f"{url}/{membership.pk}")

    assert response.status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="membership.removed", target_id=str(membership.pk)).exists()


def test_an_administrator_cannot_remove_or_demote_a_legal_representative(
    client_of, organization, legal_representative, administrator, url
):
    member(organization, Role.LEGAL_REPRESENTATIVE, email="second@helvetia.example")
    membership = membership_of(legal_representative, organization)
    client = client_of(administrator)

    removal = client.delete(f"{url}/{membership.pk}")
    demotion = client.patch(f"{url}/{membership.pk}", {"role": "user"}, format="json")

    assert removal.status_code == 403
    assert removal.json() == {"detail": "Only a legal representative can remove a legal representative."}
    assert demotion.status_code == 403
    assert demotion.json() == {
        "detail": "Only a legal representative can change the role of a legal representative."
    }
    membership.refresh_from_db()
    assert membership.role == Role.LEGAL_REPRESENTATIVE


def test_patching_only_the_products_keeps_the_role(
    client_of, organization, administrator, external_user, granted_product, other_product, url
):
    membership = membership_of(external_user, organization)
    membership.products.set([granted_product])

    response = client_of(administrator).patch(
        f"{url}/{membership.pk}", {"products": [granted_product.pk, other_product.pk]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["role"] == "external"
    assert sorted(response.json()["products"]) == sorted([granted_product.pk, other_product.pk])
    assert set(membership.products.all()) == {granted_product, other_product}


def test_patching_only_the_role_of_an_external_member_keeps_the_products(
    client_of, organization, administrator, external_user, granted_product, url
):
    membership = membership_of(external_user, organization)
    membership.products.set([granted_product])

    response = client_of(administrator).patch(f"{url}/{membership.pk}", {"role": "external"}, format="json")

    assert response.status_code == 200
    assert response.json()["products"] == [granted_product.pk]


def test_a_member_of_another_organization_is_a_404_and_stays_untouched(
    client_of, organization, legal_representative, outsider, url
):
    foreign = Membership.objects.get(user=outsider)
    client = client_of(legal_representative)

    responses = [
        client.get(f"{url}/{foreign.pk}"),
        client.patch(f"{url}/{foreign.pk}", {"role": "user"}, format="json"),
        client.delete(f"{url}/{foreign.pk}"),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    foreign.refresh_from_db()
    assert foreign.role == Role.LEGAL_REPRESENTATIVE
