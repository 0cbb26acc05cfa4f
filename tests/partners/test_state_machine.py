"""The partnership's state machine, as one table: from each status, each action is done or refused, by the
service and by its page; then who may do each action."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from core.errors import InvalidTransition
from core.models import AuditEvent
from organizations.models import Membership
from partners import services
from partners.models import ClientRequest, Partnership
from tests.factories import PASSWORD, PartnershipFactory
from tests.partners.support import sent_request, state

# These tests are about the pages, not the password step (see test_sudo.py): the window is open.
pytestmark = pytest.mark.usefixtures("recently_confirmed")

REFUSED = "refused with InvalidTransition (the API answers 409)"
ACTIONS = ("accept", "refuse", "resend", "cancel", "change_payment_method", "stop")

# The status each action leads to from each status, or REFUSED (nothing changes).
MACHINE = {
    #           accept    refuse     resend     cancel       change_payment_method  stop
    "pending": ("active", "refused", "pending", "cancelled", REFUSED, REFUSED),
    "active": (REFUSED, REFUSED, REFUSED, REFUSED, "active", "stopped"),
    "refused": (REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED),
    "cancelled": (REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED),
    "stopped": (REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED),
    "expired": (REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED),
}
EVENT = {
    "accept": "partnership.accepted",
    "refuse": "partnership.refused",
    "resend": "partnership.resent",
    "cancel": "partnership.cancelled",
    "change_payment_method": "partnership.payment_method_changed",
    "stop": "partnership.stopped",
}
# What the page answers when the service refuses: the answer and payment pages show the reason in the page;
# resend, delete and stop go back to the list with the reason as an error message.
SHOWN, MESSAGE = "200 with the reason in the page", "302 back with an error message"
PAGE_REFUSAL = {
    "accept": SHOWN,
    "refuse": SHOWN,
    "resend": MESSAGE,
    "cancel": MESSAGE,
    "change_payment_method": SHOWN,
    "stop": MESSAGE,
}
NOT_PENDING = "This invitation is {status}, no longer pending."
REASON = {
    "accept": NOT_PENDING,
    "refuse": NOT_PENDING,
    "resend": NOT_PENDING,
    "cancel": NOT_PENDING,
    "change_payment_method": "Only an active partnership has a payment method to change.",
    "stop": "Only an active partnership can be stopped.",
}
TABLE = [
    pytest.param(status, action, after, id=f"{status}-{action}")
    for status, row in MACHINE.items()
    for action, after in zip(ACTIONS, row, strict=True)
]


def run_service(action, partnership, access):
    """Each action as the side that may do it calls it (a full partnership the client pays)."""
    if action == "accept":
        return services.partnership_accept(access=access, partnership=partnership, password=PASSWORD)
    if action == "refuse":
        return services.partnership_refuse(access=access, partnership=partnership)
    # The partner changes its request as it knows it, by the address it typed.
    by_partner = access.organization.pk == partnership.partner_id and partnership.initiated_by == "partner"
    if action == "resend" and by_partner:
        return services.client_request_resend(access=access, client_request=partnership.client_request)
    if action == "cancel" and by_partner:
        return services.client_request_cancel(access=access, client_request=partnership.client_request)
    if action == "resend":
        return services.partnership_resend(access=access, partnership=partnership)
    if action == "cancel":
        return services.partnership_cancel(access=access, partnership=partnership)
    if action == "change_payment_method":
        return services.partnership_change_payment_method(
            access=access, partnership=partnership, payment_method="partner", password=PASSWORD
        )
    return services.partnership_stop(access=access, partnership=partnership, password=PASSWORD)


def page_request(action, partnership, org_id):
    """The page and the POST that do `action` from the organization `org_id`."""
    kwargs = {"org_id": org_id, "partnership_id": partnership.pk}
    on_partner_side = org_id == partnership.partner_id
    if action in ("accept", "refuse"):
        name = "invitation_answer" if on_partner_side else "partnership_answer"
        data = {"answer": action}
        if not on_partner_side:
            data.update(access=partnership.access, payment_method=partnership.payment_method)
        return reverse(name, kwargs=kwargs), data
    if action in ("resend", "cancel") and on_partner_side:
        # The partner's own requests, by their own ids: an invitation it received is none of them.
        sent = ClientRequest.objects.filter(partnership=partnership).first()
        request_kwargs = {"org_id": org_id, "request_id": sent.pk if sent else partnership.pk}
        name = "request_resend" if action == "resend" else "request_delete"
        return reverse(name, kwargs=request_kwargs), {} if action == "resend" else {"confirmed": "yes"}
    if action == "resend":
        return reverse("partnership_resend", kwargs=kwargs), {}
    if action == "cancel":
        return reverse("partnership_delete", kwargs=kwargs), {"confirmed": "yes"}
    if action == "change_payment_method":
        return reverse("partner_payment_edit", kwargs=kwargs), {"payment_method": "partner"}
    name = "managed_client_stop" if on_partner_side else "partnership_stop"
    return reverse(name, kwargs=kwargs), {"confirmed": "yes", "password": PASSWORD}


def message_levels(response) -> list[str]:
    return [message.level_tag for message in get_messages(response.wsgi_request)]


@pytest.fixture
def sides(client_org, partner_org, client_legal, partner_legal):
    """Who does each action of a client's invitation: the partner answers, the client does the rest."""

    def _side(action):
        if action in ("accept", "refuse"):
            return partner_legal, partner_org
        return client_legal, client_org

    return _side


