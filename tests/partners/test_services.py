"""Partner program services on the database: the outcome, the audit event both organizations see, the emails
sent once committed, and nothing written when a call is refused."""

import re
from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from core.models import AuditEvent
from organizations.access import organizations_of, resolve_access
from organizations.models import Membership, Product, Role
from partners import services
from partners.invitations import read_invitation_token
from partners.models import ClientRequest, PartnerProfile, Partnership
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    PartnerProfileFactory,
    PartnershipFactory,
    ProductFactory,
    member,
)
from tests.partners.support import assert_in_both_logs, log_of, mails, only_event, state

LINK = re.compile(r"/invitations/([^/\s]+)/")


def error_fields(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


def link_token(message) -> str:
    [token] = LINK.findall(message.body)
    return token


@pytest.fixture
def invite(client_org, client_legal, acting, mail_on_commit):
    """The client's legal representative invites a partner; emails are sent as on commit."""

    def _invite(partner, **terms):
        terms.setdefault("access_level", "full")
        terms.setdefault("password_confirmed", True)
        return mail_on_commit(
            services.partnership_invite, access=acting(client_legal, client_org), partner=partner, **terms
        )

    return _invite


@pytest.fixture
def request_access(partner_org, partner_legal, acting, mail_on_commit):
    """The partner's legal representative asks a client for access ("Add a client")."""

    def _request(client_email, **terms):
        """The request the address reached, if any (the service itself answers the same for every address)."""
        terms.setdefault("access_level", "full")
        newest = Partnership.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        answer = mail_on_commit(
            services.partnership_request,
            access=acting(partner_legal, partner_org),
            client_email=client_email,
            **terms,
        )
        assert answer == ClientRequest.objects.get(partner=partner_org, pk=answer.pk)  # for every address
        return Partnership.objects.filter(pk__gt=newest, partner=partner_org).first()

    return _request


@pytest.fixture
def pending(client_org, partner_org, client_legal, partner_legal, partner_admin, partner_user, invite):
    """A full-access invitation from the client, sent through the service, waiting for the partner."""
    return invite(partner_org)


@pytest.fixture
def active(client_org, partner_org, client_legal, partner_legal, partner_user):
    return PartnershipFactory(client=client_org, partner=partner_org, status="active", access="full")


# Invite


class TestInvite:
    def test_full_access_creates_a_pending_invitation_the_partner_is_emailed_about(
        self, client_org, partner_org, client_legal, partner_legal, partner_admin, partner_user, invite
    ):
        partnership = invite(partner_org, access_level="full", payment_method="partner")

        assert partnership.status == "pending"
        assert (partnership.client, partnership.partner) == (client_org, partner_org)
        assert (partnership.access, partnership.payment_method) == ("full", "partner")
        assert partnership.initiated_by == "client"
        assert partnership.created_by == client_legal
        assert list(partnership.products.all()) == []
        event = only_event("partnership.invited")
        assert (event.actor, event.organization, event.counterparty) == (
            client_legal,
            client_org,
            partner_org,
        )
        assert event.changes == {"access": "full", "payment_method": "partner", "products": []}
        assert_in_both_logs(event, client_org, partner_org)
        [message] = mails()
        assert message.to == ["hello@leman.example", "admin@leman.example", "legal@leman.example"]
        assert "user@leman.example" not in message.recipients
        assert "Helvetia Web AG invites Léman Digital SA" in message.subject
        assert read_invitation_token(link_token(message)).partnership_id == partnership.pk

    def test_a_contact_address_that_is_also_a_legal_representatives_is_emailed_once(
        self, client_org, partner_org, partner_legal, invite
    ):
        partner_org.partner_profile.contact_email = "Legal@Leman.example"
        partner_org.partner_profile.save()

        invite(partner_org)

        [message] = mails()
        assert message.to == ["legal@leman.example"]

    def test_limited_access_grants_the_chosen_products_of_the_client(
        self, client_org, partner_org, partner_legal, granted_product, other_product, invite
    ):
        partnership = invite(partner_org, access_level="limited", products=[granted_product])

        assert partnership.access == "limited"
        assert partnership.payment_method == "client"
        assert list(partnership.products.all()) == [granted_product]
        assert only_event("partnership.invited").changes["products"] == [granted_product.pk]
        [message] = mails()
        assert "Products: shop.helvetia.example (Web hosting)\n" in message.body

    def test_full_access_grants_everything_and_drops_a_product_list(
        self, client_org, partner_org, granted_product, invite
    ):
        partnership = invite(partner_org, access_level="full", products=[granted_product])

        assert list(partnership.products.all()) == []

    def test_only_a_referenced_partner_listed_in_the_directory_can_be_invited(
        self, client_org, client_legal, invite
    ):
        stranger = OrganizationFactory(name="Not A Partner")
        former = PartnerProfileFactory().organization
        former.is_referenced_partner = False
        former.save()
        unlisted = PartnerProfileFactory(is_listed=False).organization
        before = state()

        for organization in (stranger, former, unlisted):
            with pytest.raises(ValidationError) as excinfo:
                invite(organization)
            assert error_fields(excinfo) == {"partner"}
        assert state() == before

    def test_an_organization_cannot_be_its_own_partner(self, client_org, client_legal, invite):
        PartnerProfileFactory(organization=client_org)
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            invite(client_org)

        assert excinfo.value.message_dict["partner"] == ["An organization cannot be its own partner."]
        assert state() == before

    @pytest.mark.parametrize("live_status", ["pending", "active"])
    def test_a_second_live_partnership_with_the_same_partner_is_refused_on_partner(
        self, client_org, partner_org, client_legal, invite, live_status
    ):
        PartnershipFactory(client=client_org, partner=partner_org, status=live_status)
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            invite(partner_org)

        assert excinfo.value.message_dict["partner"] == [
            "There is already a pending invitation or an active partnership."
        ]
        assert state() == before

    @pytest.mark.parametrize("ended_status", ["refused", "cancelled", "stopped", "expired"])
    def test_a_partner_can_be_invited_again_once_the_previous_partnership_ended(
        self, client_org, partner_org, client_legal, invite, ended_status
    ):
        PartnershipFactory(client=client_org, partner=partner_org, status=ended_status)

        partnership = invite(partner_org)

        assert partnership.status == "pending"
        assert Partnership.objects.filter(client=client_org, partner=partner_org).count() == 2

    @pytest.mark.parametrize(
        ("terms", "field"),
        [
            ({"access_level": "limited", "products": []}, "products"),
            ({"access_level": "limited"}, "products"),
            ({"access_level": "limited", "products": "other-organization"}, "products"),
            (
                {"access_level": "limited", "products": "granted", "payment_method": "partner"},
                "payment_method",
            ),
            ({"access_level": "everything"}, "access"),
            ({"access_level": "full", "payment_method": "nobody"}, "payment_method"),
        ],
    )
    def test_terms_the_rules_forbid_are_refused_on_their_field(
        self, client_org, partner_org, client_legal, granted_product, invite, terms, field
    ):
        """Limited access needs products of the client; only a partner with Full access may pay."""
        if terms.get("products") == "granted":
            terms["products"] = [granted_product]
        elif terms.get("products") == "other-organization":
            terms["products"] = [ProductFactory()]
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            invite(partner_org, **terms)

        assert field in error_fields(excinfo)
        assert state() == before

    @pytest.mark.parametrize("inviter", ["client_admin", "client_user"])
    def test_only_a_legal_representative_invites(self, request, client_org, partner_org, acting, inviter):
        user = request.getfixturevalue(inviter)
        before = state()

        with pytest.raises(PermissionDenied):
            services.partnership_invite(
                access=acting(user, client_org), partner=partner_org, access_level="full"
            )

        assert state() == before

    def test_a_full_partner_cannot_invite_partners_for_its_client(
        self, client_org, partner_org, partner_legal, acting
    ):
        PartnershipFactory(client=client_org, partner=partner_org, status="active")
        another = PartnerProfileFactory().organization
        before = state()

        with pytest.raises(PermissionDenied):
            services.partnership_invite(
                access=acting(partner_legal, client_org), partner=another, access_level="full"
            )

        assert state() == before


# Request ("Add a client")


class TestRequest:
    def test_the_partner_asks_a_client_for_access_by_the_email_of_its_legal_representative(
        self, client_org, partner_org, client_legal, client_admin, partner_legal, request_access
    ):
        partnership = request_access(
            "  LEGAL@Helvetia.example ", access_level="full", payment_method="partner"
        )

        assert partnership.status == "pending"
        assert (partnership.client, partnership.partner) == (client_org, partner_org)
        assert partnership.initiated_by == "partner"
        assert (partnership.access, partnership.payment_method) == ("full", "partner")
        sent = only_event("client_request.sent")
        assert (sent.actor, sent.organization, sent.counterparty) == (partner_legal, partner_org, None)
        assert sent.changes["client_email"] == "legal@helvetia.example"
        received = only_event("client_request.received")
        assert (received.actor, received.organization, received.counterparty) == (
            partner_legal,
            client_org,
            partner_org,
        )
        assert received in log_of(client_org)
        assert received not in log_of(partner_org), "the partner's log would tell the address matched"
        assert partnership.client_request.client_email == "legal@helvetia.example"
        assert partnership.invitation_sent_at == partnership.client_request.sent_at
        [message] = mails()
        assert message.to == ["legal@helvetia.example"]
        assert "Léman Digital SA asks for access to Helvetia Web AG" in message.subject
        assert read_invitation_token(link_token(message)).partnership_id == partnership.pk

    @pytest.mark.parametrize(
        "email",
        ["nobody@example.com", "admin@helvetia.example", "user@helvetia.example", "legal@leman.example"],
    )
    def test_an_email_that_is_no_legal_representative_of_a_client_gets_the_same_answer_and_nothing_else(
        self, client_org, client_admin, client_user, partner_org, partner_legal, request_access, email
    ):
        """ "Add a client" must not tell a partner who is a legal representative: the request is recorded and
        logged for the partner as for a legal representative's address, and nothing else: no partnership, no
        email, nothing in any other log."""
        before = state()

        assert request_access(email) is None

        assert state() == {**before, "audit_events": before["audit_events"] + 1}
        assert only_event("client_request.sent").organization == partner_org
        assert ClientRequest.objects.get().client_email == email
        assert mails() == []

    def test_a_person_representing_several_organizations_gets_the_same_answer_and_no_request(
        self, client_org, client_legal, partner_org, partner_legal, request_access
    ):
        MembershipFactory(
            user=client_legal, organization=OrganizationFactory(), role=Role.LEGAL_REPRESENTATIVE
        )
        before = state()

        assert request_access(client_legal.email) is None

        assert state() == {**before, "audit_events": before["audit_events"] + 1}
        assert mails() == []

    def test_a_limited_request_cannot_offer_to_pay(
        self, client_org, client_legal, partner_org, partner_legal, request_access
    ):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            request_access(client_legal.email, access_level="limited", payment_method="partner")

        assert error_fields(excinfo) == {"payment_method"}
        assert state() == before

    @pytest.mark.parametrize("email", ["legal@helvetia.example", "nobody@example.com"])
    def test_bad_terms_are_refused_alike_for_any_address(
        self, client_org, client_legal, partner_org, partner_legal, request_access, email
    ):
        with pytest.raises(ValidationError) as excinfo:
            request_access(email, access_level="everything")

        assert excinfo.value.message_dict == {
            "access": ["Choose an access: Limited, Full, Technical, Read-only or Billing."]
        }

    def test_a_second_request_while_one_is_pending_adds_nothing_and_says_nothing_more(
        self, client_org, client_legal, partner_org, partner_legal, request_access
    ):
        request_access(client_legal.email)
        before, sent = state(), mails()

        assert request_access(client_legal.email) is None

        assert state() == {**before, "audit_events": before["audit_events"] + 1}  # the partner's own record
        assert mails() == sent

    @pytest.mark.parametrize("requester", ["partner_admin", "partner_user"])
    def test_only_the_partners_legal_representative_asks(
        self, request, client_org, client_legal, partner_org, acting, requester
    ):
        user = request.getfixturevalue(requester)
        before = state()

        with pytest.raises(PermissionDenied):
            services.partnership_request(
                access=acting(user, partner_org), client_email=client_legal.email, access_level="full"
            )

        assert state() == before

    def test_an_organization_that_is_not_a_referenced_partner_cannot_ask(
        self, client_org, client_legal, outsider, acting
    ):
        [membership] = Membership.objects.filter(user=outsider)
        before = state()

        with pytest.raises(PermissionDenied):
            services.partnership_request(
                access=acting(outsider, membership.organization),
                client_email=client_legal.email,
                access_level="full",
            )

        assert state() == before


# Resend and cancel


class TestResendAndCancel:
    def test_resending_gives_a_new_link_kills_the_old_one_and_emails_again(
        self, client_org, partner_org, client_legal, pending, acting, mail_on_commit
    ):
        [first] = mails()
        old_nonce, old_token = pending.invitation_nonce, link_token(first)
        Partnership.objects.filter(pk=pending.pk).update(
            invitation_sent_at=timezone.now() - timedelta(days=3)
        )

        mail_on_commit(
            services.partnership_resend, access=acting(client_legal, client_org), partnership=pending
        )

        pending.refresh_from_db()
        assert pending.status == "pending"
        assert pending.invitation_nonce != old_nonce
        assert timezone.now() - pending.invitation_sent_at < timedelta(minutes=1)
        assert read_invitation_token(old_token).nonce == old_nonce != pending.invitation_nonce
        _first, second = mails()
        assert second.to == first.to
        new_token = link_token(second)
        assert new_token != old_token
        assert read_invitation_token(new_token).nonce == pending.invitation_nonce
        assert_in_both_logs(only_event("partnership.resent"), client_org, partner_org)

    def test_a_stale_invitation_can_be_resent_and_becomes_answerable_again(
        self, client_org, partner_org, client_legal, partner_legal, pending, acting
    ):
        Partnership.objects.filter(pk=pending.pk).update(
            invitation_sent_at=timezone.now() - timedelta(days=15)
        )
        services.partnership_resend(access=acting(client_legal, client_org), partnership=pending)

        services.partnership_accept(access=acting(partner_legal, partner_org), partnership=pending)

        assert Partnership.objects.get(pk=pending.pk).status == "active"

    def test_the_partner_resends_its_own_request_to_the_client(
        self, client_org, client_legal, partner_org, partner_legal, request_access, acting, mail_on_commit
    ):
        partnership = request_access(client_legal.email)

        mail_on_commit(
            services.client_request_resend,
            access=acting(partner_legal, partner_org),
            client_request=partnership.client_request,
        )

        assert [message.to for message in mails()] == [["legal@helvetia.example"]] * 2
        assert only_event("client_request.resent") in log_of(partner_org)
        with pytest.raises(PermissionDenied):  # not as a partnership: the partner knows it by its address
            services.partnership_resend(access=acting(partner_legal, partner_org), partnership=partnership)

    def test_deleting_an_invitation_keeps_it_in_the_history_as_cancelled(
        self, client_org, partner_org, client_legal, pending, acting
    ):
        services.partnership_cancel(access=acting(client_legal, client_org), partnership=pending)

        pending.refresh_from_db()
        assert pending.status == "cancelled"
        assert pending.ended_by == client_legal
        assert pending.ended_at is not None
        assert not Partnership.objects.live().exists()
        assert_in_both_logs(only_event("partnership.cancelled"), client_org, partner_org)


# Accept


class TestAcceptAnInvitation:
    def test_the_partner_accepts_as_sent_and_its_users_get_access_at_once(
        self,
        client_org,
        partner_org,
        client_legal,
        partner_legal,
        partner_user,
        pending,
        acting,
        mail_on_commit,
    ):
        assert resolve_access(partner_user, client_org) is None

        mail_on_commit(
            services.partnership_accept, access=acting(partner_legal, partner_org), partnership=pending
        )

        pending.refresh_from_db()
        assert pending.status == "active"
        assert pending.answered_by == partner_legal
        assert pending.answered_at is not None
        access = resolve_access(partner_user, client_org)
        assert access.partnership == pending
        assert access.on_behalf_of == partner_org
        event = only_event("partnership.accepted")
        assert (event.actor, event.organization, event.counterparty) == (
            partner_legal,
            partner_org,
            client_org,
        )
        assert_in_both_logs(event, client_org, partner_org)
        accepted = mails()[-1]
        assert "Léman Digital SA now manages Helvetia Web AG" in accepted.subject
        assert set(accepted.to) == {
            "legal@helvetia.example",
            "hello@leman.example",
            "legal@leman.example",
            "admin@leman.example",
        }

    def test_an_administrator_of_the_partner_may_accept(self, partner_org, partner_admin, pending, acting):
        services.partnership_accept(access=acting(partner_admin, partner_org), partnership=pending)

        assert Partnership.objects.get(pk=pending.pk).status == "active"

    @pytest.mark.parametrize(
        "terms", [{"access_level": "limited"}, {"payment_method": "partner"}, {"products": []}]
    )
    def test_the_partner_cannot_change_what_the_client_offered(
        self, partner_org, partner_legal, pending, acting, terms
    ):
        before = state()

        with pytest.raises(ValidationError):
            services.partnership_accept(
                access=acting(partner_legal, partner_org), partnership=pending, **terms
            )

        assert state() == before

    def test_an_invitation_older_than_its_link_cannot_be_accepted(
        self, partner_org, partner_legal, pending, acting
    ):
        Partnership.objects.filter(pk=pending.pk).update(
            invitation_sent_at=timezone.now() - timedelta(days=15)
        )
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.partnership_accept(access=acting(partner_legal, partner_org), partnership=pending)

        assert "expired" in excinfo.value.messages[0]
        assert state() == before

    def test_an_invitation_just_inside_its_fourteen_days_can_be_accepted(
        self, partner_org, partner_legal, pending, acting
    ):
        Partnership.objects.filter(pk=pending.pk).update(
            invitation_sent_at=timezone.now() - timedelta(days=14) + timedelta(minutes=5)
        )

        services.partnership_accept(access=acting(partner_legal, partner_org), partnership=pending)

        assert Partnership.objects.get(pk=pending.pk).status == "active"


class TestAcceptARequest:
    @pytest.fixture
    def full_request(self, client_legal, partner_legal, request_access):
        return request_access(client_legal.email, access_level="full", payment_method="partner")

    def test_the_client_may_accept_as_asked(
        self, client_org, partner_org, client_legal, full_request, acting, mail_on_commit
    ):
        mail_on_commit(
            services.partnership_accept,
            access=acting(client_legal, client_org),
            partnership=full_request,
            password_confirmed=True,
        )

        full_request.refresh_from_db()
        assert (full_request.status, full_request.access, full_request.payment_method) == (
            "active",
            "full",
            "partner",
        )
        event = only_event("partnership.accepted")
        assert (event.organization, event.counterparty) == (client_org, partner_org)
        assert_in_both_logs(event, client_org, partner_org)

    def test_the_client_may_narrow_full_to_limited_on_chosen_products(
        self, client_org, partner_org, client_legal, granted_product, other_product, full_request, acting
    ):
        services.partnership_accept(
            access=acting(client_legal, client_org),
            partnership=full_request,
            access_level="limited",
            products=[granted_product],
            payment_method="partner",
            password_confirmed=True,
        )

        full_request.refresh_from_db()
        assert (full_request.access, full_request.payment_method) == ("limited", "client")
        assert list(full_request.products.all()) == [granted_product]
        assert only_event("partnership.accepted").changes == {
            "access": ["full", "limited"],
            "payment_method": ["partner", "client"],
            "products": [granted_product.pk],
        }

    def test_the_client_may_keep_its_wallet(self, client_org, client_legal, full_request, acting):
        services.partnership_accept(
            access=acting(client_legal, client_org),
            partnership=full_request,
            payment_method="client",
            password_confirmed=True,
        )

        full_request.refresh_from_db()
        assert (full_request.access, full_request.payment_method) == ("full", "client")

    def test_narrowing_to_limited_needs_products_of_the_client(
        self, client_org, client_legal, full_request, acting
    ):
        elsewhere = ProductFactory()
        before = state()

        for products in ([], [elsewhere]):
            with pytest.raises(ValidationError) as excinfo:
                services.partnership_accept(
                    access=acting(client_legal, client_org),
                    partnership=full_request,
                    access_level="limited",
                    products=products,
                )
            assert error_fields(excinfo) == {"products"}
        assert state() == before

    @pytest.mark.parametrize(
        ("asked", "granted", "field"),
        [
            ({"access_level": "limited"}, {"access_level": "full"}, "access"),
            (
                {"access_level": "full", "payment_method": "client"},
                {"payment_method": "partner"},
                "payment_method",
            ),
        ],
    )
    def test_the_client_cannot_give_more_than_was_asked(
        self, client_org, client_legal, granted_product, request_access, acting, asked, granted, field
    ):
        partnership = request_access(client_legal.email, **asked)
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.partnership_accept(
                access=acting(client_legal, client_org),
                partnership=partnership,
                products=[granted_product],
                password_confirmed=True,
                **granted,
            )

        assert error_fields(excinfo) == {field}
        assert state() == before

    def test_an_administrator_of_the_client_cannot_answer_a_request(
        self, client_org, client_admin, full_request, acting
    ):
        before = state()

        with pytest.raises(PermissionDenied):
            services.partnership_accept(access=acting(client_admin, client_org), partnership=full_request)

        assert state() == before


class TestExternalMembershipsClosedOnAcceptance:
    def test_a_partner_user_who_was_an_external_user_of_the_client_is_now_covered_by_the_partnership(
        self,
        client_org,
        partner_org,
        client_legal,
        partner_legal,
        granted_product,
        pending,
        acting,
        mail_on_commit,
    ):
        """The guide: "if the Partner was already linked to the Client's organization before the invitation,
        such as an external user, their status is updated once the partnership begins"."""
        consultant = member(partner_org, Role.USER, email="consultant@leman.example")
        external = MembershipFactory(user=consultant, organization=client_org, role=Role.EXTERNAL)
        external.products.set([granted_product])
        unrelated_external = member(client_org, Role.EXTERNAL, email="freelancer@example.com")

        mail_on_commit(
            services.partnership_accept, access=acting(partner_legal, partner_org), partnership=pending
        )

        assert not Membership.objects.filter(pk=external.pk).exists()
        assert Membership.objects.filter(user=unrelated_external, organization=client_org).exists()
        access = resolve_access(consultant, client_org)
        assert access.partnership == pending
        assert access.role is None
        covered = only_event("membership.covered_by_partnership")
        assert (covered.organization, covered.counterparty) == (client_org, partner_org)
        assert covered.changes == {"email": "consultant@leman.example", "role": ["external", "partner"]}
        assert_in_both_logs(covered, client_org, partner_org)
        accepted = only_event("partnership.accepted")
        assert accepted.changes == {"external_users_now_covered": ["consultant@leman.example"]}
        assert "consultant@leman.example" in mails()[-1].body

    def test_an_own_membership_of_a_partner_user_in_the_client_stays(
        self, client_org, partner_org, partner_legal, pending, acting
    ):
        both = member(partner_org, Role.USER, email="both@leman.example")
        kept = MembershipFactory(user=both, organization=client_org, role=Role.ADMINISTRATOR)

        services.partnership_accept(access=acting(partner_legal, partner_org), partnership=pending)

        assert Membership.objects.filter(pk=kept.pk).exists()
        assert resolve_access(both, client_org).role == Role.ADMINISTRATOR
        assert not AuditEvent.objects.filter(action="membership.covered_by_partnership").exists()


# Refuse


class TestRefuse:
    def test_the_partner_refuses_and_the_client_is_told(
        self, client_org, partner_org, client_legal, partner_legal, pending, acting, mail_on_commit
    ):
        mail_on_commit(
            services.partnership_refuse, access=acting(partner_legal, partner_org), partnership=pending
        )

        pending.refresh_from_db()
        assert pending.status == "refused"
        assert pending.answered_by == partner_legal
        assert resolve_access(partner_legal, client_org) is None
        assert_in_both_logs(only_event("partnership.refused"), client_org, partner_org)
        refused = mails()[-1]
        assert refused.to == ["legal@helvetia.example"]
        assert "was refused" in refused.subject

    def test_the_client_refuses_a_request_and_the_partner_is_told(
        self, client_org, partner_org, client_legal, partner_legal, request_access, acting, mail_on_commit
    ):
        partnership = request_access(client_legal.email)

        mail_on_commit(
            services.partnership_refuse, access=acting(client_legal, client_org), partnership=partnership
        )

        assert Partnership.objects.get(pk=partnership.pk).status == "refused"
        assert mails()[-1].to == ["hello@leman.example", "legal@leman.example"]
        assert_in_both_logs(only_event("partnership.refused"), client_org, partner_org)


# Who pays


class TestChangePaymentMethod:
    def test_the_client_entrusts_its_wallet_to_a_full_partner_who_is_emailed(
        self, client_org, partner_org, client_legal, partner_legal, active, acting, mail_on_commit
    ):
        mail_on_commit(
            services.partnership_change_payment_method,
            access=acting(client_legal, client_org),
            partnership=active,
            payment_method="partner",
            password_confirmed=True,
        )

        active.refresh_from_db()
        assert active.payment_method == "partner"
        assert active.payment_method_changed_at is not None
        event = only_event("partnership.payment_method_changed")
        assert event.changes == {"payment_method": ["client", "partner"]}
        assert (event.actor, event.organization) == (client_legal, client_org)
        assert_in_both_logs(event, client_org, partner_org)
        [message] = mails()
        assert message.to == ["hello@leman.example", "legal@leman.example"]
        assert "Before: The client pays" in message.body
        assert "From now on: The partner pays" in message.body

    def test_the_email_names_who_pays_in_its_readers_language_not_the_senders(
        self, client_org, partner_org, client_legal, active, acting, mail_on_commit
    ):
        """The email is written in its recipients' language, not in the language of who changed who pays."""
        with translation.override("fr"):
            mail_on_commit(
                services.partnership_change_payment_method,
                access=acting(client_legal, client_org),
                partnership=active,
                payment_method="partner",
                password_confirmed=True,
            )

        [message] = mails()
        assert "Before: The client pays" in message.body
        assert "From now on: The partner pays" in message.body

    def test_the_same_payment_method_again_changes_nothing(
        self, client_org, client_legal, active, acting, mail_on_commit
    ):
        before = state()

        mail_on_commit(
            services.partnership_change_payment_method,
            access=acting(client_legal, client_org),
            partnership=active,
            payment_method="client",
            password_confirmed=True,
        )

        assert state() == before

    @pytest.mark.parametrize(("access_level", "payment_method"), [("limited", "partner"), ("full", "wallet")])
    def test_a_limited_partner_never_pays_and_the_choice_must_exist(
        self, client_org, partner_org, client_legal, granted_product, acting, access_level, payment_method
    ):
        partnership = PartnershipFactory(
            client=client_org, partner=partner_org, access=access_level, products=[granted_product]
        )
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.partnership_change_payment_method(
                access=acting(client_legal, client_org),
                partnership=partnership,
                payment_method=payment_method,
                password_confirmed=True,
            )

        assert error_fields(excinfo) == {"payment_method"}
        assert state() == before


# Stop


class TestStop:
    def test_a_wrong_password_changes_nothing(
        self, client_org, partner_org, client_legal, partner_user, active, acting, mail_on_commit
    ):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            mail_on_commit(
                services.partnership_stop,
                access=acting(client_legal, client_org),
                partnership=active,
                password="not-my-password",
            )

        assert excinfo.value.message_dict == {"password": ["The password is not correct."]}
        assert state() == before
        assert resolve_access(partner_user, client_org).partnership == active

    @pytest.mark.parametrize("side", ["client", "partner"])
    def test_the_right_password_ends_the_access_at_once_and_keeps_the_products_in_the_client(
        self,
        client_org,
        partner_org,
        client_legal,
        partner_legal,
        partner_user,
        granted_product,
        other_product,
        active,
        acting,
        mail_on_commit,
        side,
    ):
        stopper, organization = (
            (client_legal, client_org) if side == "client" else (partner_legal, partner_org)
        )
        assert resolve_access(partner_user, client_org) is not None
        assert client_org in organizations_of(partner_user)

        mail_on_commit(
            services.partnership_stop,
            access=acting(stopper, organization),
            partnership=active,
            password=PASSWORD,
        )

        assert resolve_access(partner_user, client_org) is None
        assert resolve_access(partner_legal, client_org) is None
        assert client_org not in organizations_of(partner_user)
        active.refresh_from_db()
        assert (active.status, active.ended_by) == ("stopped", stopper)
        assert active.ended_at is not None
        assert set(Product.objects.filter(organization=client_org)) == {granted_product, other_product}
        event = only_event("partnership.stopped")
        assert event.changes == {"stopped_by": side}
        assert event.organization == organization
        assert_in_both_logs(event, client_org, partner_org)
        [message] = mails()
        assert set(message.to) == {"legal@helvetia.example", "hello@leman.example", "legal@leman.example"}
        assert f"{organization.name} stopped the collaboration" in message.body

    def test_history_and_events_stay_after_a_stop(
        self, client_org, partner_org, client_legal, active, acting
    ):
        services.partnership_change_payment_method(
            access=acting(client_legal, client_org),
            partnership=active,
            payment_method="partner",
            password_confirmed=True,
        )

        services.partnership_stop(
            access=acting(client_legal, client_org), partnership=active, password=PASSWORD
        )

        changed = only_event("partnership.payment_method_changed")
        assert_in_both_logs(changed, client_org, partner_org)
        assert Partnership.objects.get(pk=active.pk).payment_method == "partner"


# Expiry


def test_expiring_stale_invitations_marks_them_and_logs_it_on_both_sides(
    client_org, partner_org, client_legal, partner_legal
):
    stale = PartnershipFactory(client=client_org, partner=partner_org, status="pending")
    Partnership.objects.filter(pk=stale.pk).update(invitation_sent_at=timezone.now() - timedelta(days=15))
    fresh = PartnershipFactory(client=client_org, status="pending")

    assert services.partnerships_expire_stale() == 1

    assert Partnership.objects.get(pk=stale.pk).status == "expired"
    assert Partnership.objects.get(pk=fresh.pk).status == "pending"
    event = only_event("partnership.expired")
    assert event.actor is None
    assert_in_both_logs(event, client_org, partner_org)


def test_partner_profiles_are_made_by_staff_and_make_the_organization_a_referenced_partner(db):
    organization = OrganizationFactory(name="New Agency")

    profile = services.partner_profile_save(
        organization=organization, by=None, public_name=" New Agency ", contact_email="Hi@Agency.example"
    )

    organization.refresh_from_db()
    assert organization.is_referenced_partner
    assert (profile.public_name, profile.contact_email) == ("New Agency", "hi@agency.example")
    assert (
        PartnerProfile.objects.get(organization=organization).reseller_discount_rate
        == profile.reseller_discount_rate
    )
    assert only_event("partner_profile.saved").organization == organization


# Proof of the password, asked by the services themselves (the pages and the API ask it first, then say so)


class TestPasswordProof:
    """Granting Full access, changing who pays and stopping a collaboration are refused without the account
    password, whoever calls the service; a wrong password is refused the same way and changes nothing."""

    @pytest.fixture
    def sensitive_calls(self, client_org, partner_org, client_legal, granted_product, request_access, acting):
        def _calls(action):
            client_side = acting(client_legal, client_org)
            if action == "invite with full access":
                other = PartnerProfileFactory(organization__name="Basel Digital AG").organization
                return partial(
                    services.partnership_invite, access=client_side, partner=other, access_level="full"
                )
            if action == "accept a request for full access":
                asked = request_access(client_legal.email, access_level="full")
                return partial(services.partnership_accept, access=client_side, partnership=asked)
            active = PartnershipFactory(client=client_org, partner=partner_org, access="full")
            if action == "change who pays":
                return partial(
                    services.partnership_change_payment_method,
                    access=client_side,
                    partnership=active,
                    payment_method="partner",
                )
            return partial(services.partnership_stop, access=client_side, partnership=active)

        return _calls

    @pytest.mark.parametrize(
        "action",
        ["invite with full access", "accept a request for full access", "change who pays", "stop"],
    )
    @pytest.mark.parametrize("proof", [{}, {"password": ""}, {"password": "not-my-password"}])
    def test_the_service_refuses_without_the_right_password(self, sensitive_calls, action, proof):
        call = sensitive_calls(action)
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            call(**proof)

        assert excinfo.value.message_dict == {"password": ["The password is not correct."]}
        assert state() == before

    @pytest.mark.parametrize(
        "action",
        ["invite with full access", "accept a request for full access", "change who pays", "stop"],
    )
    @pytest.mark.parametrize("proof", [{"password": PASSWORD}, {"password_confirmed": True}])
    def test_the_password_or_a_caller_that_checked_it_is_enough(
        self, sensitive_calls, mail_on_commit, action, proof
    ):
        partnership = mail_on_commit(sensitive_calls(action), **proof)

        assert partnership.pk is not None
        assert AuditEvent.objects.filter(target_id=str(partnership.pk)).exists()

    def test_limited_access_is_granted_without_the_password(
        self, client_org, client_legal, granted_product, request_access, acting, invite
    ):
        other = PartnerProfileFactory(organization__name="Basel Digital AG").organization
        invited = invite(other, access_level="limited", products=[granted_product], password_confirmed=False)
        asked = request_access(client_legal.email, access_level="full")
        narrowed = services.partnership_accept(
            access=acting(client_legal, client_org),
            partnership=asked,
            access_level="limited",
            products=[granted_product],
        )

        assert (invited.status, invited.access) == ("pending", "limited")
        assert (narrowed.status, narrowed.access) == ("active", "limited")
