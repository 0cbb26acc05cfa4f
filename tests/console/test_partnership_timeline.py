"""The partnership's own timeline, from both sides: readable sentences of what happened to it (invited,
accepted, who pays, its end, an order the partner placed for the client, stopped), newest first, in pages;
nobody else's events, and nobody else's partnership."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services as billing_services
from organizations.models import ProductType, Role
from partners import services
from tests.factories import PASSWORD, OrganizationFactory, PartnershipFactory, member


@pytest.fixture
def lived(client_org, partner_org, client_legal, partner_legal, acting):
    """A partnership that went through its life: invited, accepted, who pays, an end, an order, stopped."""
    client_access = acting(client_legal, client_org)
    partnership = services.partnership_invite(
        access=client_access, partner=partner_org, access_level="full", password_confirmed=True
    )
    services.partnership_accept(access=acting(partner_legal, partner_org), partnership=partnership)
    services.partnership_change_payment_method(
        access=client_access, partnership=partnership, payment_method="partner", password=PASSWORD
    )
    services.partnership_change_end(
        access=client_access, partnership=partnership, ends_at=timezone.now() + timedelta(days=20)
    )
    billing_services.product_order(
        access=acting(partner_legal, client_org),
        product_type=ProductType.objects.get(slug="web-hosting"),
        name="shop.helvetia.example",
    )
    billing_services.product_order(  # the client's own order is not the partnership's
        access=client_access, product_type=ProductType.objects.get(slug="web-hosting"), name="own.example"
    )
    services.partnership_stop(access=client_access, partnership=partnership, password=PASSWORD)
    return partnership


def timeline(client, user, organization, partnership):
    client.force_login(user)
    return client.get(
        reverse("partnership_timeline", kwargs={"org_id": organization.pk, "partnership_id": partnership.pk})
    )


@pytest.mark.parametrize("side", ["client", "partner"])
def test_both_sides_read_the_same_story(
    client, lived, side, client_org, partner_org, client_legal, partner_legal
):
    user, organization = (client_legal, client_org) if side == "client" else (partner_legal, partner_org)
    response = timeline(client, user, organization, lived)
    assert response.status_code == 200
    text = response.text
    expected = [  # newest first
        "stopped the collaboration",
        "ordered",
        "changed how long Léman Digital SA has access",
        "changed who pays for Léman Digital SA: partner pays (was: client pays).",
        "accepted the partnership proposed by Helvetia Web AG.",
        "invited Léman Digital SA as Full partner.",
    ]
    positions = [text.find(fragment) for fragment in expected]
    assert -1 not in positions, dict(zip(expected, positions, strict=True))
    assert positions == sorted(positions)
    assert "own.example" not in text


def test_the_timeline_is_paginated(client, client_org, partner_org, client_legal, partner_legal, acting):
    partnership = PartnershipFactory(
        client=client_org, partner=partner_org, ends_at=timezone.now() + timedelta(days=99)
    )
    access = acting(client_legal, client_org)
    for day in range(30):
        services.partnership_change_end(
            access=access,
            partnership=partnership,
            ends_at=timezone.now() + timedelta(days=30 + day),
            password=PASSWORD,
        )
    first = timeline(client, client_legal, client_org, partnership).text
    assert first.count("changed how long") == 25
    client.force_login(client_legal)
    url = reverse("partnership_timeline", kwargs={"org_id": client_org.pk, "partnership_id": partnership.pk})
    assert client.get(f"{url}?page=2").text.count("changed how long") == 5


def test_another_organization_and_a_plain_user_see_nothing(client, lived, client_org, partner_org):
    stranger_org = OrganizationFactory(name="Elsewhere AG")
    stranger = member(stranger_org, Role.LEGAL_REPRESENTATIVE)
    assert timeline(client, stranger, stranger_org, lived).status_code == 404
    plain = member(partner_org, Role.USER)
    assert timeline(client, plain, partner_org, lived).status_code == 403
    other_partner = PartnershipFactory(client=client_org)
    client_legal_user = client_org.memberships.get(role=Role.LEGAL_REPRESENTATIVE).user
    assert timeline(client, client_legal_user, client_org, other_partner).status_code == 200
    partner_legal_user = partner_org.memberships.get(role=Role.LEGAL_REPRESENTATIVE).user
    assert timeline(client, partner_legal_user, partner_org, other_partner).status_code == 404