@pytest.mark.parametrize(("status", "action", "after"), TABLE)
def test_the_service_does_or_refuses_each_action_from_each_status(
    client_org, partner_org, sides, acting, mail_on_commit, status, action, after
):
    partnership = PartnershipFactory(client=client_org, partner=partner_org, status=status)
    user, organization = sides(action)
    before = state()

    if after == REFUSED:
        with pytest.raises(InvalidTransition):
            mail_on_commit(run_service, action, partnership, acting(user, organization))
        assert state() == before, "a refused action must change nothing, send nothing, log nothing"
        return

    mail_on_commit(run_service, action, partnership, acting(user, organization))

    partnership.refresh_from_db()
    assert partnership.status == after
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [EVENT[action]]


@pytest.mark.parametrize(("status", "action", "after"), TABLE)
def test_the_page_does_or_refuses_each_action_from_each_status(
    client, client_org, partner_org, sides, status, action, after
):
    partnership = PartnershipFactory(client=client_org, partner=partner_org, status=status)
    user, organization = sides(action)
    client.force_login(user)
    url, data = page_request(action, partnership, organization.pk)
    before = state()

    response = client.post(url, data)

    if after != REFUSED:
        assert response.status_code == 302
        assert "error" not in message_levels(response)
        partnership.refresh_from_db()
        assert partnership.status == after
        return
    assert state() == before
    reason = REASON[action].format(status=status)
    if PAGE_REFUSAL[action] == SHOWN:
        assert response.status_code == 200
        assert reason in response.text
    else:
        assert response.status_code == 302
        assert [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)] == [
            ("error", reason)
        ]


# Who may do what: the side that sent an invitation resends or deletes it, the other side answers it, only the
# client decides who pays, and only a legal representative of either side stops a partnership.

DONE = "done"
ACTORS = (
    "client_legal",
    "client_admin",
    "client_user",
    "partner_legal",
    "partner_admin",
    "partner_user",
    "outsider",
)


def outcomes(
    *, client_legal, client_admin, client_user, partner_legal, partner_admin, partner_user, outsider
):
    return {
        "client_legal": client_legal,
        "client_admin": client_admin,
        "client_user": client_user,
        "partner_legal": partner_legal,
        "partner_admin": partner_admin,
        "partner_user": partner_user,
        "outsider": outsider,
    }


