"""Reseller Area → Managed Clients at scale: search by name or user email, filters, sort, pages that keep the
query, the tick column and its bar, in the console and the API, with the same number of queries for 10 and
1,000 clients."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from organizations.models import Role
from tests.factories import OrganizationFactory, PartnershipFactory, ProductFactory, member
from tests.partners.support import bulk_managed_clients, sent_request

# Session, user, access, switcher, pending invitations, the page count and rows, the dialog; fixed.
TABLE_QUERIES = 12
API_QUERIES = 5


def page_url(org, **query):
    url = reverse("managed_clients", kwargs={"org_id": org.pk})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def api_url(org, query=""):
    return f"/api/v1/organizations/{org.pk}/managed-clients{query}"


def names(response) -> list[str]:
    return [partnership.client.name for partnership in response.context["clients"]]


@pytest.fixture
def clients(partner_org):
    """Four clients: two Full (one the partner pays), two Limited; products 3, 0, 1, 2."""
    made = {}
    for name, access, payment_method, products, email in [
        ("Alpine Shop", "full", "partner", 3, "anna@alpine.example"),
        ("Bergbahn AG", "full", "client", 0, "boss@bergbahn.example"),
        ("Chocolat SA", "limited", "client", 1, "claire@chocolat.example"),
        ("Dorf Bäckerei", "limited", "client", 2, "dora@baeckerei.example"),
    ]:
        organization = OrganizationFactory(name=name)
        member(organization, Role.USER, email=email)
        granted = ProductFactory.create_batch(products, organization=organization)
        PartnershipFactory(
            client=organization,
            partner=partner_org,
            access=access,
            payment_method=payment_method,
            products=granted if access == "limited" else [],
        )
        made[name] = organization
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Alpine Shop", "Bergbahn AG", "Chocolat SA", "Dorf Bäckerei"]),
        ({"q": "choc"}, ["Chocolat SA"]),
        ({"q": "boss@bergbahn"}, ["Bergbahn AG"]),  # the email of one of the client's users
        ({"q": ".example"}, ["Alpine Shop", "Bergbahn AG", "Chocolat SA", "Dorf Bäckerei"]),
        ({"access": "limited"}, ["Chocolat SA", "Dorf Bäckerei"]),
        ({"payment_method": "partner"}, ["Alpine Shop"]),
        ({"access": "full", "payment_method": "client"}, ["Bergbahn AG"]),
        ({"sort": "-name"}, ["Dorf Bäckerei", "Chocolat SA", "Bergbahn AG", "Alpine Shop"]),
        ({"sort": "-products"}, ["Alpine Shop", "Dorf Bäckerei", "Chocolat SA", "Bergbahn AG"]),
        ({"sort": "products"}, ["Bergbahn AG", "Chocolat SA", "Dorf Bäckerei", "Alpine Shop"]),
        ({"q": "nobody"}, []),
        ({"access": "everything"}, ["Alpine Shop", "Bergbahn AG", "Chocolat SA", "Dorf Bäckerei"]),
    ],
)
def test_the_table_searches_filters_and_sorts(client, partner_org, partner_user, clients, query, expected):
    client.force_login(partner_user)

    response = client.get(page_url(partner_org, **query))

    assert response.status_code == 200
    assert names(response) == expected


def test_a_search_that_finds_nothing_says_so(client, partner_org, partner_user, clients):
    client.force_login(partner_user)

    response = client.get(page_url(partner_org, q="nobody"))

    assert "No client matches these filters." in response.text
    assert "0 clients matching the filters" in response.text


def test_pages_keep_the_search_and_the_sort(client, partner_org, partner_user):
    bulk_managed_clients(partner_org, 120)
    client.force_login(partner_user)

    first = client.get(page_url(partner_org, access="limited", sort="-name"))
    second = client.get(page_url(partner_org, access="limited", sort="-name", page=2))

    assert first.context["page"].paginator.count == 60
    assert len(names(first)) == 50
    assert len(names(second)) == 10
    assert names(first)[0] == "Client 0118"
    assert 'href="?access=limited&amp;sort=-name&amp;page=2"' in first.text
    assert 'href="?access=limited&amp;sort=-name&amp;page=1"' in second.text
    assert not set(names(first)) & set(names(second))


def test_each_row_can_be_ticked_and_keeps_its_actions_menu(client, partner_org, partner_legal, clients):
    client.force_login(partner_legal)

    response = client.get(page_url(partner_org))

    text = response.text
    alpine = clients["Alpine Shop"]
    assert f'value="{alpine.pk}" data-client-checkbox aria-label="Select Alpine Shop"' in text
    assert 'aria-label="Select every client on this page"' in text
    assert 'aria-label="Actions for Alpine Shop"' in text
    assert "Stop Collaboration" in text
    # The bar that appears once rows are ticked, its export, and the dialog it opens.
    assert re.search(r'id="selection-bar"[^>]*hidden', text)
    assert "Select all 4 matching clients" in text
    assert 'data-export-scope="selected"' in text
    assert 'data-export-scope="all"' in text
    assert 'id="export-dialog"' in text
    assert "console/managed_clients.js" in text
    # The parts of the page that were already there stay.
    assert "Add a client" in text


def script_texts(response) -> dict:
    found = re.search(
        r'<script id="managed-clients-texts" type="application/json">(.*?)</script>', response.text
    )
    assert found, "the page gives its script the sentences it writes"
    return json.loads(found.group(1))


def test_the_selection_script_writes_the_pages_sentences(client, partner_org, partner_user, clients):
    """The bar and the dialog count ticked clients in the browser: the page gives both forms of each count
    sentence ("{count}" for the number) and the sentences about every matching client, in its language."""
    client.force_login(partner_user)

    texts = script_texts(client.get(page_url(partner_org)))

    assert texts == {
        "selected": ["{count} client selected", "{count} clients selected"],
        "ticked": ["{count} ticked client", "{count} ticked clients"],
        "allMatchingSelected": "All 4 matching clients selected",
        "allMatching": "All 4 clients matching the table's filters",
        "allClients": "All your managed clients",
    }


def test_the_selection_script_counts_the_clients_matching_the_filters(
    client, partner_org, partner_user, clients
):
    client.force_login(partner_user)

    texts = script_texts(client.get(page_url(partner_org, access="limited")))

    assert texts["allMatchingSelected"] == "All 2 matching clients selected"
    assert texts["allMatching"] == "All 2 clients matching the table's filters"


@pytest.mark.parametrize("count", [10, 1000])
def test_the_table_costs_the_same_queries_for_10_and_1000_clients(
    client, partner_org, partner_user, django_assert_max_num_queries, count
):
    bulk_managed_clients(partner_org, count)
    PartnershipFactory(client=OrganizationFactory(), partner=partner_org, status="pending")
    client.force_login(partner_user)
    client.get(page_url(partner_org))  # the session's first read

    with django_assert_max_num_queries(TABLE_QUERIES):
        response = client.get(page_url(partner_org, q="client", sort="-products"))
    with CaptureQueriesContext(connection) as search_by_email:
        client.get(page_url(partner_org, q="owner3@"))

    assert response.context["page"].paginator.count == count
    assert len(search_by_email) <= TABLE_QUERIES


def test_the_query_count_does_not_grow_with_the_clients(client, partner_org, partner_user):
    client.force_login(partner_user)
    client.get(page_url(partner_org))  # the first visit also records the organization in the session
    counts = []
    for total in (10, 1000):
        bulk_managed_clients(partner_org, total - sum(c[1] for c in counts), prefix=f"Batch{total}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page_url(partner_org, access="full", sort="-since"))
        counts.append((len(queries), total))
        assert response.context["page"].paginator.count == total // 2
    assert counts[0][0] == counts[1][0]


def test_the_page_count_is_a_plain_count_and_products_are_counted_for_the_shown_rows_only(
    client, partner_org, partner_user
):
    """At 20,000 clients, counting every client's products on each view cost more than the whole page."""
    bulk_managed_clients(partner_org, 120)
    client.force_login(partner_user)
    client.get(page_url(partner_org))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(page_url(partner_org, q="client"))

    sqls = [query["sql"] for query in queries.captured_queries]
    [count] = [sql for sql in sqls if sql.startswith("SELECT COUNT(*)") and "partners_partnership" in sql]
    assert "organizations_product" not in count
    assert "GROUP BY" not in count
    [products] = [sql for sql in sqls if 'FROM "organizations_product"' in sql and "GROUP BY" in sql]
    counted = re.search(r'"organizations_product"\."organization_id" IN \(([^)]*)\)', products).group(1)
    rows = response.context["clients"]
    assert len(rows) == 50
    assert sorted(int(pk) for pk in counted.split(", ")) == sorted(row.client_id for row in rows)
    assert all(isinstance(row.client_product_count, int) for row in rows)


