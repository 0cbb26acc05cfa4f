import re

import pytest
from django.urls import reverse

from console.context_processors import SWITCHER_MANAGED_LIMIT
from tests.factories import OrganizationFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


def _switcher_entries(html: str) -> list[str]:
    menu = html.split('<ul class="dropdown-menu shadow w-100">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'class="dropdown-item[^"]*"[^>]*>([^<]+)</a>', menu)


def _manage(partner_org, count: int) -> None:
    for number in range(count):
        PartnershipFactory(partner=partner_org, client=OrganizationFactory(name=f"Client {number:03d}"))


def test_the_switcher_lists_a_few_managed_clients_and_leads_to_managed_clients_for_the_rest(
    client, partner_org, partner_legal
):
    _manage(partner_org, SWITCHER_MANAGED_LIMIT + 5)
    client.force_login(partner_legal)
    html = client.get(reverse("dashboard", args=[partner_org.pk])).content.decode()
    entries = _switcher_entries(html)
    assert entries[0] == partner_org.name
    assert entries[1 : SWITCHER_MANAGED_LIMIT + 1] == [
        f"Client {n:03d}" for n in range(SWITCHER_MANAGED_LIMIT)
    ]
    assert "All clients in Managed Clients…" in entries
    assert (
        f'href="{reverse("managed_clients", args=[partner_org.pk])}">All clients in Managed Clients' in html
    )


def test_a_partner_with_few_clients_sees_them_all_and_no_link(client, partner_org, partner_legal):
    _manage(partner_org, 3)
    client.force_login(partner_legal)
    entries = _switcher_entries(client.get(reverse("dashboard", args=[partner_org.pk])).content.decode())
    assert entries[:4] == [partner_org.name, "Client 000", "Client 001", "Client 002"]
    assert "All clients in Managed Clients…" not in entries


def test_the_switcher_costs_the_same_queries_for_three_clients_as_for_thirty(
    client, partner_org, partner_legal, django_assert_max_num_queries
):
    client.force_login(partner_legal)
    page = reverse("organization_settings", args=[partner_org.pk])
    _manage(partner_org, 3)
    with django_assert_max_num_queries(100) as few:
        client.get(page)
    _manage(partner_org, 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(page).status_code == 200


def test_a_renamed_client_moves_to_its_new_place_in_the_switcher_and_managed_clients(
    client, partner_org, partner_legal
):
    """The partnerships keep the client's name for listing by name: a rename is seen at once in both lists."""
    _manage(partner_org, 3)
    renamed = OrganizationFactory._meta.model.objects.get(name="Client 000")
    renamed.name = "Zebra Studio"
    renamed.save()
    client.force_login(partner_legal)

    entries = _switcher_entries(client.get(reverse("dashboard", args=[partner_org.pk])).content.decode())
    table = client.get(reverse("managed_clients", args=[partner_org.pk])).context["clients"]

    assert entries[:4] == [partner_org.name, "Client 001", "Client 002", "Zebra Studio"]
    assert [partnership.client_name for partnership in table] == ["Client 001", "Client 002", "Zebra Studio"]