# For each partnership ("invitation": pending, sent by the client; "request": pending, sent by the partner;
# "active": full access, the client pays) and action: what each person's page answers from their own
# organization. DONE is the only case where the service accepts; every other one is a PermissionDenied.
ANSWER = outcomes(
    client_legal=404, client_admin=404, client_user=404,
    partner_legal=DONE, partner_admin=DONE, partner_user=SHOWN, outsider=404,
)  # fmt: skip
SEND = outcomes(
    client_legal=DONE, client_admin=MESSAGE, client_user=404,
    partner_legal=404, partner_admin=404, partner_user=404, outsider=404,
)  # fmt: skip
ANSWER_REQUEST = outcomes(
    client_legal=DONE, client_admin=SHOWN, client_user=404,
    partner_legal=404, partner_admin=404, partner_user=404, outsider=404,
)  # fmt: skip
SEND_REQUEST = outcomes(
    client_legal=MESSAGE, client_admin=MESSAGE, client_user=404,
    partner_legal=DONE, partner_admin=MESSAGE, partner_user=MESSAGE, outsider=404,
)  # fmt: skip
WHO = {
    ("invitation", "accept"): ANSWER,
    ("invitation", "refuse"): ANSWER,
    ("invitation", "resend"): SEND,
    ("invitation", "cancel"): SEND,
    ("request", "accept"): ANSWER_REQUEST,
    ("request", "refuse"): ANSWER_REQUEST,
    ("request", "resend"): SEND_REQUEST,
    ("request", "cancel"): SEND_REQUEST,
    ("active", "change_payment_method"): outcomes(
        client_legal=DONE, client_admin=403, client_user=403,
        partner_legal=404, partner_admin=403, partner_user=403, outsider=404,
    ),
    ("active", "stop"): outcomes(
        client_legal=DONE, client_admin=403, client_user=404,
        partner_legal=DONE, partner_admin=403, partner_user=403, outsider=404,
    ),
}  # fmt: skip
WHO_TABLE = [
    pytest.param(case, action, actor, page, id=f"{case}-{action}-{actor}")
    for (case, action), by_actor in WHO.items()
    for actor, page in by_actor.items()
]


@pytest.fixture
def everyone(client_org, partner_org):
    """Each actor of the table with the organization they act from (their own)."""

    def _of(request, actor):
        user = request.getfixturevalue(actor)
        return user, Membership.objects.get(user=user).organization

    return _of


# A partner's request is logged as the partner sent it (and, when it withdraws one that reached a client,
# in the client's log too).
REQUEST_EVENTS = {
    "resend": ["client_request.resent"],
    "cancel": ["client_request.withdrawn", "client_request.cancelled"],
}


def events_of(case, action, actor) -> list[str]:
    if case == "request" and actor.startswith("partner") and action in REQUEST_EVENTS:
        return REQUEST_EVENTS[action]
    return [EVENT[action]]


def logged() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def partnership_for_case(case, client_org, partner_org):
    if case == "active":
        return PartnershipFactory(client=client_org, partner=partner_org, status="active")
    if case == "request":  # as the services leave a partner's request whose address matched
        return sent_request(partner_org, client_org, email="legal@helvetia.example").partnership
    return PartnershipFactory(client=client_org, partner=partner_org, status="pending", initiated_by="client")


@pytest.mark.parametrize(("case", "action", "actor", "page"), WHO_TABLE)
def test_who_may_call_each_service(
    request, client_org, partner_org, everyone, acting, mail_on_commit, case, action, actor, page
):
    partnership = partnership_for_case(case, client_org, partner_org)
    user, organization = everyone(request, actor)
    access = acting(user, organization)
    before = state()

    if page != DONE:
        with pytest.raises(PermissionDenied):
            mail_on_commit(run_service, action, partnership, access)
        assert state() == before
        return

    mail_on_commit(run_service, action, partnership, access)
    assert Partnership.objects.get(pk=partnership.pk).status != "pending" or action == "resend"
    assert logged() == events_of(case, action, actor)


@pytest.mark.parametrize(("case", "action", "actor", "page"), WHO_TABLE)
def test_who_may_use_each_page(request, client, client_org, partner_org, everyone, case, action, actor, page):
    partnership = partnership_for_case(case, client_org, partner_org)
    user, organization = everyone(request, actor)
    client.force_login(user)
    url, data = page_request(action, partnership, organization.pk)
    before = state()

    response = client.post(url, data)

    if page == DONE:
        assert response.status_code == 302
        assert "error" not in message_levels(response)
        assert logged() == events_of(case, action, actor)
        return
    assert state() == before
    if page == SHOWN:
        assert response.status_code == 200
        assert 'role="alert"' in response.text
    elif page == MESSAGE:
        assert response.status_code == 302
        assert message_levels(response) == ["error"]
    else:
        assert response.status_code == page


@pytest.mark.parametrize("action", ["change_payment_method", "stop"])
def test_a_partner_acting_inside_the_client_cannot_manage_its_own_partnership(
    client_org, partner_org, partner_legal, acting, action
):
    """Full access makes the partner an administrator of the client, never its legal representative."""
    partnership = PartnershipFactory(client=client_org, partner=partner_org, status="active")
    access = acting(partner_legal, client_org)
    assert access.on_behalf_of == partner_org
    before = state()

    with pytest.raises(PermissionDenied):
        run_service(action, partnership, access)

    assert state() == before
