"""Handover between partners: the client's transfer code (shown once, stored hashed, 14 days, once), the new
partner taking over in one transaction with the same access, products, who pays and end, one handover in
the client's log, everyone emailed; and the denials (expired, used twice, wrong, not the right people)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.errors import InvalidTransition
from core.models import AuditEvent
from organizations.access import resolve_access
from organizations.models import Role
from partners import services
from partners.models import Partnership, TransferCode
from tests.factories import PASSWORD, OrganizationFactory, PartnerProfileFactory, PartnershipFactory, member
from tests.partners.support import log_of, mails, state
from tests.partners.test_concurrency import run_together


@pytest.fixture
def current(client_org, partner_org, client_legal, partner_legal, granted_product, other_product):
    """The client's Full partnership with Léman Digital, the partner paying, ending in 50 days."""
    return PartnershipFactory(
        client=client_org,
        partner=partner_org,
        access="full",
        payment_method="partner",
        ends_at=timezone.now() + timedelta(days=50),
    )


@pytest.fixture
def newcomer(db):
    organization = PartnerProfileFactory(organization__name="Basel Web AG").organization
    member(organization, Role.LEGAL_REPRESENTATIVE, email="legal@basel.example")
    return organization


@pytest.fixture
def newcomer_legal(newcomer):
    return newcomer.memberships.get(role=Role.LEGAL_REPRESENTATIVE).user


@pytest.fixture
def code_for(client_org, client_legal, acting):
    def _code_for(partnership):
        code, _record = services.partnership_transfer_code_create(
            access=acting(client_legal, client_org), partnership=partnership, password=PASSWORD
        )
        return code

    return _code_for


def test_the_code_is_shown_once_and_only_its_hash_is_kept(current, client_org, client_legal, acting):
    code, record = services.partnership_transfer_code_create(
        access=acting(client_legal, client_org), partnership=current, password=PASSWORD
    )
    assert len(code) == 19
    assert code not in str(list(TransferCode.objects.values()))
    assert record.expires_at - record.created_at == timedelta(days=14)
    assert AuditEvent.objects.filter(action="partnership.transfer_code_created").count() == 1


def test_the_new_partner_takes_over_with_the_same_terms_in_one_step(
    current,
    client_org,
    partner_org,
    client_legal,
    partner_legal,
    partner_user,
    newcomer,
    newcomer_legal,
    acting,
    code_for,
    granted_product,
    django_capture_on_commit_callbacks,
):
    current.products.set([granted_product])  # kept as recorded, even with Full access
    code = code_for(current)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.partnership_handover_accept(access=acting(newcomer_legal, newcomer), code=code.lower())

    current.refresh_from_db()
    assert (current.status, current.ended_by) == ("handover", newcomer_legal)
    assert (new.client, new.partner, new.status) == (client_org, newcomer, "active")
    assert (new.access, new.payment_method, new.ends_at) == ("full", "partner", current.ends_at)
    assert list(new.products.all()) == [granted_product]
    assert resolve_access(partner_user, client_org) is None
    assert resolve_access(newcomer_legal, client_org).partnership == new
    # One handover in the client's log, which the new partner sees; the former partner is told in its own.
    client_events = [event.action for event in log_of(client_org) if event.action.startswith("partnership.h")]
    assert client_events == ["partnership.handed_over"]
    assert "partnership.handed_over" in [event.action for event in log_of(newcomer)]
    assert "partnership.handed_over_away" in [event.action for event in log_of(partner_org)]
    [message] = mails()
    for address in (client_legal.email, partner_legal.email, newcomer_legal.email):
        assert address in message.recipients
    assert message.subject == f"{client_org.name} moved from {partner_org.name} to {newcomer.name}"


def test_a_code_used_twice_is_refused_the_second_time(current, newcomer, newcomer_legal, acting, code_for):
    code = code_for(current)
    services.partnership_handover_accept(access=acting(newcomer_legal, newcomer), code=code)
    third = PartnerProfileFactory(organization__name="Chur Sites AG").organization
    third_legal = member(third, Role.LEGAL_REPRESENTATIVE)
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.partnership_handover_accept(access=acting(third_legal, third), code=code)
    assert refused.value.message_dict == {"code": ["This transfer code has already been used."]}
    assert state() == before


