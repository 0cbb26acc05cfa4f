"""The partner program's pages with the Django test client: Partner (client side), Add a partner, the
payment pencil, Stop Collaboration, Reseller Area → Managed Clients, Add a client, and the answer page."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.sudo import SESSION_KEY, TOO_MANY_WRONG
from partners import services
from partners.models import ClientRequest, Partnership
from tests.factories import (
    PASSWORD,
    OrganizationFactory,
    PartnerProfileFactory,
    PartnershipFactory,
    ProductFactory,
)
from tests.partners.support import mails, mails_to, only_event, sent_request, state

# These tests are about the pages, not the password step (see test_sudo.py): the window is open.
pytestmark = pytest.mark.usefixtures("recently_confirmed")

# Session, user, access, the switcher and the page's own reads, whatever the number of rows.
PARTNER_PAGE_QUERIES = 10
MANAGED_CLIENTS_QUERIES = 12


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_id": org.pk, **kwargs})


def table_row(response, name: str) -> str:
    table = response.text[response.text.index("<tbody>") :]
    row = table[table.index(f">{name}</a>") :]
    return row[: row.index("</tr>")]


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


# Partner (client side)


def test_the_partner_page_lists_live_partnerships_and_then_the_history(client, client_org, client_legal):
    def partner(name):
        return PartnerProfileFactory(organization=OrganizationFactory(name=name)).organization

    for name, status in [
        ("Active Agency", "active"),
        ("Pending Agency", "pending"),
        ("Refused Agency", "refused"),
        ("Stopped Agency", "stopped"),
        ("Cancelled Agency", "cancelled"),
        ("Expired Agency", "expired"),
    ]:
        PartnershipFactory(client=client_org, partner=partner(name), status=status)
    PartnershipFactory(partner=partner("Someone Else's Agency"), status="active")
    client.force_login(client_legal)

    response = client.get(url("partners", client_org))

    assert response.status_code == 200
    live, history = response.text.split(">History</h2>")
    for name in ("Active Agency", "Pending Agency"):
        assert name in live
        assert name not in history
    for name in ("Refused Agency", "Stopped Agency", "Cancelled Agency", "Expired Agency"):
        assert name in history
        assert name not in live
    assert "Someone Else" not in response.text
    assert "Add a partner" in live


def test_the_partner_page_offers_no_management_to_an_administrator(client, client_org, client_admin):
    PartnershipFactory(client=client_org, status="active")
    client.force_login(client_admin)

    response = client.get(url("partners", client_org))

    assert response.status_code == 200
    assert url("partner_add", client_org) not in response.text
    assert "Only a legal representative can add partners" in response.text
    assert "Stop Collaboration" not in response.text


def add_partners(client_org, count):
    for _ in range(count):
        PartnershipFactory(
            client=client_org, access="limited", products=[ProductFactory(organization=client_org)]
        )
        PartnershipFactory(client=client_org, status="stopped")


def test_the_partner_page_needs_as_many_queries_for_fifty_partners_as_for_five(
    client, client_org, client_legal, django_assert_max_num_queries
):
    client.force_login(client_legal)
    page = url("partners", client_org)
    add_partners(client_org, 5)
    client.get(page)  # the first visit also records the organization in the session
    with CaptureQueriesContext(connection) as five:
        assert client.get(page).status_code == 200
    add_partners(client_org, 45)

    with django_assert_max_num_queries(PARTNER_PAGE_QUERIES):
        response = client.get(page)
    with CaptureQueriesContext(connection) as fifty:
        client.get(page)

    assert len(response.context["live"]) == 50
    assert len(response.context["history"]) == 50
    assert len(fifty) == len(five)


# Add a partner


@pytest.fixture
def wizard(client, client_org, client_legal, partner_org):
    """The wizard's POST steps as the browser sends them."""
    client.force_login(client_legal)
    add = url("partner_add", client_org)

    def _step(**data):
        return client.post(add, {"q": "Léman", **data})

    return _step


