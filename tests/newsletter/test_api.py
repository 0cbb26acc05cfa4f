"""The Newsletter API: mailing lists and subscribers of a Newsletter product, for Newsletter tokens only,
within the user's access to the product."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.models import AuditEvent
from newsletter.models import MailingList, Subscriber
from organizations.models import Membership, ProductType
from tests.factories import MembershipFactory, OrganizationFactory, PartnershipFactory, ProductFactory


@pytest.fixture
def newsletter_client(bearer, make_token, legal_representative):
    _, plaintext = make_token(legal_representative, application="newsletter")
    return bearer(plaintext)


def test_lists_and_subscribers_through_a_newsletter_token(newsletter_client, newsletter, organization):
    base = f"/api/v1/newsletter/products/{newsletter.pk}/lists"

    products = newsletter_client.get("/api/v1/newsletter/products")
    created = newsletter_client.post(base, {"name": "Customers"}, format="json")
    list_id = created.json()["id"]
    subscribed = newsletter_client.post(
        f"{base}/{list_id}/subscribers", {"email": "Ada@Example.com", "name": "Ada"}, format="json"
    )
    twice = newsletter_client.post(
        f"{base}/{list_id}/subscribers", {"email": "ada@example.com"}, format="json"
    )
    listed = newsletter_client.get(f"{base}/{list_id}/subscribers")
    lists = newsletter_client.get(base)

    assert [p["id"] for p in products.json()] == [newsletter.pk]
    assert created.status_code == 201
    assert subscribed.status_code == 201
    assert twice.status_code == 400
    assert twice.json() == {"email": ["This address is already subscribed to the list."]}
    assert [s["email"] for s in listed.json()["results"]] == ["Ada@Example.com"]
    assert lists.json()["results"][0]["subscriber_count"] == 1

    subscriber_id = subscribed.json()["id"]
    assert newsletter_client.delete(f"{base}/{list_id}/subscribers/{subscriber_id}").status_code == 204
    assert newsletter_client.delete(f"{base}/{list_id}").status_code == 204
    assert not MailingList.objects.exists()
    assert not Subscriber.objects.exists()
    actions = list(AuditEvent.objects.filter(organization=organization).values_list("action", flat=True))
    assert sorted(actions) == sorted(
        ["mailing_list.created", "subscriber.added", "subscriber.removed", "mailing_list.deleted"]
    )


def test_a_manager_api_token_and_a_session_are_refused(bearer, make_token, legal_representative, newsletter):
    _, manager = make_token(legal_representative)
    session = APIClient()
    session.force_login(legal_representative)
    base = f"/api/v1/newsletter/products/{newsletter.pk}/lists"

    by_manager_token = bearer(manager).get(base)
    by_session = session.get(base)

    assert by_manager_token.status_code == 403
    assert "this endpoint belongs to the Newsletter application" in by_manager_token.json()["detail"]
    assert by_session.status_code == 403
    assert by_session.json()["detail"].startswith("The Newsletter API is used with an API token")


def test_scopes_read_and_write(bearer, make_token, legal_representative, newsletter):
    _, reader = make_token(legal_representative, application="newsletter", scopes_=["newsletter:read"])
    base = f"/api/v1/newsletter/products/{newsletter.pk}/lists"

    assert bearer(reader).get(base).status_code == 200
    assert bearer(reader).post(base, {"name": "x"}, format="json").status_code == 403


def test_out_of_reach_products_are_404(
    bearer, make_token, newsletter, organization, partner_org, partner_legal, outsider, external_user
):
    other_newsletter = ProductFactory(
        organization=organization,
        name="other.news.example",
        product_type=ProductType.objects.get(slug="newsletter"),
    )
    web_hosting = ProductFactory(organization=organization)
    PartnershipFactory(
        client=organization, partner=partner_org, access="limited", products=[other_newsletter]
    )
    Membership.objects.get(user=external_user, organization=organization).products.set([newsletter])
    tokens = {
        user: make_token(user, application="newsletter")[1]
        for user in (partner_legal, outsider, external_user)
    }

    def status(user, product):
        return bearer(tokens[user]).get(f"/api/v1/newsletter/products/{product.pk}/lists").status_code

    assert status(partner_legal, newsletter) == 404  # a limited partner without that product
    assert status(partner_legal, other_newsletter) == 200
    assert status(outsider, newsletter) == 404
    assert status(external_user, newsletter) == 200
    assert status(external_user, other_newsletter) == 404
    assert status(external_user, web_hosting) == 404  # not a Newsletter product


def test_a_mailing_list_of_another_product_is_404(newsletter_client, newsletter, organization):
    other = ProductFactory(
        organization=organization,
        name="second.news.example",
        product_type=ProductType.objects.get(slug="newsletter"),
    )
    foreign = MailingList.objects.create(product=other, name="Other")

    assert (
        newsletter_client.get(f"/api/v1/newsletter/products/{newsletter.pk}/lists/{foreign.pk}").status_code
        == 404
    )
    assert (
        newsletter_client.get(
            f"/api/v1/newsletter/products/{newsletter.pk}/lists/{foreign.pk}/subscribers"
        ).status_code
        == 404
    )


def test_the_list_endpoint_has_a_query_budget(newsletter_client, newsletter, django_assert_max_num_queries):
    for index in range(5):
        mailing_list = MailingList.objects.create(product=newsletter, name=f"List {index}")
        Subscriber.objects.create(mailing_list=mailing_list, email=f"s{index}@example.com")

    with django_assert_max_num_queries(8):
        response = newsletter_client.get(f"/api/v1/newsletter/products/{newsletter.pk}/lists")

    assert response.json()["count"] == 5


def _newsletter_of(organization, name):
    return ProductFactory(
        organization=organization, name=name, product_type=ProductType.objects.get(slug="newsletter")
    )


def test_the_product_list_follows_the_access_resolver_for_every_kind_of_access(
    bearer, make_token, partner_org, partner_user
):
    """Own membership, external with granted products, Full and Limited partners: the list shows exactly the
    Newsletter products the resolver lets the user see, and nothing of a stopped partnership."""
    own = MembershipFactory(user=partner_user, role="user").organization
    external = MembershipFactory(user=partner_user, role="external")
    full_client, limited_client, stopped_client = (
        OrganizationFactory(),
        OrganizationFactory(),
        OrganizationFactory(),
    )
    limited_seen = _newsletter_of(limited_client, "seen.news.example")
    _newsletter_of(limited_client, "hidden.news.example")
    PartnershipFactory(client=full_client, partner=partner_org, access="full")
    PartnershipFactory(client=limited_client, partner=partner_org, access="limited", products=[limited_seen])
    PartnershipFactory(client=stopped_client, partner=partner_org, access="full", status="stopped")
    external_seen = _newsletter_of(external.organization, "external.news.example")
    _newsletter_of(external.organization, "external-hidden.news.example")
    external.products.set([external_seen])
    expected = {
        _newsletter_of(own, "own.news.example").pk,
        _newsletter_of(full_client, "full.news.example").pk,
        limited_seen.pk,
        external_seen.pk,
    }
    _newsletter_of(stopped_client, "stopped.news.example")
    ProductFactory(organization=own)  # not a Newsletter product
    _, plaintext = make_token(partner_user, application="newsletter")

    listed = {product["id"] for product in bearer(plaintext).get("/api/v1/newsletter/products").json()}

    assert listed == expected
    for product_id in listed:
        assert bearer(plaintext).get(f"/api/v1/newsletter/products/{product_id}/lists").status_code == 200


def test_the_product_list_costs_the_same_queries_for_many_organizations(
    bearer, make_token, legal_representative, partner_org, partner_legal, django_assert_max_num_queries
):
    for index in range(12):
        membership = MembershipFactory(user=partner_legal)
        _newsletter_of(membership.organization, f"own{index}.news.example")
        client = OrganizationFactory()
        granted = _newsletter_of(client, f"client{index}.news.example")
        PartnershipFactory(client=client, partner=partner_org, access="limited", products=[granted])
    _, plaintext = make_token(partner_legal, application="newsletter")
    client = bearer(plaintext)

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/newsletter/products")

    assert len(response.json()) == 24


def test_an_organization_that_requires_two_factor_lists_its_products_only_to_users_with_a_factor(
    newsletter_client, newsletter, organization, legal_representative
):
    organization.two_factor_required = True
    organization.save(update_fields=["two_factor_required"])

    assert newsletter_client.get("/api/v1/newsletter/products").json() == []
    refused = newsletter_client.get(f"/api/v1/newsletter/products/{newsletter.pk}/lists")
    assert refused.status_code == 403

    TOTPDevice.objects.create(user=legal_representative, name="phone", confirmed=True)
    listed = newsletter_client.get("/api/v1/newsletter/products").json()
    assert [product["id"] for product in listed] == [newsletter.pk]
