"""The activity log speaks people: each event code the services write reads as a sentence built from the
event's data, with labels instead of codes, ids or Python lists, in the viewer's language."""

import ast
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from billing import services as billing_services
from billing.models import OrderKind
from compliance.activity import ADMIN_VERBS, Lookups, Said, describe, has_sentence
from core.audit import audit_record
from core.models import AuditEvent
from organizations import services as organization_services
from organizations.admin import AuditedAdmin
from organizations.models import Role, User
from partners import services as partner_services
from tests.factories import PASSWORD, ProductFactory

PROJECT = Path(__file__).resolve().parents[2]
APPS = ["core", "organizations", "partners", "billing", "tokens", "newsletter", "compliance", "console"]
CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")
# Codes built at run time, and every code they stand for.
DYNAMIC_CODES = {
    "order.{kind}": [f"order.{kind}" for kind in OrderKind.values],
    "admin.{obj._meta.model_name}.{verb}": [
        f"admin.{model._meta.model_name}.{verb}"
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, AuditedAdmin)
        for verb in ADMIN_VERBS
    ],
}


def _audit_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in {"audit_record", "_audit"}:
                yield node


def codes_written_by_the_code() -> tuple[set[str], set[str]]:
    """The event codes passed to `audit_record` and the apps' `_audit` helpers: literal codes, and the source
    of codes built at run time (f-strings)."""
    literal, dynamic = set(), set()
    for app in APPS:
        for path in (PROJECT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            for call in _audit_calls(ast.parse(source)):
                values = [
                    *call.args,
                    *(keyword.value for keyword in call.keywords if keyword.arg == "action"),
                ]
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        if CODE.match(value.value):
                            literal.add(value.value)
                    elif isinstance(value, ast.JoinedStr):
                        dynamic.add(ast.get_source_segment(source, value)[2:-1])
    return literal, dynamic


def test_every_event_code_the_services_write_has_a_sentence():
    literal, dynamic = codes_written_by_the_code()
    assert len(literal) > 30, "the scan no longer finds the services' audit calls"
    assert dynamic <= set(DYNAMIC_CODES), f"codes built at run time that this test cannot list: {dynamic}"
    codes = literal | {code for pattern in dynamic for code in DYNAMIC_CODES[pattern]}
    assert "admin.organization.changed" in codes
    missing = sorted(code for code in codes if not has_sentence(code))
    assert missing == [], f"event codes without a sentence in compliance/activity.py: {missing}"


def test_an_unknown_code_has_no_sentence():
    assert not has_sentence("spaceship.launched")
    assert not has_sentence("admin.spaceship.added")


# Sentences in English


def named(user: User, full_name: str) -> User:
    User.objects.filter(pk=user.pk).update(full_name=full_name)
    user.refresh_from_db()
    return user


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.select_related("actor", "organization", "counterparty").get(action=action)


@pytest.fixture
def accepted_partnership(organization, legal_representative, partner_org, partner_legal, acting):
    """Léman Digital asked Helvetia Web AG for Full access; Anna Muster, the client's legal representative,
    accepted."""
    named(legal_representative, "Anna Muster")
    client_request = partner_services.partnership_request(
        access=acting(partner_legal, partner_org),
        client_email=legal_representative.email,
        access_level="full",
        payment_method="client",
    )
    asked = partner_services.partnership_request_deliver(client_request=client_request, by=partner_legal)
    return partner_services.partnership_accept(
        access=acting(legal_representative, organization), partnership=asked, password=PASSWORD
    )


def test_accepting_a_partner_reads_as_a_sentence(accepted_partnership):
    description = describe(last_event("partnership.accepted"))
    assert description.sentence == "Anna Muster accepted Léman Digital SA as Full partner."
    # The client keeps paying, as asked: no "client → client" non-change, no code.
    assert description.details == [("Payment", "client pays")]


def test_changing_who_pays_says_what_it_was(accepted_partnership, organization, legal_representative, acting):
    partner_services.partnership_change_payment_method(
        access=acting(legal_representative, organization),
        partnership=accepted_partnership,
        payment_method="partner",
        password=PASSWORD,
    )
    description = describe(last_event("partnership.payment_method_changed"))
    assert description.sentence == (
        "Anna Muster changed who pays for Léman Digital SA: partner pays (was: client pays)."
    )


def test_the_invitation_of_a_limited_partner_names_its_products(
    organization, legal_representative, partner_org, acting
):
    named(legal_representative, "Anna Muster")
    shop = ProductFactory(organization=organization, name="shop.helvetia.ch")
    blog = ProductFactory(organization=organization, name="blog.helvetia.ch")
    partner_services.partnership_invite(
        access=acting(legal_representative, organization),
        partner=partner_org,
        access_level="limited",
        products=[shop, blog],
    )
    description = describe(last_event("partnership.invited"))
    assert description.sentence == "Anna Muster invited Léman Digital SA as Limited partner."
    assert description.details == [
        ("Payment", "client pays"),
        ("Products", "shop.helvetia.ch, blog.helvetia.ch"),
    ]


def test_a_role_change_shows_labels_not_codes_or_ids(organization, legal_representative, acting):
    named(legal_representative, "Anna Muster")
    site = ProductFactory(organization=organization, name="site.helvetia.ch")
    access = acting(legal_representative, organization)
    membership = organization_services.membership_add(
        access=access, email="eva@helvetia.example", role=Role.EXTERNAL, products=[site]
    )
    added = describe(last_event("membership.added"))
    organization_services.membership_change_role(
        access=access, membership=membership, role=Role.ADMINISTRATOR
    )
    changed = describe(last_event("membership.role_changed"))

    assert added.sentence == "Anna Muster added eva@helvetia.example as external user."
    assert added.details == [("Products", "site.helvetia.ch")]
    assert changed.sentence == "Anna Muster changed the role of eva@helvetia.example."
    assert changed.details == [
        ("Role", "Administrator (was: External)"),
        ("Products", "— (was: site.helvetia.ch)"),
    ]


def test_every_partner_access_reads_as_words_not_a_code(organization, partner_org, legal_representative):
    """In the details of an event (e.g. the filters of an export), an access is named, never its code."""
    audit_record(
        actor=legal_representative,
        organization=organization,
        counterparty=partner_org,
        action="partnership.accepted",
        changes={"access": "technical"},
    )
    event = last_event("partnership.accepted")
    said = Said(event, Lookups.for_events([event]))
    assert [said.label_of("access", code) for code in ("technical", "read_only", "billing", "full")] == [
        "Technical access",
        "Read-only access",
        "Billing access",
        "Full access",
    ]


def test_an_update_lists_only_what_changed(organization, legal_representative, acting):
    named(legal_representative, "Anna Muster")
    organization_services.organization_update(
        access=acting(legal_representative, organization), name="Helvetia AG"
    )
    description = describe(last_event("organization.updated"))
    assert description.sentence == "Anna Muster changed the details of the organization."
    assert description.details == [("Name", "Helvetia AG (was: Helvetia Web AG)")]


def test_an_amount_reads_as_the_event_recorded_it(organization, legal_representative, acting):
    named(legal_representative, "Anna Muster")
    billing_services.wallet_top_up(access=acting(legal_representative, organization), amount="50")
    description = describe(last_event("wallet.topped_up"))
    assert description.sentence == "Anna Muster topped up the wallet with CHF 50.00."
    assert description.details == [("Balance", "CHF 50.00")]


def test_what_nobody_did_is_said_without_an_actor(organization, partner_org):
    audit_record(
        actor=None, organization=organization, counterparty=partner_org, action="partnership.expired"
    )
    assert describe(last_event("partnership.expired")).sentence == (
        "The invitation between Helvetia Web AG and Léman Digital SA expired."
    )


def test_a_deleted_user_is_named_by_the_email_kept(organization, legal_representative):
    audit_record(actor=legal_representative, organization=organization, action="user.password_changed")
    legal_representative.delete()
    assert describe(last_event("user.password_changed")).sentence == (
        "legal@helvetia.example changed their password."
    )


# In the viewer's language


def test_a_sentence_in_french(accepted_partnership, organization, legal_representative, acting):
    partner_services.partnership_change_payment_method(
        access=acting(legal_representative, organization),
        partnership=accepted_partnership,
        payment_method="partner",
        password=PASSWORD,
    )
    with translation.override("fr"):
        description = describe(last_event("partnership.payment_method_changed"))
    assert description.sentence == (
        "Anna Muster a modifié qui paie pour Léman Digital SA : le partenaire paie (avant : le client paie)."
    )


# Where the log is shown


def test_the_page_and_the_api_show_the_sentences(
    client, client_of, organization, legal_representative, accepted_partnership
):
    client.force_login(legal_representative)
    page = client.get(reverse("activity_log", kwargs={"org_id": organization.pk})).text
    assert "Anna Muster accepted Léman Digital SA as Full partner." in page
    assert "<code>partnership.accepted</code>" in page
    assert "client pays" in page
    assert "[&#x27;" not in page  # no Python list

    api = client_of(legal_representative).get(
        reverse("api:activity-list", kwargs={"org_id": organization.pk})
    )
    rows = {row["action"]: row for row in api.json()["results"]}
    assert (
        rows["partnership.accepted"]["description"]
        == "Anna Muster accepted Léman Digital SA as Full partner."
    )
    assert rows["partnership.accepted"]["changes"]["access"] == [
        "full",
        "full",
    ]  # the stored data, as written