def test_add_a_partner_with_full_access_through_every_step(
    client, client_org, client_legal, partner_org, partner_legal, wizard, django_capture_on_commit_callbacks
):
    search = client.get(url("partner_add", client_org), {"q": "leman"})
    assert search.status_code == 200
    assert "Léman Digital" in search.text
    assert f'name="partner" value="{partner_org.pk}"' in search.text

    access_step = wizard(step="search", partner=partner_org.pk)
    assert access_step.status_code == 200
    assert "What may Léman Digital do?" in access_step.text

    details_step = wizard(step="access", partner=partner_org.pk, access="full")
    assert details_step.status_code == 200
    assert "Full access: do you also entrust your wallet to Léman Digital?" in details_step.text

    with django_capture_on_commit_callbacks(execute=True):
        done = wizard(step="details", partner=partner_org.pk, access="full", payment_method="partner")

    assert done.status_code == 302
    assert done.url == url("partners", client_org)
    partnership = Partnership.objects.get()
    assert (partnership.client, partnership.partner, partnership.status) == (
        client_org,
        partner_org,
        "pending",
    )
    assert (partnership.access, partnership.payment_method) == ("full", "partner")
    assert messages_of(done)[0][0] == "success"
    assert [message.to for message in mails()] == [["hello@leman.example", "legal@leman.example"]]
    listed = client.get(done.url).text
    assert "Léman Digital SA" in listed
    assert "Resend the invitation" in listed
    assert "Delete the invitation" in listed


def test_add_a_partner_with_limited_access_to_chosen_products(
    client_org, partner_org, granted_product, other_product, wizard
):
    details_step = wizard(step="access", partner=partner_org.pk, access="limited")
    assert "Limited access: choose the products" in details_step.text
    assert "shop.helvetia.example" in details_step.text
    assert "mail.helvetia-group.example" in details_step.text
    elsewhere = ProductFactory(name="not-mine.example")
    assert "not-mine.example" not in details_step.text

    done = wizard(
        step="details",
        partner=partner_org.pk,
        access="limited",
        products=[granted_product.pk, elsewhere.pk],
        payment_method="partner",
    )

    assert done.status_code == 302
    partnership = Partnership.objects.get()
    assert (partnership.access, partnership.payment_method) == ("limited", "client")
    assert list(partnership.products.all()) == [granted_product]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"step": "search"}, "Tick one partner in the search results."),
        ({"step": "access", "partner": "nobody"}, "Tick one partner in the search results."),
        ({"step": "access", "partner": "PARTNER"}, "This field is required."),
        ({"step": "details", "partner": "PARTNER", "access": "limited"}, "Choose at least one product"),
        ({"step": "details", "partner": "PARTNER", "access": "full"}, "This field is required."),
    ],
)
def test_each_wizard_step_says_what_is_missing_and_creates_nothing(partner_org, wizard, data, message):
    if data.get("partner") == "PARTNER":
        data["partner"] = partner_org.pk
    before = state()

    response = wizard(**data)

    assert response.status_code == 200
    assert message in response.text
    assert state() == before


def test_ticking_two_partners_is_refused(partner_org, wizard):
    other = PartnerProfileFactory(public_name="Léman Two").organization

    response = wizard(step="search", partner=[partner_org.pk, other.pk])

    assert "Tick one partner in the search results." in response.text


def test_the_search_finds_referenced_listed_partners_only_and_never_the_organization_itself(
    client, client_org, client_legal, partner_org
):
    PartnerProfileFactory(
        organization=client_org, public_name="Helvetia Reseller", contact_email="x@leman.example"
    )
    PartnerProfileFactory(public_name="Hidden Agency", contact_email="hidden@leman.example", is_listed=False)
    former = PartnerProfileFactory(
        public_name="Former Agency", contact_email="former@leman.example"
    ).organization
    former.is_referenced_partner = False
    former.save()
    PartnerProfileFactory(public_name="Zurich Web", contact_email="sales@leman-zurich.example")
    PartnerProfileFactory(public_name="Geneva Web", contact_email="sales@geneva.example")
    client.force_login(client_legal)

    text = client.get(url("partner_add", client_org), {"q": "LEMAN"}).text

    assert "Léman Digital" in text  # found by its contact email
    assert "Zurich Web" in text
    for absent in ("Helvetia Reseller", "Hidden Agency", "Former Agency", "Geneva Web"):
        assert absent not in text


