"""Organization services on the database: the outcome, the audit event, and nothing saved on refusal."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from console.models import MailboxMessage
from core.models import AuditEvent
from organizations import services
from organizations.access import resolve_access
from organizations.models import (
    BillingAddress,
    EntityType,
    Membership,
    Organization,
    Product,
    ProductType,
    Role,
    Theme,
    User,
    VatNumberChange,
)
from tests.factories import (
    PASSWORD,
    BillingAddressFactory,
    OrganizationFactory,
    ProductFactory,
    UserFactory,
    member,
)

STRONG_PASSWORD = "Tr0mbone-Lighthouse-42"


def state():
    """Row counts of everything a service of this app may write."""
    return {
        "users": User.objects.count(),
        "organizations": Organization.objects.count(),
        "memberships": Membership.objects.count(),
        "vat_number_changes": VatNumberChange.objects.count(),
        "billing_addresses": BillingAddress.objects.count(),
        "products": Product.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def only_event(action):
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, f"expected one {action} event, found {len(events)}"
    return events[0]


def error_fields(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


def mails_to(email):
    return [message for message in MailboxMessage.objects.all() if email in message.to]


def sign_up(**overrides):
    data = {
        "email": "anna@example.ch",
        "password": STRONG_PASSWORD,
        "full_name": "Anna Muster",
        "organization_name": "Muster Web GmbH",
        "entity_type": EntityType.COMPANY,
        "country": "CH",
        "vat_number": "CHE-116.281.710 MWST",
        "accept_terms": True,
    }
    return services.user_sign_up(**{**data, **overrides})


# Sign-up and organization creation


class TestUserSignUp:
    def test_creates_the_user_the_organization_and_the_legal_representative_membership(self, db):
        user, organization = sign_up()

        assert user.email == "anna@example.ch"
        assert user.full_name == "Anna Muster"
        assert user.check_password(STRONG_PASSWORD)
        assert organization.name == "Muster Web GmbH"
        assert organization.entity_type == EntityType.COMPANY
        assert organization.country.code == "CH"
        assert organization.vat_number == "CHE116281710MWST"
        assert organization.terms_accepted_at is not None
        membership = Membership.objects.get(user=user, organization=organization)
        assert membership.role == Role.LEGAL_REPRESENTATIVE

    def test_the_email_is_stored_in_lowercase(self, db):
        user, _ = sign_up(email="  Anna@Example.CH ")

        assert user.email == "anna@example.ch"

    def test_records_the_first_vat_number_in_the_history(self, db):
        user, organization = sign_up()

        change = VatNumberChange.objects.get(organization=organization)
        assert change.previous_number == ""
        assert change.new_number == "CHE116281710MWST"
        assert change.changed_by == user

    def test_writes_the_created_and_signed_up_audit_events(self, db):
        user, organization = sign_up()

        created = only_event("organization.created")
        assert created.actor == user
        assert created.actor_email == "anna@example.ch"
        assert created.organization == organization
        assert created.target_type == "organization"
        assert created.target_id == str(organization.pk)
        assert created.changes == {
            "name": "Muster Web GmbH",
            "entity_type": "company",
            "country": "CH",
            "vat_number": "CHE116281710MWST",
        }
        signed_up = only_event("user.signed_up")
        assert signed_up.actor == user
        assert signed_up.organization == organization
        assert signed_up.target_type == "user"
        assert signed_up.target_id == str(user.pk)
        assert AuditEvent.objects.count() == 2

    @pytest.mark.parametrize(
        ("country", "vat_number", "currency"),
        [
            ("CH", "CHE-116.281.710 MWST", "CHF"),
            ("LI", "1234567", "CHF"),
            ("DE", "DE136695976", "EUR"),
            ("FR", "FR23334175221", "EUR"),
            ("GR", "EL094259216", "EUR"),
            ("US", "", "EUR"),
        ],
    )
    def test_the_currency_follows_the_country(self, db, country, vat_number, currency):
        _, organization = sign_up(country=country, vat_number=vat_number)

        assert organization.currency == currency

    def test_an_individual_needs_no_vat_number(self, db):
        _, organization = sign_up(entity_type=EntityType.INDIVIDUAL, vat_number="", country="DE")

        assert organization.vat_number == ""
        assert not VatNumberChange.objects.filter(organization=organization).exists()

    def test_an_association_may_leave_the_vat_number_empty(self, db):
        _, organization = sign_up(entity_type=EntityType.ASSOCIATION, vat_number="", country="DE")

        assert organization.vat_number == ""

    def test_a_company_where_vat_numbers_cannot_be_checked_needs_none(self, db):
        _, organization = sign_up(country="US", vat_number="")

        assert organization.vat_number == ""

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"email": "not-an-email"}, "email"),
            ({"email": ""}, "email"),
            ({"password": "short"}, "password"),
            ({"password": "password123"}, "password"),
            ({"password": "12345678901234"}, "password"),
            ({"password": "anna@example.ch"}, "password"),
            ({"password": ""}, "password"),
            ({"accept_terms": False}, "accept_terms"),
            ({"organization_name": ""}, "organization_name"),
            ({"organization_name": "x" * 201}, "organization_name"),
            ({"entity_type": "corporation"}, "entity_type"),
            ({"country": "ZZ"}, "country"),
            ({"country": "DE", "vat_number": ""}, "vat_number"),
            ({"country": "CH", "vat_number": ""}, "vat_number"),
            ({"entity_type": EntityType.INDIVIDUAL}, "vat_number"),
            ({"vat_number": "CHE-116.281.711 MWST"}, "vat_number"),
            ({"vat_number": "CHE-116.281.710"}, "vat_number"),
            ({"country": "DE", "vat_number": "FR23334175221"}, "vat_number"),
            ({"vat_number": "CHE-\uff11\uff11\uff16.281.710 MWST"}, "vat_number"),  # fullwidth digits
        ],
    )
    def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(self, db, overrides, field):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            sign_up(**overrides)

        assert field in error_fields(excinfo)
        assert state() == before

    def test_a_company_in_germany_without_vat_number_is_told_to_enter_it(self, db):
        with pytest.raises(ValidationError) as excinfo:
            sign_up(country="DE", vat_number="")

        assert excinfo.value.message_dict["vat_number"] == ["Enter your company's VAT number."]

    def test_an_email_already_registered_is_refused_whatever_its_case(self, db):
        UserFactory(email="anna@example.ch")
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            sign_up(email="ANNA@example.ch")

        assert "already exists" in excinfo.value.message_dict["email"][0]
        assert state() == before

    def test_every_wrong_field_is_reported_at_once(self, db):
        UserFactory(email="anna@example.ch")

        with pytest.raises(ValidationError) as excinfo:
            sign_up(password="short")

        assert error_fields(excinfo) == {"email", "password"}

    def test_a_refused_organization_leaves_no_user_behind(self, db):
        """The user is created before the organization; both go or neither does."""
        with pytest.raises(ValidationError):
            sign_up(vat_number="not a number")

        assert not User.objects.filter(email="anna@example.ch").exists()
        assert not AuditEvent.objects.exists()


class TestOrganizationCreate:
    def test_an_existing_user_becomes_legal_representative_of_a_new_organization(
        self, organization, plain_user
    ):
        new = services.organization_create(
            by=plain_user, name="  Second Org  ", entity_type=EntityType.COMPANY, country="de",
            vat_number="de 136 695 976", accept_terms=True,
        )  # fmt: skip

        assert new.name == "Second Org"
        assert new.country.code == "DE"
        assert new.currency == "EUR"
        assert new.vat_number == "DE136695976"
        assert Membership.objects.get(user=plain_user, organization=new).role == Role.LEGAL_REPRESENTATIVE
        assert Membership.objects.get(user=plain_user, organization=organization).role == Role.USER
        event = only_event("organization.created")
        assert (event.actor, event.organization) == (plain_user, new)
        assert event.changes == {
            "name": "Second Org",
            "entity_type": "company",
            "country": "DE",
            "vat_number": "DE136695976",
        }

    def test_without_accepting_the_terms_nothing_is_created(self, plain_user):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.organization_create(
                by=plain_user,
                name="Second Org",
                entity_type=EntityType.INDIVIDUAL,
                country="DE",
                accept_terms=False,
            )

        assert error_fields(excinfo) == {"accept_terms"}
        assert state() == before


# Organization settings


class TestOrganizationUpdate:
    def test_a_new_vat_number_needs_the_terms_accepted_and_changes_nothing_without(
        self, organization, legal_representative, access_of
    ):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.organization_update(
                access=access_of(legal_representative), name="Renamed", vat_number="CHE-107.787.577 IVA"
            )

        assert error_fields(excinfo) == {"accept_terms"}
        organization.refresh_from_db()
        assert organization.vat_number == "CHE116281710MWST"
        assert organization.name == "Helvetia Web AG"
        assert state() == before

    def test_a_valid_new_vat_number_is_stored_compact_dated_and_audited(
        self, organization, legal_representative, access_of
    ):
        before = timezone.now()

        updated = services.organization_update(
            access=access_of(legal_representative), vat_number="che-107.787.577 iva", accept_terms=True
        )

        organization.refresh_from_db()
        assert organization.vat_number == "CHE107787577IVA"
        assert updated.vat_number == "CHE107787577IVA"
        assert organization.terms_accepted_at >= before
        change = VatNumberChange.objects.get(organization=organization)
        assert change.previous_number == "CHE116281710MWST"
        assert change.new_number == "CHE107787577IVA"
        assert change.changed_by == legal_representative
        assert change.effective_from >= before
        event = only_event("organization.updated")
        assert event.actor == legal_representative
        assert event.organization == organization
        assert event.target_id == str(organization.pk)
        assert event.changes == {"vat_number": ["CHE116281710MWST", "CHE107787577IVA"]}

    def test_an_administrator_may_change_the_name(self, organization, administrator, access_of):
        services.organization_update(access=access_of(administrator), name="Helvetia Hosting AG")

        organization.refresh_from_db()
        assert organization.name == "Helvetia Hosting AG"
        assert not VatNumberChange.objects.exists()
        event = only_event("organization.updated")
        assert event.actor == administrator
        assert event.changes == {"name": ["Helvetia Web AG", "Helvetia Hosting AG"]}

    def test_the_same_vat_number_typed_differently_is_no_change(
        self, organization, legal_representative, access_of
    ):
        services.organization_update(
            access=access_of(legal_representative), vat_number="CHE-116.281.710 MWST"
        )

        assert not VatNumberChange.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_an_association_may_remove_its_vat_number(self, legal_representative, organization, access_of):
        Organization.objects.filter(pk=organization.pk).update(entity_type=EntityType.ASSOCIATION)

        services.organization_update(access=access_of(legal_representative), vat_number="")

        organization.refresh_from_db()
        assert organization.vat_number == ""
        change = VatNumberChange.objects.get(organization=organization)
        assert (change.previous_number, change.new_number) == ("CHE116281710MWST", "")
        event = only_event("organization.updated")
        assert event.changes == {"vat_number": ["CHE116281710MWST", ""]}

    def test_becoming_an_individual_removes_the_vat_number(
        self, legal_representative, organization, access_of
    ):
        services.organization_update(
            access=access_of(legal_representative), entity_type=EntityType.INDIVIDUAL, vat_number=""
        )

        organization.refresh_from_db()
        assert organization.entity_type == EntityType.INDIVIDUAL
        assert organization.vat_number == ""
        assert only_event("organization.updated").changes == {
            "entity_type": ["company", "individual"],
            "vat_number": ["CHE116281710MWST", ""],
        }

    def test_a_company_in_switzerland_cannot_remove_its_vat_number(
        self, organization, legal_representative, access_of
    ):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.organization_update(access=access_of(legal_representative), vat_number="")

        assert error_fields(excinfo) == {"vat_number"}
        organization.refresh_from_db()
        assert organization.vat_number == "CHE116281710MWST"
        assert state() == before

    def test_changing_the_country_checks_the_vat_number_again(
        self, organization, legal_representative, access_of
    ):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.organization_update(access=access_of(legal_representative), country="DE")

        assert "Switzerland" in excinfo.value.message_dict["vat_number"][0]
        organization.refresh_from_db()
        assert organization.country.code == "CH"
        assert state() == before

    def test_changing_the_country_never_changes_the_currency(
        self, organization, legal_representative, access_of
    ):
        services.organization_update(
            access=access_of(legal_representative), country="DE", vat_number="DE136695976", accept_terms=True
        )

        organization.refresh_from_db()
        assert organization.country.code == "DE"
        assert organization.vat_number == "DE136695976"
        assert organization.currency == "CHF"
        assert only_event("organization.updated").changes == {
            "country": ["CH", "DE"],
            "vat_number": ["CHE116281710MWST", "DE136695976"],
        }

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"name": ""}, "name"),
            ({"name": "   "}, "name"),
            ({"entity_type": "sole_trader"}, "entity_type"),
            ({"country": "QQ"}, "country"),
            ({"vat_number": "CHE-116.281.711 MWST", "accept_terms": True}, "vat_number"),
            ({"vat_number": "DE136695976", "accept_terms": True}, "vat_number"),
            ({"entity_type": EntityType.INDIVIDUAL}, "vat_number"),
        ],
    )
    def test_bad_input_is_refused_on_its_field_and_nothing_changes(
        self, organization, legal_representative, access_of, changes, field
    ):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.organization_update(access=access_of(legal_representative), **changes)

        assert field in error_fields(excinfo)
        organization.refresh_from_db()
        assert (organization.name, organization.entity_type, organization.vat_number) == (
            "Helvetia Web AG",
            EntityType.COMPANY,
            "CHE116281710MWST",
        )
        assert state() == before

    @pytest.mark.parametrize("role", [Role.USER, Role.EXTERNAL])
    def test_users_and_external_users_cannot_edit_the_organization(self, organization, access_of, role):
        someone = member(organization, role)
        before = state()

        with pytest.raises(PermissionDenied):
            services.organization_update(access=access_of(someone), name="Taken over")

        organization.refresh_from_db()
        assert organization.name == "Helvetia Web AG"
        assert state() == before


# Members


class TestMembershipAdd:
    def test_an_existing_user_gets_the_role_and_an_email(
        self, organization, legal_representative, access_of, django_capture_on_commit_callbacks
    ):
        existing = UserFactory(email="bob@example.ch")

        with django_capture_on_commit_callbacks(execute=True):
            membership = services.membership_add(
                access=access_of(legal_representative), email="Bob@Example.ch", role=Role.ADMINISTRATOR
            )

        assert membership.user == existing
        assert membership.organization == organization
        assert membership.role == Role.ADMINISTRATOR
        assert User.objects.filter(email__iexact="bob@example.ch").count() == 1
        event = only_event("membership.added")
        assert event.actor == legal_representative
        assert event.organization == organization
        assert event.target_id == str(membership.pk)
        assert event.changes == {"email": "bob@example.ch", "role": "administrator", "products": []}
        [mail] = mails_to("bob@example.ch")
        assert "Helvetia Web AG" in mail.subject + mail.body
        assert "/accounts/reset/" not in mail.body

    def test_a_new_email_creates_a_user_without_password_invited_to_set_one(
        self, organization, administrator, access_of, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            membership = services.membership_add(
                access=access_of(administrator), email="new@example.ch", role="user"
            )

        invited = User.objects.get(email="new@example.ch")
        assert membership.user == invited
        assert membership.role == Role.USER
        assert not invited.has_usable_password()
        [mail] = mails_to("new@example.ch")
        link = re.search(r"/accounts/reset/(?P<uidb64>[^/\s]+)/(?P<token>[^/\s]+)/", mail.body)
        assert link, mail.body
        assert force_str(urlsafe_base64_decode(link["uidb64"])) == str(invited.pk)
        assert default_token_generator.check_token(invited, link["token"])
        event = only_event("membership.added")
        assert event.actor == administrator
        assert event.changes == {"email": "new@example.ch", "role": "user", "products": []}

    def test_the_email_is_sent_only_if_the_transaction_commits(
        self, settings, legal_representative, access_of, django_capture_on_commit_callbacks
    ):
        # The database-backed mailbox would be rolled back with the transaction; an in-memory outbox is not.
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        mail.outbox = []
        UserFactory(email="bob@example.ch")
        UserFactory(email="carol@example.ch")

        def add_bob_then_fail():
            with transaction.atomic():
                services.membership_add(
                    access=access_of(legal_representative), email="bob@example.ch", role="user"
                )
                raise RuntimeError("the caller's transaction fails afterwards")

        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
            add_bob_then_fail()
        assert mail.outbox == []
        assert not Membership.objects.filter(user__email="bob@example.ch").exists()

        with django_capture_on_commit_callbacks(execute=True):
            services.membership_add(
                access=access_of(legal_representative), email="carol@example.ch", role="user"
            )
        assert [message.to for message in mail.outbox] == [["carol@example.ch"]]

    def test_an_external_user_gets_the_chosen_products(self, organization, legal_representative, access_of):
        site = ProductFactory(organization=organization)
        ProductFactory(organization=organization)

        membership = services.membership_add(
            access=access_of(legal_representative),
            email="ext@example.ch",
            role=Role.EXTERNAL,
            products=[site],
        )

        assert list(membership.products.all()) == [site]
        assert only_event("membership.added").changes == {
            "email": "ext@example.ch",
            "role": "external",
            "products": [site.pk],
        }

    def test_a_member_cannot_be_added_twice(self, organization, legal_representative, plain_user, access_of):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.membership_add(
                access=access_of(legal_representative), email="USER@helvetia.example", role="user"
            )

        assert error_fields(excinfo) == {"email"}
        assert Membership.objects.get(user=plain_user, organization=organization).role == Role.USER
        assert state() == before

    @pytest.mark.parametrize(
        ("email", "role", "field"),
        [
            ("not-an-email", Role.USER, "email"),
            ("", Role.USER, "email"),
            ("someone@example.ch", "owner", "role"),
            ("someone@example.ch", Role.EXTERNAL, "products"),
        ],
    )
    def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(
        self, legal_representative, access_of, email, role, field
    ):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.membership_add(access=access_of(legal_representative), email=email, role=role)

        assert error_fields(excinfo) == {field}
        assert state() == before

    def test_products_of_another_organization_are_refused(self, legal_representative, access_of):
        elsewhere = ProductFactory(organization=OrganizationFactory())
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.membership_add(
                access=access_of(legal_representative),
                email="ext@example.ch",
                role="external",
                products=[elsewhere],
            )

        assert error_fields(excinfo) == {"products"}
        assert state() == before

    def test_an_administrator_cannot_appoint_a_legal_representative(self, administrator, access_of):
        before = state()

        with pytest.raises(PermissionDenied):
            services.membership_add(
                access=access_of(administrator), email="boss@example.ch", role=Role.LEGAL_REPRESENTATIVE
            )

        assert state() == before

    def test_a_legal_representative_can_appoint_another(self, organization, legal_representative, access_of):
        membership = services.membership_add(
            access=access_of(legal_representative), email="boss@example.ch", role=Role.LEGAL_REPRESENTATIVE
        )

        assert membership.role == Role.LEGAL_REPRESENTATIVE
        assert only_event("membership.added").changes["role"] == "legal_representative"

    @pytest.mark.parametrize("role", [Role.USER, Role.EXTERNAL])
    def test_users_and_external_users_cannot_add_members(self, organization, access_of, role):
        someone = member(organization, role)
        before = state()

        with pytest.raises(PermissionDenied):
            services.membership_add(access=access_of(someone), email="friend@example.ch", role=Role.USER)

        assert state() == before


class TestMembershipChangeRole:
    def test_a_legal_representative_changes_a_role_and_it_is_audited(
        self, organization, legal_representative, plain_user, access_of
    ):
        membership = Membership.objects.get(user=plain_user, organization=organization)
        site = ProductFactory(organization=organization)

        services.membership_change_role(
            access=access_of(legal_representative), membership=membership, role=Role.EXTERNAL, products=[site]
        )

        membership.refresh_from_db()
        assert membership.role == Role.EXTERNAL
        assert list(membership.products.all()) == [site]
        event = only_event("membership.role_changed")
        assert event.actor == legal_representative
        assert event.organization == organization
        assert event.target_id == str(membership.pk)
        assert event.changes == {"role": ["user", "external"], "products": [[], [site.pk]]}

    def test_leaving_the_external_role_clears_the_products(self, organization, administrator, access_of):
        external = member(organization, Role.EXTERNAL)
        membership = Membership.objects.get(user=external, organization=organization)
        site = ProductFactory(organization=organization)
        membership.products.add(site)

        services.membership_change_role(
            access=access_of(administrator), membership=membership, role=Role.USER
        )

        membership.refresh_from_db()
        assert membership.role == Role.USER
        assert not membership.products.exists()
        assert only_event("membership.role_changed").changes == {
            "role": ["external", "user"],
            "products": [[site.pk], []],
        }

    def test_the_last_legal_representative_cannot_be_demoted(
        self, organization, legal_representative, access_of
    ):
        membership = Membership.objects.get(user=legal_representative, organization=organization)

        with pytest.raises(ValidationError) as excinfo:
            services.membership_change_role(
                access=access_of(legal_representative), membership=membership, role=Role.ADMINISTRATOR
            )

        assert error_fields(excinfo) == {"role"}
        membership.refresh_from_db()
        assert membership.role == Role.LEGAL_REPRESENTATIVE
        assert not AuditEvent.objects.exists()

    def test_with_two_legal_representatives_one_can_be_demoted(
        self, organization, legal_representative, access_of
    ):
        second = member(organization, Role.LEGAL_REPRESENTATIVE)
        membership = Membership.objects.get(user=second, organization=organization)

        services.membership_change_role(
            access=access_of(legal_representative), membership=membership, role=Role.ADMINISTRATOR
        )

        membership.refresh_from_db()
        assert membership.role == Role.ADMINISTRATOR
        assert only_event("membership.role_changed").changes["role"] == [
            "legal_representative",
            "administrator",
        ]

    def test_an_administrator_cannot_demote_a_legal_representative(
        self, organization, legal_representative, administrator, access_of
    ):
        member(organization, Role.LEGAL_REPRESENTATIVE)
        membership = Membership.objects.get(user=legal_representative, organization=organization)

        with pytest.raises(PermissionDenied):
            services.membership_change_role(
                access=access_of(administrator), membership=membership, role=Role.USER
            )

        membership.refresh_from_db()
        assert membership.role == Role.LEGAL_REPRESENTATIVE
        assert not AuditEvent.objects.exists()

    def test_an_administrator_cannot_promote_anyone_to_legal_representative(
        self, organization, administrator, plain_user, access_of
    ):
        membership = Membership.objects.get(user=plain_user, organization=organization)

        with pytest.raises(PermissionDenied):
            services.membership_change_role(
                access=access_of(administrator), membership=membership, role=Role.LEGAL_REPRESENTATIVE
            )

        membership.refresh_from_db()
        assert membership.role == Role.USER
        assert not AuditEvent.objects.exists()

    def test_an_administrator_cannot_promote_themself_to_legal_representative(
        self, organization, administrator, access_of
    ):
        membership = Membership.objects.get(user=administrator, organization=organization)

        with pytest.raises(PermissionDenied):
            services.membership_change_role(
                access=access_of(administrator), membership=membership, role=Role.LEGAL_REPRESENTATIVE
            )

        membership.refresh_from_db()
        assert membership.role == Role.ADMINISTRATOR

    def test_a_user_cannot_change_roles(self, organization, plain_user, access_of):
        external = member(organization, Role.EXTERNAL)
        membership = Membership.objects.get(user=external, organization=organization)

        with pytest.raises(PermissionDenied):
            services.membership_change_role(
                access=access_of(plain_user), membership=membership, role=Role.USER
            )

        membership.refresh_from_db()
        assert membership.role == Role.EXTERNAL
        assert not AuditEvent.objects.exists()

    def test_a_member_of_another_organization_cannot_be_changed(
        self, legal_representative, outsider, access_of
    ):
        foreign = Membership.objects.get(user=outsider)

        with pytest.raises(PermissionDenied):
            services.membership_change_role(
                access=access_of(legal_representative), membership=foreign, role="user"
            )

        foreign.refresh_from_db()
        assert foreign.role == Role.LEGAL_REPRESENTATIVE
        assert not AuditEvent.objects.exists()

    def test_an_external_role_with_products_of_another_organization_is_refused(
        self, organization, legal_representative, plain_user, access_of
    ):
        membership = Membership.objects.get(user=plain_user, organization=organization)
        elsewhere = ProductFactory(organization=OrganizationFactory())

        with pytest.raises(ValidationError) as excinfo:
            services.membership_change_role(
                access=access_of(legal_representative),
                membership=membership,
                role=Role.EXTERNAL,
                products=[elsewhere],
            )

        assert error_fields(excinfo) == {"products"}
        membership.refresh_from_db()
        assert membership.role == Role.USER
        assert not membership.products.exists()
        assert not AuditEvent.objects.exists()

    def test_an_external_role_needs_products(self, organization, legal_representative, plain_user, access_of):
        membership = Membership.objects.get(user=plain_user, organization=organization)

        with pytest.raises(ValidationError) as excinfo:
            services.membership_change_role(
                access=access_of(legal_representative), membership=membership, role=Role.EXTERNAL
            )

        assert error_fields(excinfo) == {"products"}
        membership.refresh_from_db()
        assert membership.role == Role.USER
        assert not AuditEvent.objects.exists()


class TestMembershipRemove:
    def test_a_member_is_removed_and_it_is_audited(self, organization, administrator, plain_user, access_of):
        membership = Membership.objects.get(user=plain_user, organization=organization)

        services.membership_remove(access=access_of(administrator), membership=membership)

        assert not Membership.objects.filter(pk=membership.pk).exists()
        assert User.objects.filter(pk=plain_user.pk).exists()
        event = only_event("membership.removed")
        assert event.actor == administrator
        assert event.organization == organization
        assert event.target_id == str(membership.pk)
        assert event.changes == {"email": "user@helvetia.example", "role": "user"}

    def test_the_last_legal_representative_cannot_be_removed(
        self, organization, legal_representative, access_of
    ):
        membership = Membership.objects.get(user=legal_representative, organization=organization)

        with pytest.raises(ValidationError):
            services.membership_remove(access=access_of(legal_representative), membership=membership)

        assert Membership.objects.filter(pk=membership.pk).exists()
        assert not AuditEvent.objects.exists()

    def test_with_two_legal_representatives_one_can_be_removed(
        self, organization, legal_representative, access_of
    ):
        second = member(organization, Role.LEGAL_REPRESENTATIVE, email="second@helvetia.example")
        membership = Membership.objects.get(user=second, organization=organization)

        services.membership_remove(access=access_of(legal_representative), membership=membership)

        assert not Membership.objects.filter(pk=membership.pk).exists()
        assert list(
            Membership.objects.filter(organization=organization, role=Role.LEGAL_REPRESENTATIVE).values_list(
                "user", flat=True
            )
        ) == [legal_representative.pk]
        assert only_event("membership.removed").changes == {
            "email": "second@helvetia.example",
            "role": "legal_representative",
        }

    def test_an_administrator_cannot_remove_a_legal_representative(
        self, organization, legal_representative, administrator, access_of
    ):
        member(organization, Role.LEGAL_REPRESENTATIVE)
        membership = Membership.objects.get(user=legal_representative, organization=organization)

        with pytest.raises(PermissionDenied):
            services.membership_remove(access=access_of(administrator), membership=membership)

        assert Membership.objects.filter(pk=membership.pk).exists()
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize("role", [Role.USER, Role.EXTERNAL])
    def test_users_and_external_users_cannot_remove_members(
        self, organization, administrator, access_of, role
    ):
        someone = member(organization, role)
        membership = Membership.objects.get(user=administrator, organization=organization)

        with pytest.raises(PermissionDenied):
            services.membership_remove(access=access_of(someone), membership=membership)

        assert Membership.objects.filter(pk=membership.pk).exists()
        assert not AuditEvent.objects.exists()

    def test_a_member_of_another_organization_cannot_be_removed(
        self, legal_representative, outsider, access_of
    ):
        foreign = Membership.objects.get(user=outsider)

        with pytest.raises(PermissionDenied):
            services.membership_remove(access=access_of(legal_representative), membership=foreign)

        assert Membership.objects.filter(pk=foreign.pk).exists()
        assert not AuditEvent.objects.exists()


# Billing addresses


def address_data(**overrides):
    data = {
        "name": "Helvetia Web AG",
        "street": "Rue du Marché 1",
        "postal_code": "1204",
        "city": "Genève",
        "country": "CH",
        "email": "billing@helvetia.example",
        "vat_number": "",
    }
    return {**data, **overrides}


class TestBillingAddresses:
    def test_the_first_address_becomes_the_default(self, organization, legal_representative, access_of):
        address = services.billing_address_create(access=access_of(legal_representative), data=address_data())

        assert address.is_default
        assert address.organization == organization
        event = only_event("billing_address.created")
        assert event.actor == legal_representative
        assert event.organization == organization
        assert event.target_id == str(address.pk)
        assert event.changes == {**address_data(), "is_default": True}

    def test_a_second_address_is_not_the_default_unless_asked(self, organization, administrator, access_of):
        first = services.billing_address_create(access=access_of(administrator), data=address_data())
        second = services.billing_address_create(
            access=access_of(administrator), data=address_data(city="Bern")
        )

        first.refresh_from_db()
        second.refresh_from_db()
        assert first.is_default
        assert not second.is_default
        assert [event.changes["is_default"] for event in AuditEvent.objects.order_by("pk")] == [True, False]

    def test_creating_a_new_default_unsets_the_previous_one(self, organization, administrator, access_of):
        first = services.billing_address_create(access=access_of(administrator), data=address_data())
        second = services.billing_address_create(
            access=access_of(administrator), data=address_data(city="Bern"), is_default=True
        )

        first.refresh_from_db()
        assert second.is_default
        assert not first.is_default
        assert list(BillingAddress.objects.filter(organization=organization, is_default=True)) == [second]
        event = AuditEvent.objects.filter(action="billing_address.created").order_by("pk").last()
        assert event.target_id == str(second.pk)
        assert event.changes["is_default"] is True

    def test_making_another_address_the_default_unsets_the_previous_one(
        self, organization, legal_representative, access_of
    ):
        access = access_of(legal_representative)
        first = services.billing_address_create(access=access, data=address_data())
        second = services.billing_address_create(access=access, data=address_data(city="Bern"))

        services.billing_address_update(access=access, address=second, data={}, is_default=True)

        first.refresh_from_db()
        second.refresh_from_db()
        assert second.is_default
        assert not first.is_default
        event = only_event("billing_address.updated")
        assert event.target_id == str(second.pk)
        assert event.changes == {"is_default": [False, True]}

    def test_updating_an_address_stores_and_audits_the_changes(
        self, organization, legal_representative, access_of
    ):
        access = access_of(legal_representative)
        address = services.billing_address_create(access=access, data=address_data())

        services.billing_address_update(
            access=access, address=address, data={"city": "Lausanne", "vat_number": "CHE-107.787.577 IVA"}
        )

        address.refresh_from_db()
        assert address.city == "Lausanne"
        assert address.vat_number == "CHE107787577IVA"
        assert address.street == "Rue du Marché 1"
        event = only_event("billing_address.updated")
        assert event.actor == legal_representative
        assert event.changes == {"city": ["Genève", "Lausanne"], "vat_number": ["", "CHE107787577IVA"]}

    def test_fields_that_are_not_address_fields_change_nothing(
        self, organization, legal_representative, outsider, access_of
    ):
        access = access_of(legal_representative)
        address = services.billing_address_create(access=access, data=address_data())
        elsewhere = Membership.objects.get(user=outsider).organization

        services.billing_address_update(
            access=access, address=address, data={"organization": elsewhere, "organization_id": elsewhere.pk}
        )

        address.refresh_from_db()
        assert address.organization == organization
        assert not AuditEvent.objects.filter(action="billing_address.updated").exists()

    def test_deleting_the_default_promotes_the_oldest_remaining_address(
        self, organization, legal_representative, access_of
    ):
        access = access_of(legal_representative)
        default = services.billing_address_create(access=access, data=address_data(name="Default"))
        newer = services.billing_address_create(access=access, data=address_data(name="Newer"))
        older = services.billing_address_create(access=access, data=address_data(name="Older"))
        now = timezone.now()
        BillingAddress.objects.filter(pk=newer.pk).update(created_at=now - timedelta(days=1))
        BillingAddress.objects.filter(pk=older.pk).update(created_at=now - timedelta(days=30))
        default_pk = default.pk

        services.billing_address_delete(access=access, address=default)

        assert not BillingAddress.objects.filter(pk=default_pk).exists()
        older.refresh_from_db()
        newer.refresh_from_db()
        assert older.is_default
        assert not newer.is_default
        event = only_event("billing_address.deleted")
        assert event.actor == legal_representative
        assert event.organization == organization
        assert event.target_id == str(default_pk)
        assert event.changes == {"name": "Default", "city": "Genève"}

    def test_deleting_another_address_keeps_the_default(self, organization, legal_representative, access_of):
        access = access_of(legal_representative)
        default = services.billing_address_create(access=access, data=address_data(name="Default"))
        other = services.billing_address_create(access=access, data=address_data(name="Other"))

        other_pk = other.pk

        services.billing_address_delete(access=access, address=other)

        default.refresh_from_db()
        assert default.is_default
        assert list(BillingAddress.objects.filter(organization=organization)) == [default]
        event = only_event("billing_address.deleted")
        assert (event.actor, event.target_id, event.changes) == (
            legal_representative,
            str(other_pk),
            {"name": "Other", "city": "Genève"},
        )

    def test_deleting_an_address_loaded_before_another_became_the_default_keeps_that_default(
        self, organization, legal_representative, access_of
    ):
        """The service must go by the address as stored, not by a copy the caller loaded earlier."""
        access = access_of(legal_representative)
        first = services.billing_address_create(access=access, data=address_data(name="First"))
        services.billing_address_create(access=access, data=address_data(name="Second"))
        third = services.billing_address_create(access=access, data=address_data(name="Third"))
        loaded_earlier = BillingAddress.objects.get(pk=first.pk)
        services.billing_address_update(access=access, address=third, data={}, is_default=True)

        services.billing_address_delete(access=access, address=loaded_earlier)

        defaults = BillingAddress.objects.filter(organization=organization, is_default=True)
        assert [address.name for address in defaults] == ["Third"]

    def test_deleting_the_default_loaded_before_it_became_the_default_still_promotes_another(
        self, organization, legal_representative, access_of
    ):
        access = access_of(legal_representative)
        services.billing_address_create(access=access, data=address_data(name="First"))
        second = services.billing_address_create(access=access, data=address_data(name="Second"))
        services.billing_address_create(access=access, data=address_data(name="Third"))
        loaded_earlier = BillingAddress.objects.get(pk=second.pk)
        services.billing_address_update(access=access, address=second, data={}, is_default=True)

        services.billing_address_delete(access=access, address=loaded_earlier)

        defaults = BillingAddress.objects.filter(organization=organization, is_default=True)
        assert [address.name for address in defaults] == ["First"]

    def test_deleting_the_only_address_leaves_none(self, organization, legal_representative, access_of):
        access = access_of(legal_representative)
        address = services.billing_address_create(access=access, data=address_data())

        services.billing_address_delete(access=access, address=address)

        assert not BillingAddress.objects.filter(organization=organization).exists()

    @pytest.mark.parametrize(
        ("country", "vat_number", "stored"),
        [
            ("DE", "de 136 695 976", "DE136695976"),
            ("CH", "CHE-116.281.710 TVA", "CHE116281710TVA"),
            ("FR", "23334175221", "FR23334175221"),
        ],
    )
    def test_the_vat_number_is_checked_for_the_address_s_country(
        self, organization, legal_representative, access_of, country, vat_number, stored
    ):
        address = services.billing_address_create(
            access=access_of(legal_representative), data=address_data(country=country, vat_number=vat_number)
        )

        assert address.vat_number == stored
        assert only_event("billing_address.created").changes["vat_number"] == stored

    def test_changing_the_address_s_country_checks_its_vat_number_again(
        self, organization, legal_representative, access_of
    ):
        access = access_of(legal_representative)
        address = services.billing_address_create(
            access=access, data=address_data(country="DE", city="Berlin", vat_number="DE136695976")
        )

        with pytest.raises(ValidationError) as excinfo:
            services.billing_address_update(access=access, address=address, data={"country": "AT"})

        assert error_fields(excinfo) == {"vat_number"}
        address.refresh_from_db()
        assert address.country.code == "DE"
        assert not AuditEvent.objects.filter(action="billing_address.updated").exists()

    @pytest.mark.parametrize(
        ("country", "vat_number"),
        [
            ("DE", "CHE-116.281.710 MWST"),
            ("CH", "DE136695976"),
            ("DE", "DE136695978"),
            ("CH", "CHE-116.281.710"),
            ("US", "123456789"),
        ],
    )
    def test_a_vat_number_not_valid_for_the_address_s_country_is_refused(
        self, legal_representative, access_of, country, vat_number
    ):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.billing_address_create(
                access=access_of(legal_representative),
                data=address_data(country=country, vat_number=vat_number),
            )

        assert error_fields(excinfo) == {"vat_number"}
        assert state() == before

    def test_missing_fields_are_each_reported_and_nothing_is_saved(self, legal_representative, access_of):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.billing_address_create(access=access_of(legal_representative), data={"email": "nope"})

        assert error_fields(excinfo) == {"name", "street", "postal_code", "city", "country", "email"}
        assert state() == before

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"name": "x" * 201}, "name"),
            ({"postal_code": "1" * 21}, "postal_code"),
            ({"city": "   "}, "city"),
            ({"country": "ZZ"}, "country"),
        ],
    )
    def test_a_bad_field_is_refused_on_update_and_nothing_changes(
        self, organization, legal_representative, access_of, overrides, field
    ):
        access = access_of(legal_representative)
        address = services.billing_address_create(access=access, data=address_data())
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.billing_address_update(access=access, address=address, data=overrides)

        assert error_fields(excinfo) == {field}
        address.refresh_from_db()
        assert (address.name, address.postal_code, address.city, address.country.code) == (
            "Helvetia Web AG",
            "1204",
            "Genève",
            "CH",
        )
        assert state() == before

    @pytest.mark.parametrize("role", [Role.USER, Role.EXTERNAL])
    def test_users_and_external_users_cannot_manage_addresses(self, organization, access_of, role):
        someone = member(organization, role)
        address = BillingAddressFactory(organization=organization, is_default=True)
        before = state()

        with pytest.raises(PermissionDenied):
            services.billing_address_create(access=access_of(someone), data=address_data())
        with pytest.raises(PermissionDenied):
            services.billing_address_update(access=access_of(someone), address=address, data={"city": "Bern"})
        with pytest.raises(PermissionDenied):
            services.billing_address_delete(access=access_of(someone), address=address)

        address.refresh_from_db()
        assert address.city == "Genève"
        assert state() == before

    def test_an_address_of_another_organization_cannot_be_changed_or_deleted(
        self, legal_representative, outsider, access_of
    ):
        foreign = BillingAddressFactory(organization=Membership.objects.get(user=outsider).organization)
        before = state()

        with pytest.raises(PermissionDenied):
            services.billing_address_update(
                access=access_of(legal_representative), address=foreign, data={"city": "Bern"}
            )
        with pytest.raises(PermissionDenied):
            services.billing_address_delete(access=access_of(legal_representative), address=foreign)
        with pytest.raises(PermissionDenied):
            services.billing_address_update(
                access=access_of(legal_representative), address=foreign, data={}, is_default=True
            )

        foreign.refresh_from_db()
        assert foreign.city == "Genève"
        assert state() == before


# Products


class TestProductInstall:
    @pytest.mark.parametrize("role", [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER])
    def test_members_install_a_product_in_their_organization(self, organization, access_of, role):
        someone = member(organization, role)
        mail = ProductType.objects.get(slug="mail-service")

        product = services.product_install(
            access=access_of(someone), product_type=mail, name=" mail.example.ch "
        )

        assert product.organization == organization
        assert product.product_type == mail
        assert product.name == "mail.example.ch"
        event = only_event("product.installed")
        assert event.actor == someone
        assert event.organization == organization
        assert event.target_id == str(product.pk)
        assert event.changes == {"product_type": "mail-service", "name": "mail.example.ch"}

    def test_an_external_user_cannot_install_a_product(self, organization, external_user, access_of):
        granted = ProductFactory(organization=organization)
        Membership.objects.get(user=external_user).products.add(granted)
        before = state()

        with pytest.raises(PermissionDenied):
            services.product_install(
                access=access_of(external_user),
                product_type=ProductType.objects.get(slug="web-hosting"),
                name="mine.example.ch",
            )

        assert state() == before

    @pytest.mark.parametrize("name", ["", "   ", "x" * 201])
    def test_a_product_needs_a_name(self, legal_representative, access_of, name):
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.product_install(
                access=access_of(legal_representative),
                product_type=ProductType.objects.get(slug="web-hosting"),
                name=name,
            )

        assert error_fields(excinfo) == {"name"}
        assert state() == before

    def test_a_product_no_longer_sold_cannot_be_installed(self, legal_representative, access_of):
        retired = ProductType.objects.get(slug="ssl-dv")
        retired.is_active = False
        retired.save()
        before = state()

        with pytest.raises(ValidationError) as excinfo:
            services.product_install(access=access_of(legal_representative), product_type=retired, name="old")

        assert error_fields(excinfo) == {"product_type"}
        assert state() == before


# The user's own preferences


class TestUserPreferences:
    @pytest.mark.parametrize("theme", [Theme.LIGHT, Theme.DARK])
    def test_the_theme_is_stored_and_audited(self, plain_user, theme):
        services.user_set_theme(user=plain_user, theme=theme)

        plain_user.refresh_from_db()
        assert plain_user.theme == theme
        event = only_event("user.theme_changed")
        assert event.actor == plain_user
        assert event.organization is None
        assert event.target_id == str(plain_user.pk)
        assert event.changes == {"theme": ["auto", theme]}

    def test_choosing_the_current_theme_again_writes_nothing(self, plain_user):
        services.user_set_theme(user=plain_user, theme=Theme.AUTO)

        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize("theme", ["", "blue", "DARK", None])
    def test_an_unknown_theme_is_refused(self, plain_user, theme):
        with pytest.raises(ValidationError) as excinfo:
            services.user_set_theme(user=plain_user, theme=theme)

        assert error_fields(excinfo) == {"theme"}
        plain_user.refresh_from_db()
        assert plain_user.theme == Theme.AUTO
        assert not AuditEvent.objects.exists()

    def test_the_password_is_changed_and_audited(self, plain_user):
        services.user_change_password(user=plain_user, old_password=PASSWORD, new_password=STRONG_PASSWORD)

        plain_user.refresh_from_db()
        assert plain_user.check_password(STRONG_PASSWORD)
        assert not plain_user.check_password(PASSWORD)
        event = only_event("user.password_changed")
        assert event.actor == plain_user
        assert event.organization is None
        assert event.changes == {}
        assert STRONG_PASSWORD not in str(event.changes)

    @pytest.mark.parametrize("old_password", ["wrong-password", "", None])
    def test_a_wrong_current_password_is_refused(self, plain_user, old_password):
        with pytest.raises(ValidationError) as excinfo:
            services.user_change_password(
                user=plain_user, old_password=old_password, new_password=STRONG_PASSWORD
            )

        assert error_fields(excinfo) == {"old_password"}
        plain_user.refresh_from_db()
        assert plain_user.check_password(PASSWORD)
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize(
        "new_password", ["short", "password123", "98765432109876", "user@helvetia.example", ""]
    )
    def test_a_weak_new_password_is_refused(self, plain_user, new_password):
        with pytest.raises(ValidationError) as excinfo:
            services.user_change_password(user=plain_user, old_password=PASSWORD, new_password=new_password)

        assert error_fields(excinfo) == {"new_password1"}
        plain_user.refresh_from_db()
        assert plain_user.check_password(PASSWORD)
        assert not AuditEvent.objects.exists()


class TestRegressions:
    def test_a_company_that_never_gave_a_vat_number_can_still_be_renamed(self, db):
        organization = OrganizationFactory(country="DE", vat_number="")
        access = resolve_access(member(organization), organization)
        services.organization_update(access=access, name="Renamed GmbH", vat_number="")
        organization.refresh_from_db()
        assert organization.name == "Renamed GmbH"
        assert organization.vat_number == ""

    def test_a_company_cannot_remove_its_vat_number(self, db):
        organization = OrganizationFactory(country="DE", vat_number="DE136695976")
        access = resolve_access(member(organization), organization)
        with pytest.raises(ValidationError) as excinfo:
            services.organization_update(access=access, vat_number="")
        assert error_fields(excinfo) == {"vat_number"}
        organization.refresh_from_db()
        assert organization.vat_number == "DE136695976"

    def test_a_billing_email_longer_than_the_column_is_refused_on_its_field(self, db):
        organization = OrganizationFactory()
        access = resolve_access(member(organization), organization)
        data = {"name": "HQ", "street": "Main 1", "postal_code": "8000", "city": "Zürich", "country": "CH"}
        with pytest.raises(ValidationError) as excinfo:
            services.billing_address_create(access=access, data={**data, "email": "a" * 250 + "@example.com"})
        assert error_fields(excinfo) == {"email"}
        assert not BillingAddress.objects.exists()