def test_an_expired_code_is_refused(current, newcomer, newcomer_legal, acting, code_for):
    code = code_for(current)
    with time_machine.travel(timezone.now() + timedelta(days=14, seconds=1), tick=False):
        before = state()
        with pytest.raises(ValidationError) as refused:
            services.partnership_handover_accept(access=acting(newcomer_legal, newcomer), code=code)
        assert "expired" in refused.value.message_dict["code"][0]
        assert state() == before


def test_a_wrong_code_and_a_replaced_code_are_refused(current, newcomer, newcomer_legal, acting, code_for):
    first = code_for(current)
    code_for(current)  # a new code cancels the first
    access = acting(newcomer_legal, newcomer)
    for code in (first, "AAAA-BBBB-CCCC-DDDD", ""):
        with pytest.raises(ValidationError) as refused:
            services.partnership_handover_accept(access=access, code=code)
        assert "not valid" in refused.value.message_dict["code"][0]
    assert Partnership.objects.get(pk=current.pk).status == "active"


def test_who_may_create_and_use_a_code(
    current, client_org, client_admin, partner_org, partner_legal, newcomer, acting, code_for
):
    with pytest.raises(PermissionDenied):  # a client's administrator does not manage partners
        services.partnership_transfer_code_create(
            access=acting(client_admin, client_org), partnership=current, password=PASSWORD
        )
    with pytest.raises(PermissionDenied):  # the partner cannot hand its client over itself
        services.partnership_transfer_code_create(
            access=acting(partner_legal, partner_org), partnership=current, password=PASSWORD
        )
    code = code_for(current)
    newcomer_admin = member(newcomer, Role.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):  # only the new partner's legal representative takes over
        services.partnership_handover_accept(access=acting(newcomer_admin, newcomer), code=code)
    with pytest.raises(ValidationError):  # the current partner cannot use it on itself
        services.partnership_handover_accept(access=acting(partner_legal, partner_org), code=code)
    not_a_partner = OrganizationFactory(name="Plain GmbH")
    plain_legal = member(not_a_partner, Role.LEGAL_REPRESENTATIVE)
    with pytest.raises(PermissionDenied):
        services.partnership_handover_accept(access=acting(plain_legal, not_a_partner), code=code)
    assert Partnership.objects.get(pk=current.pk).status == "active"


def test_a_code_needs_the_password(current, client_org, client_legal, acting):
    with pytest.raises(ValidationError) as refused:
        services.partnership_transfer_code_create(
            access=acting(client_legal, client_org), partnership=current, password="wrong"
        )
    assert "password" in refused.value.message_dict
    assert not TransferCode.objects.exists()


def test_a_stopped_partnership_cannot_be_handed_over(
    current, client_org, client_legal, newcomer, newcomer_legal, acting, code_for
):
    code = code_for(current)
    services.partnership_stop(access=acting(client_legal, client_org), partnership=current, password=PASSWORD)
    with pytest.raises(InvalidTransition):
        services.partnership_handover_accept(access=acting(newcomer_legal, newcomer), code=code)


@pytest.mark.django_db(transaction=True)
def test_two_partners_entering_the_same_code_at_once_one_wins(
    shared_database, client_org, partner_org, client_legal
):
    current = PartnershipFactory(client=client_org, partner=partner_org, access="full")
    code, _record = services.partnership_transfer_code_create(
        access=resolve_access(client_legal, client_org), partnership=current, password=PASSWORD
    )
    takers = []
    for name in ("Basel Web AG", "Chur Sites AG"):
        organization = PartnerProfileFactory(organization__name=name).organization
        takers.append((member(organization, Role.LEGAL_REPRESENTATIVE), organization))

    def take(user, organization):
        def prepare():
            access = resolve_access(user, organization)
            return lambda: services.partnership_handover_accept(access=access, code=code)

        return prepare

    outcomes = run_together(*(take(user, organization) for user, organization in takers))
    won = [outcome for outcome in outcomes if isinstance(outcome, Partnership)]
    lost = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    assert Partnership.objects.filter(client=client_org, status="active").count() == 1
    assert AuditEvent.objects.filter(action="partnership.handed_over").count() == 1
    current.refresh_from_db()
    assert current.status == "handover"