def test_the_table_is_only_for_a_partners_own_users(
    client, client_org, client_legal, partner_org, partner_legal, clients
):
    # A client organization (not a referenced partner) has no Reseller Area.
    client.force_login(client_legal)
    assert client.get(page_url(client_org)).status_code == 403
    # A partner user acting for a client that is itself a partner sees nothing of the client's clients.
    client_org.is_referenced_partner = True
    client_org.save(update_fields=["is_referenced_partner"])
    PartnershipFactory(client=client_org, partner=partner_org, access="full")
    PartnershipFactory(client=OrganizationFactory(name="Client of the client"), partner=client_org)
    client.force_login(partner_legal)
    response = client.get(page_url(client_org))
    assert response.status_code == 404
    assert "Client of the client" not in response.text


# The API


def test_the_api_searches_filters_sorts_and_pages(partner_org, partner_user, clients):
    api = APIClient()
    api.force_login(partner_user)

    def api_names(query):
        response = api.get(api_url(partner_org, query))
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert api_names("?search=dora@") == ["Dorf Bäckerei"]
    assert api_names("?search=Alpine") == ["Alpine Shop"]
    assert api_names("?access=limited") == ["Chocolat SA", "Dorf Bäckerei"]
    assert api_names("?payment_method=partner") == ["Alpine Shop"]
    assert api_names("?ordering=-products") == ["Alpine Shop", "Dorf Bäckerei", "Chocolat SA", "Bergbahn AG"]
    assert api_names("?ordering=since&page_size=2&page=2") == ["Chocolat SA", "Dorf Bäckerei"]
    page = api.get(api_url(partner_org, "?page_size=3")).json()
    assert page["count"] == 4
    assert "page=2" in page["next"]
    assert "page_size=3" in page["next"]