@pytest.mark.parametrize(
    ("status", "said"), [("pending", "an invitation is pending"), ("active", "it has access")]
)
@pytest.mark.parametrize("step", ["search", "access", "details"])
def test_inviting_a_partner_that_already_has_a_live_partnership_shows_the_error(
    client_org, partner_org, wizard, status, said, step
):
    PartnershipFactory(client=client_org, partner=partner_org, status=status)
    before = state()

    again = wizard(step=step, partner=partner_org.pk, access="full", payment_method="client")

    assert again.status_code == 200
    assert f"Léman Digital: {said}. See the Partner page to resend, delete or stop it." in again.text
    assert state() == before


def test_inviting_the_same_partner_twice_shows_the_error(client_org, partner_org, wizard):
    wizard(step="details", partner=partner_org.pk, access="full", payment_method="client")
    before = state()

    again = wizard(step="details", partner=partner_org.pk, access="full", payment_method="client")

    assert again.status_code == 200
    assert "Léman Digital: an invitation is pending." in again.text
    assert state() == before


@pytest.mark.parametrize("who", ["client_admin", "client_user"])
def test_only_a_legal_representative_may_add_a_partner(request, client, client_org, partner_org, who):
    client.force_login(request.getfixturevalue(who))
    before = state()

    shown = client.get(url("partner_add", client_org), {"q": "Léman"})
    posted = client.post(
        url("partner_add", client_org),
        {"step": "details", "partner": partner_org.pk, "access": "full", "payment_method": "client"},
    )

    for response in (shown, posted):
        assert response.status_code == 403
        assert "You cannot do this" in response.text
    assert state() == before


# Partner detail and the payment pencil


def test_the_pencil_changes_who_pays_and_the_partner_is_emailed(
    client, client_org, client_legal, partner_org, partner_legal, django_capture_on_commit_callbacks
):
    partnership = PartnershipFactory(client=client_org, partner=partner_org, access="full")
    client.force_login(client_legal)
    detail = client.get(url("partner_detail", client_org, partnership_id=partnership.pk)).text
    edit = url("partner_payment_edit", client_org, partnership_id=partnership.pk)
    assert f'href="{edit}" aria-label="Edit payment method"' in detail

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit, {"payment_method": "partner"})

    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.payment_method == "partner"
    assert only_event("partnership.payment_method_changed").actor == client_legal
    [message] = mails_to("legal@leman.example")
    assert "changed who pays" in message.subject


def test_a_limited_partnership_has_no_pencil_and_cannot_be_made_to_pay(
    client, client_org, client_legal, partner_org, granted_product
):
    partnership = PartnershipFactory(
        client=client_org, partner=partner_org, access="limited", products=[granted_product]
    )
    client.force_login(client_legal)
    detail = client.get(url("partner_detail", client_org, partnership_id=partnership.pk)).text
    assert "Edit payment method" not in detail
    assert "shop.helvetia.example" in detail
    before = state()

    response = client.post(
        url("partner_payment_edit", client_org, partnership_id=partnership.pk), {"payment_method": "partner"}
    )

    assert response.status_code == 200
    assert "Only a partner with Full or Billing access can pay for the client." in response.text
    assert state() == before


def test_a_partnership_of_another_client_is_not_found(client, client_org, client_legal):
    elsewhere = PartnershipFactory(status="active")
    client.force_login(client_legal)

    for name in ("partner_detail", "partner_payment_edit", "partnership_stop", "partnership_answer"):
        assert client.get(url(name, client_org, partnership_id=elsewhere.pk)).status_code == 404


# Stop Collaboration