def test_the_api_refuses_an_unknown_filter_value(partner_org, partner_user, clients):
    api = APIClient()
    api.force_login(partner_user)

    response = api.get(api_url(partner_org, "?access=everything&ordering=price"))

    assert response.status_code == 400
    assert set(response.json()) == {"access", "ordering"}


def test_the_api_denies_who_has_no_reseller_area(client_org, client_legal, partner_org, outsider, clients):
    api = APIClient()
    api.force_login(client_legal)
    assert api.get(api_url(client_org)).status_code == 403
    api.force_login(outsider)
    assert api.get(api_url(partner_org)).status_code == 404
    assert APIClient().get(api_url(partner_org)).status_code == 401


@pytest.mark.parametrize("count", [10, 1000])
def test_the_api_list_costs_the_same_queries_for_10_and_1000_clients(
    partner_org, partner_user, django_assert_max_num_queries, count
):
    bulk_managed_clients(partner_org, count)
    api = APIClient()
    api.force_login(partner_user)

    with django_assert_max_num_queries(API_QUERIES):
        response = api.get(api_url(partner_org, "?search=owner&ordering=-products&page_size=200"))

    assert response.json()["count"] == count


def test_the_waiting_invitations_and_requests_show_the_newest_twenty_of_each(
    client, partner_org, partner_user
):
    """However many are waiting, the page lists the newest 20 invitations received and the newest 20 requests
    sent, and says that more are waiting."""
    now = timezone.now()
    for number in range(23):
        PartnershipFactory(
            partner=partner_org,
            client=OrganizationFactory(name=f"Received {number:02}"),
            status="pending",
            initiated_by="client",
            invitation_sent_at=now - timedelta(minutes=number),
        )
    for number in range(3):
        sent_request(
            partner_org,
            OrganizationFactory(name=f"Sent {number:02}") if number % 2 else None,  # matched or not
            email=f"sent{number:02}@example.com",
            sent_at=now - timedelta(minutes=number),
        )
    client.force_login(partner_user)

    response = client.get(page_url(partner_org))

    received = [partnership.client.name for partnership in response.context["received"]]
    assert received == [f"Received {number:02}" for number in range(20)]
    assert [request.client_email for request in response.context["sent"]] == [
        "sent00@example.com",
        "sent01@example.com",
        "sent02@example.com",
    ]
    assert "More invitations are waiting: the newest 20 are shown." in response.content.decode()
    assert "More requests are waiting" not in response.content.decode()