@pytest.mark.parametrize("side", ["client", "partner"])
def test_stop_collaboration_asks_for_a_confirmation_then_the_password(
    client,
    client_org,
    client_legal,
    partner_org,
    partner_legal,
    partner_user,
    side,
    django_capture_on_commit_callbacks,
):
    partnership = PartnershipFactory(client=client_org, partner=partner_org, access="full")
    if side == "client":
        stopper, page = client_legal, url("partnership_stop", client_org, partnership_id=partnership.pk)
        back = url("partners", client_org)
    else:
        stopper, page = partner_legal, url("managed_client_stop", partner_org, partnership_id=partnership.pk)
        back = url("managed_clients", partner_org)
    client.force_login(stopper)
    session = client.session  # outside the password window: the password is asked
    del session[SESSION_KEY]
    session.save()

    first = client.get(page)
    assert first.status_code == 200
    assert 'name="confirmed" value="yes"' in first.text
    assert 'type="password"' not in first.text

    second = client.post(page, {"confirmed": "yes"})
    assert second.status_code == 200
    assert 'type="password"' in second.text
    assert f"enter the password of your account ({stopper.email})" in second.text
    before = state()

    wrong = client.post(page, {"confirmed": "yes", "password": "not-my-password"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors == {"password": ["The password is not correct."]}
    assert state() == before
    assert Partnership.objects.get(pk=partnership.pk).status == "active"

    with django_capture_on_commit_callbacks(execute=True):
        right = client.post(page, {"confirmed": "yes", "password": PASSWORD})
    assert right.status_code == 302
    assert right.url == back
    assert Partnership.objects.get(pk=partnership.pk).status == "stopped"
    assert len(mails()) == 1
    client.force_login(partner_user)
    assert client.get(url("dashboard", client_org)).status_code == 404


def test_stop_collaboration_stops_accepting_passwords_after_too_many_wrong_ones(
    client, client_org, client_legal, partner_org, settings
):
    settings.SIGN_IN_RATE_ACCOUNT_IP = "3/15m"
    partnership = PartnershipFactory(client=client_org, partner=partner_org, access="full")
    page = url("partnership_stop", client_org, partnership_id=partnership.pk)
    client.force_login(client_legal)
    session = client.session
    del session[SESSION_KEY]
    session.save()
    for _ in range(3):
        wrong = client.post(page, {"confirmed": "yes", "password": "not-my-password"})
        assert wrong.context["form"].errors == {"password": ["The password is not correct."]}

    # Even the right password is refused now, with the reason, and nothing is stopped.
    refused = client.post(page, {"confirmed": "yes", "password": PASSWORD})

    assert refused.context["form"].errors == {"password": [TOO_MANY_WRONG]}
    assert Partnership.objects.get(pk=partnership.pk).status == "active"


def test_a_password_without_the_first_confirmation_does_not_stop(
    client, client_org, client_legal, partner_org
):
    partnership = PartnershipFactory(client=client_org, partner=partner_org)
    client.force_login(client_legal)

    response = client.post(
        url("partnership_stop", client_org, partnership_id=partnership.pk), {"password": PASSWORD}
    )

    assert response.status_code == 200
    assert Partnership.objects.get(pk=partnership.pk).status == "active"


# Reseller Area → Managed Clients


def test_managed_clients_lists_the_active_clients_with_access_payment_since_and_products(
    client, partner_org, partner_user
):
    full_client = OrganizationFactory(name="Alpha Bakery")
    ProductFactory(organization=full_client)
    ProductFactory(organization=full_client)
    PartnershipFactory(client=full_client, partner=partner_org, access="full", payment_method="partner")
    PartnershipFactory(client=OrganizationFactory(name="Beta Pending"), partner=partner_org, status="pending")
    PartnershipFactory(
        client=OrganizationFactory(name="Gamma Stopped"), partner=partner_org, status="stopped"
    )
    PartnershipFactory(client=OrganizationFactory(name="Delta Elsewhere"), status="active")
    client.force_login(partner_user)

    response = client.get(url("managed_clients", partner_org))

    assert response.status_code == 200
    clients = list(response.context["clients"])
    assert [p.client.name for p in clients] == ["Alpha Bakery"]
    row = table_row(response, "Alpha Bakery")
    assert "<td>Full</td>" in row
    assert "<td>The partner pays</td>" in row
    assert clients[0].answered_at.strftime("%Y-%m-%d") in row
    assert "<td>2</td>" in row
    assert "Gamma Stopped" not in response.text
    assert "Delta Elsewhere" not in response.text
    assert "Stop Collaboration" not in response.text  # a user of the partner may not stop


def test_the_products_column_counts_only_what_a_limited_partner_manages(
    client, client_org, partner_org, partner_legal, granted_product, other_product
):
    """A limited partner manages the granted products only; the client's other products are none of its
    business (their pages are 404 to it), so Managed Clients must not count them."""
    PartnershipFactory(client=client_org, partner=partner_org, access="limited", products=[granted_product])
    client.force_login(partner_legal)

    response = client.get(url("managed_clients", partner_org))

    row = table_row(response, "Helvetia Web AG")
    assert "<td>Limited</td>" in row
    assert "<td>1</td>" in row, "the limited partner is shown the count of all the client's products"


def add_clients(partner_org, count):
    for number in range(count):
        organization = OrganizationFactory()
        ProductFactory(organization=organization)
        products = [ProductFactory(organization=organization)] if number % 2 else []
        PartnershipFactory(
            client=organization,
            partner=partner_org,
            access="limited" if products else "full",
            products=products,
        )
        PartnershipFactory(client=OrganizationFactory(), partner=partner_org, status="pending")
        PartnershipFactory(
            client=OrganizationFactory(), partner=partner_org, status="pending", initiated_by="partner"
        )


def test_managed_clients_needs_as_many_queries_for_fifty_clients_as_for_five(
    client, partner_org, partner_legal, django_assert_max_num_queries
):
    client.force_login(partner_legal)
    page = url("managed_clients", partner_org)
    add_clients(partner_org, 5)
    client.get(page)  # the first visit also records the organization in the session
    with CaptureQueriesContext(connection) as five:
        assert client.get(page).status_code == 200
    add_clients(partner_org, 45)

    with django_assert_max_num_queries(MANAGED_CLIENTS_QUERIES):
        response = client.get(page)
    with CaptureQueriesContext(connection) as fifty:
        client.get(page)

    assert len(response.context["clients"]) == 50
    assert len(fifty) == len(five)


def test_the_partner_dashboard_opens_each_managed_client(client, client_org, partner_org, partner_user):
    PartnershipFactory(client=client_org, partner=partner_org, access="full")
    client.force_login(partner_user)

    text = client.get(url("dashboard", partner_org)).text

    assert f'href="{url("dashboard", client_org)}"' in text


def test_an_organization_that_is_not_a_partner_has_no_reseller_area(client, client_org, client_legal):
    client.force_login(client_legal)

    assert client.get(url("managed_clients", client_org)).status_code == 403
    assert client.get(url("client_request", client_org)).status_code == 403


def test_received_invitations_wait_on_managed_clients_for_an_answer(
    client, client_org, partner_org, partner_admin, partner_user
):
    invitation = PartnershipFactory(client=client_org, partner=partner_org, status="pending")
    answer = url("invitation_answer", partner_org, partnership_id=invitation.pk)

    client.force_login(partner_admin)
    assert answer in client.get(url("managed_clients", partner_org)).text
    client.force_login(partner_user)
    text = client.get(url("managed_clients", partner_org)).text
    assert "Helvetia Web AG" in text
    assert answer not in text


# Add a client


def test_add_a_client_sends_a_request_to_its_legal_representative(
    client, client_org, client_legal, partner_org, partner_legal, django_capture_on_commit_callbacks
):
    client.force_login(partner_legal)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("client_request", partner_org),
            {"client_email": client_legal.email, "access": "full", "payment_method": "partner"},
        )

    assert response.status_code == 302
    assert_request_answer(client, response)
    partnership = Partnership.objects.get()
    assert (partnership.client, partnership.initiated_by) == (client_org, "partner")
    assert (partnership.access, partnership.payment_method) == ("full", "partner")
    assert [message.to for message in mails()] == [["legal@helvetia.example"]]
    sent = client.get(url("managed_clients", partner_org)).text
    assert "Your requests" in sent
    assert url("request_resend", partner_org, request_id=partnership.client_request.pk) in sent


REQUEST_SENT = "If this address belongs to a legal representative, they will receive your request."


def assert_request_answer(client, response):
    """The answer to "Add a client": the Managed Clients page with one message that names no one."""
    assert response.url == url("managed_clients", response.wsgi_request.access.organization)
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert shown == [REQUEST_SENT]


@pytest.mark.parametrize("email", ["admin@helvetia.example", "nobody@example.com", "legal@leman.example"])
def test_add_a_client_answers_alike_when_the_address_is_no_legal_representatives(
    client,
    client_org,
    client_legal,
    partner_org,
    partner_legal,
    client_admin,
    email,
    django_capture_on_commit_callbacks,
):
    """The page must not tell a partner who is a legal representative: the same redirect and words as for
    a legal representative's address, and no partnership or email behind them (only the partner's own
    record of its request, and its event)."""
    client.force_login(partner_legal)
    before = state()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("client_request", partner_org),
            {"client_email": email, "access": "full", "payment_method": "client"},
        )

    assert response.status_code == 302
    assert_request_answer(client, response)
    assert state() == {**before, "audit_events": before["audit_events"] + 1}


def test_add_a_client_shows_bad_terms_on_their_field(client, partner_org, partner_legal, client_legal):
    client.force_login(partner_legal)
    before = state()

    response = client.post(
        url("client_request", partner_org),
        {"client_email": client_legal.email, "access": "all", "payment_method": "client"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["access"]
    assert state() == before


def test_a_limited_request_never_offers_to_pay(
    client, client_org, client_legal, partner_org, partner_legal, django_capture_on_commit_callbacks
):
    client.force_login(partner_legal)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("client_request", partner_org),
            {"client_email": client_legal.email, "access": "limited", "payment_method": "partner"},
        )

    assert Partnership.objects.get().payment_method == "client"


# The answer page


def test_the_client_answers_a_request_narrowing_it_to_limited(
    client, client_org, client_legal, partner_org, granted_product, other_product
):
    request_ = PartnershipFactory(
        client=client_org,
        partner=partner_org,
        status="pending",
        initiated_by="partner",
        payment_method="partner",
    )
    page = url("partnership_answer", client_org, partnership_id=request_.pk)
    client.force_login(client_legal)
    shown = client.get(page)
    assert "Léman Digital SA asks for access to Helvetia Web AG" in shown.text
    assert "shop.helvetia.example" in shown.text

    response = client.post(
        page,
        {
            "answer": "accept",
            "access": "limited",
            "products": [granted_product.pk],
            "payment_method": "partner",
        },
    )

    assert response.status_code == 302
    assert response.url == url("partners", client_org)
    request_.refresh_from_db()
    assert (request_.status, request_.access, request_.payment_method) == ("active", "limited", "client")
    assert list(request_.products.all()) == [granted_product]


def test_the_answer_page_of_an_expired_invitation_says_so_and_offers_no_buttons(
    client, client_org, partner_org, partner_legal
):
    invitation = PartnershipFactory(client=client_org, partner=partner_org, status="pending")
    Partnership.objects.filter(pk=invitation.pk).update(
        invitation_sent_at=timezone.now() - timedelta(days=20)
    )
    client.force_login(partner_legal)
    page = url("invitation_answer", partner_org, partnership_id=invitation.pk)

    shown = client.get(page)
    assert "This invitation has expired" in shown.text
    assert 'value="accept"' not in shown.text
    before = state()
    posted = client.post(page, {"answer": "accept"})

    assert posted.status_code == 200
    assert "expired" in posted.text
    assert state() == before


def test_resend_and_delete_from_the_partner_page(
    client, client_org, client_legal, partner_org, partner_legal, django_capture_on_commit_callbacks
):
    invitation = PartnershipFactory(client=client_org, partner=partner_org, status="pending")
    nonce = invitation.invitation_nonce
    client.force_login(client_legal)

    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(url("partnership_resend", client_org, partnership_id=invitation.pk))
    assert resent.url == url("partners", client_org)
    assert messages_of(resent)[0][0] == "success"
    assert Partnership.objects.get(pk=invitation.pk).invitation_nonce != nonce
    assert len(mails_to("hello@leman.example")) == 1

    deleted = client.post(
        url("partnership_delete", client_org, partnership_id=invitation.pk), {"confirmed": "yes"}
    )
    assert deleted.url == url("partners", client_org)
    assert Partnership.objects.get(pk=invitation.pk).status == "cancelled"
    assert client.get(url("partnership_resend", client_org, partnership_id=invitation.pk)).status_code == 405


def test_the_pages_send_anonymous_visitors_to_sign_in(client, client_org, partner_org):
    partnership = PartnershipFactory(client=client_org, partner=partner_org)
    for name, org in [
        ("partners", client_org),
        ("partner_add", client_org),
        ("managed_clients", partner_org),
        ("client_request", partner_org),
    ]:
        assert client.get(url(name, org)).url.startswith(reverse("login"))
    assert client.get(url("partner_detail", client_org, partnership_id=partnership.pk)).status_code == 302


def test_after_a_stop_the_partner_user_is_sent_home_to_its_own_organization(
    client, client_org, client_legal, partner_org, partner_user, acting
):
    partnership = PartnershipFactory(client=client_org, partner=partner_org, access="full")
    client.force_login(partner_user)
    assert client.get(url("dashboard", client_org)).status_code == 200
    assert client.get(reverse("home")).url == url("dashboard", client_org)  # the last organization shown

    services.partnership_stop(
        access=acting(client_legal, client_org), partnership=partnership, password=PASSWORD
    )

    assert client.get(url("dashboard", client_org)).status_code == 404
    assert client.get(reverse("home")).url == url("dashboard", partner_org)


# Deleting asks first; pending invitations say when they expire; expired requests stay in sight


def short_date(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")


def test_deleting_an_invitation_asks_first_and_a_bare_post_changes_nothing(
    client, client_org, client_legal, partner_org
):
    invitation = PartnershipFactory(client=client_org, partner=partner_org, status="pending")
    client.force_login(client_legal)
    delete_url = url("partnership_delete", client_org, partnership_id=invitation.pk)
    partner_page = client.get(url("partners", client_org))
    assert f'href="{delete_url}"' in partner_page.text
    before = state()

    asked = client.get(delete_url)
    bare_post = client.post(delete_url)

    for response in (asked, bare_post):
        assert response.status_code == 200
        assert "Delete the invitation to" in response.text
        assert 'name="confirmed" value="yes"' in response.text
    assert state() == before
    done = client.post(delete_url, {"confirmed": "yes"})
    assert done.url == url("partners", client_org)
    assert Partnership.objects.get(pk=invitation.pk).status == "cancelled"


def test_deleting_a_request_asks_the_partner_first(client, client_org, partner_org, partner_legal):
    request = sent_request(partner_org, client_org, email="legal@helvetia.example")
    client.force_login(partner_legal)
    delete_url = url("request_delete", partner_org, request_id=request.pk)
    assert f'href="{delete_url}"' in client.get(url("managed_clients", partner_org)).text
    before = state()

    asked = client.get(delete_url)

    assert "Delete your request to legal@helvetia.example?" in asked.text
    assert state() == before
    client.post(delete_url, {"confirmed": "yes"})
    assert Partnership.objects.get(pk=request.partnership_id).status == "cancelled"
    assert ClientRequest.objects.get(pk=request.pk).status == "cancelled"


def test_the_delete_confirmation_is_refused_to_the_side_that_did_not_send_it(
    client, client_org, partner_org, partner_legal, client_user, client_legal
):
    invitation = PartnershipFactory(client=client_org, partner=partner_org, status="pending")
    client.force_login(partner_legal)
    # The partner's requests are its own records: an invitation it received is none of them.
    assert client.get(url("request_delete", partner_org, request_id=invitation.pk)).status_code == 404

    client.force_login(client_user)
    assert client.get(url("partnership_delete", client_org, partnership_id=invitation.pk)).status_code in (
        403,
        404,
    )

    Partnership.objects.filter(pk=invitation.pk).update(status="refused")
    client.force_login(client_legal)
    answered = client.get(url("partnership_delete", client_org, partnership_id=invitation.pk))
    assert messages_of(answered) == [("error", "This invitation is refused, no longer pending.")]


def test_pending_invitations_and_requests_say_when_they_expire_on_both_sides(
    client, client_org, client_legal, partner_org, partner_legal, settings
):
    settings.PARTNER_INVITATION_MAX_AGE_DAYS = 14
    sent_at = timezone.now() - timedelta(days=3)
    invitation = PartnershipFactory(client=client_org, partner=partner_org, status="pending")
    sent_request(partner_org, OrganizationFactory(name="Other Client AG"), sent_at=sent_at)
    Partnership.objects.filter(pk=invitation.pk).update(invitation_sent_at=sent_at)
    expiry = short_date(sent_at + timedelta(days=14))

    client.force_login(client_legal)
    assert f"expires {expiry}" in client.get(url("partners", client_org)).text
    client.force_login(partner_legal)
    managed = client.get(url("managed_clients", partner_org)).text
    assert managed.count(f"expires {expiry}") == 2  # the invitation received and the request sent
    answer = client.get(url("invitation_answer", partner_org, partnership_id=invitation.pk)).text
    assert "Expires" in answer


def test_a_pending_invitation_past_its_limit_says_it_has_expired(
    client, client_org, client_legal, partner_org
):
    invitation = PartnershipFactory(client=client_org, partner=partner_org, status="pending")
    Partnership.objects.filter(pk=invitation.pk).update(
        invitation_sent_at=timezone.now() - timedelta(days=20)
    )
    client.force_login(client_legal)
    assert "expired " in client.get(url("partners", client_org)).text


def test_the_partner_sees_its_expired_requests_for_thirty_days(client, partner_org, partner_legal, settings):
    settings.PARTNER_INVITATION_MAX_AGE_DAYS = 14
    recent = sent_request(
        partner_org,
        OrganizationFactory(name="Recently Expired AG"),
        email="recent@example.com",
        sent_at=timezone.now() - timedelta(days=16),
        partnership_status="expired",
    )
    sent_request(partner_org, email="long@example.com", sent_at=timezone.now() - timedelta(days=14 + 31))
    client.force_login(partner_legal)

    page = client.get(url("managed_clients", partner_org)).text

    assert "Expired requests" in page
    assert "recent@example.com" in page
    assert "Recently Expired AG" not in page, "the partner knows its request by the address it typed"
    assert f"expired {short_date(recent.expires_at)}" in page
    assert "long@example.com" not in page


def test_the_periodic_expiry_moves_a_request_to_the_expired_list(client, partner_org, partner_legal):
    sent_request(
        partner_org,
        OrganizationFactory(name="Silent Client AG"),
        email="silent@example.com",
        sent_at=timezone.now() - timedelta(days=20),
    )
    services.partnerships_expire_stale()
    client.force_login(partner_legal)
    page = client.get(url("managed_clients", partner_org)).text
    expired_section = page[page.index("Expired requests") :]
    assert "silent@example.com" in expired_section


def test_a_billing_request_from_the_page_has_the_partner_pay(
    client, client_org, client_legal, partner_org, partner_legal, django_capture_on_commit_callbacks
):
    client.force_login(partner_legal)
    page = client.get(url("client_request", partner_org)).content.decode()
    assert "Payment (Full or Billing access)" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("client_request", partner_org),
            {"client_email": client_legal.email, "access": "billing", "payment_method": "partner"},
        )

    assert response.status_code == 302
    partnership = Partnership.objects.get()
    assert (partnership.access, partnership.payment_method) == ("billing", "partner")
