"""Every console page, in French, German and Italian, has no English left in its main text.

Each page is rendered in English and in the language (as the browser asks, with Accept-Language). A text
segment of the page's `<main>` (a text, or a label read aloud: `aria-label`, `placeholder`, `title`, `alt`)
that is the same in both and still holds words of the console's English that the language's translations
never use is reported. What is not text to translate is left out: whatever the database holds (names,
addresses, product names, the emails sent), email addresses, numbers, dates, amounts, codes, and anything
marked with its own `lang` (the language menu names each language in itself).

The walk covers every named URL of the console (`test_the_walk_covers_every_page` fails when a page is
added without being walked here), as the users who see it, with the data the pages show.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django_countries import countries

from billing import services as billing_services
from billing.exports import BillingExport, History
from compliance import services as compliance_services
from compliance.dpa import verification_code
from console.models import MailboxMessage
from core.sudo import SESSION_KEY as SUDO_SESSION_KEY
from organizations import services as organization_services
from organizations.access import resolve_access
from organizations.models import Membership, ProductType, Role, User
from partners import services as partner_services
from partners.models import ClientRequest, PartnerTeam
from tests.factories import (
    BillingAddressFactory,
    OrganizationFactory,
    PartnerProfileFactory,
    PartnershipFactory,
    ProductFactory,
    member,
)
from tests.i18n.catalogues import ROOT, TRANSLATED, english_vocabulary, vocabulary
from tokens import scopes
from tokens import services as token_services

# Words that stay as they are in every language: the console's own name.
SAME_IN_EVERY_LANGUAGE = {"manager"}


# What a page says: the text segments of its main content


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
NOT_TEXT = {"script", "style", "code", "pre", "kbd", "samp"}
READ_ALOUD = ("aria-label", "placeholder", "title", "alt")


class MainText(HTMLParser):
    """The text segments of `<main>` (of the whole document for a fragment that has none)."""

    def __init__(self, *, whole: bool):
        super().__init__(convert_charrefs=True)
        self.whole = whole
        self.open: list[tuple[str, bool, bool]] = []  # (tag, opens <main>, is not text)
        self.segments: list[str] = []

    @property
    def reading(self) -> bool:
        inside = self.whole or any(is_main for _, is_main, _ in self.open)
        return inside and not any(skipped for _, _, skipped in self.open)

    def _add(self, text: str | None) -> None:
        text = " ".join((text or "").split())
        if text:
            self.segments.append(text)

    def _element(self, tag: str, attrs: list) -> bool:
        attributes = dict(attrs)
        own_language = "lang" in attributes and tag != "html"
        skipped = tag in NOT_TEXT or own_language or attributes.get("translate") == "no"
        if self.reading and not skipped:
            for name in READ_ALOUD:
                self._add(attributes.get(name))
            if tag == "input" and attributes.get("type") in {"submit", "button", "reset"}:
                self._add(attributes.get("value"))
        return skipped

    def handle_starttag(self, tag, attrs):
        skipped = self._element(tag, attrs)
        if tag not in VOID:
            self.open.append((tag, tag == "main", skipped))

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs)

    def handle_endtag(self, tag):
        if any(open_tag == tag for open_tag, _, _ in self.open):
            while self.open and self.open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if self.reading:
            self._add(data)


def main_text(html: str) -> list[str]:
    parser = MainText(whole="<main" not in html)
    parser.feed(html)
    parser.close()
    return parser.segments


# What is data, not text


@dataclass
class Data:
    """Every string the database holds (and the seller printed on invoices), to leave out of the text."""

    values: list[str]
    blob: str = field(init=False)
    pattern: re.Pattern | None = field(init=False)

    def __post_init__(self):
        self.blob = "\x00".join(self.values)
        longest_first = sorted(self.values, key=len, reverse=True)
        self.pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, longest_first)) + r")(?!\w)")
            if longest_first
            else None
        )


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if len(value.strip()) >= 2 else []
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def database_data(language: str) -> Data:
    values = set(_strings(list(settings.SELLER.values())))
    # Country names that the language writes as English does ("Liechtenstein").
    with translation.override("en"):
        english_countries = dict(countries)
    with translation.override(language):
        values.update(name for code, name in countries if name == english_countries.get(code))
    for model in apps.get_models():
        # Fields with choices hold codes; their labels are the text that must be translated.
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices
        ]
        if names:
            for row in model.objects.values_list(*names):
                values.update(_strings(list(row)))
    return Data(values=sorted(values))


ADDRESS_OR_CODE = re.compile(r"\S+@\S+|https?://\S+|(?<!\w)/[\w/.?=&%-]*")
WORD = re.compile(r"[^\W\d_]{2,}")


def leftover_words(segment: str, data: Data) -> set[str]:
    """The words of a segment once data, addresses, numbers, dates, amounts and codes are taken out."""
    if segment in data.blob:
        return set()
    if data.pattern is not None:
        segment = data.pattern.sub(" ", segment)
    segment = ADDRESS_OR_CODE.sub(" ", segment)
    found = set()
    for token in segment.split():
        token = token.strip(".,;:!?()[]{}«»\"'“”„‘’…·—–-")
        if not token or any(c.isdigit() for c in token) or any(c in token for c in "._/@=#"):
            continue
        for word in WORD.findall(token):
            if not word.isupper():  # CHF, VAT, PDF, API: codes and acronyms
                found.add(word.lower())
    return found


def english_left(translated: list[str], english: list[str], language: str, data: Data) -> list[str]:
    """The segments that stay as in English and hold English words the language's translations never use."""
    same = set(english)
    known = vocabulary(language) | SAME_IN_EVERY_LANGUAGE
    found = []
    for segment in dict.fromkeys(translated):
        if segment in same:
            words = sorted((leftover_words(segment, data) & english_vocabulary()) - known)
            if words:
                found.append(f"{segment!r} ({', '.join(words)})")
    return found


# The world the pages show


@dataclass
class World:
    users: dict[str, User | None]
    ids: dict[str, int | str]


@pytest.fixture
def world(
    organization,
    legal_representative,
    administrator,
    plain_user,
    external_user,
    partner_org,
    partner_legal,
    settings,
    django_capture_on_commit_callbacks,
) -> World:
    """Helvetia Web AG (its four roles, products, an address, invoices, a credit note, a wallet, tokens,
    a DPA certificate, emails) managed by Léman Digital SA with Full access; Alpine Shop invites Léman, and
    Léman asks Berg Reisen for access; Jura Web is a partner nobody works with yet; a person added without an
    account has yet to set a password."""
    settings.BILLING_EXPORT_INLINE_MAX_ROWS = 0  # the export is prepared in the background: its dialog shows
    client_org = organization
    client_access = resolve_access(legal_representative, client_org)
    web_hosting = ProductType.objects.get(slug="web-hosting")
    product = ProductFactory(organization=client_org, name="shop.helvetia.example")
    Membership.objects.get(user=external_user).products.add(product)
    address = BillingAddressFactory(organization=client_org, name="Helvetia Web AG", is_default=True)
    partnership = PartnershipFactory(client=client_org, partner=partner_org, access="full")
    alpine = OrganizationFactory(name="Alpine Shop AG", country="CH")
    alpine_legal = member(alpine, Role.LEGAL_REPRESENTATIVE, email="owner@alpine.example")
    invitation = PartnershipFactory(client=alpine, partner=partner_org, status="pending", access="limited")
    berg = OrganizationFactory(name="Berg Reisen GmbH", country="DE")
    berg_legal = member(berg, Role.LEGAL_REPRESENTATIVE, email="owner@berg.example")
    request = PartnershipFactory(client=berg, partner=partner_org, status="pending", initiated_by="partner")
    # The partner knows its request by the address it typed.
    client_request = ClientRequest.objects.create(
        partner=partner_org, client_email=berg_legal.email, access="full", partnership=request
    )
    jura = PartnerProfileFactory(
        organization=OrganizationFactory(name="Jura Web Sàrl"), public_name="Jura Web"
    )
    staff = member(OrganizationFactory(name="Platform staff"), Role.LEGAL_REPRESENTATIVE, is_staff=True)
    # A team of the partner, assigned to Helvetia beside every member.
    team = PartnerTeam.objects.create(organization=partner_org, name="Support Romandie")
    team.members.add(
        Membership.objects.get(
            user=member(partner_org, Role.USER, email="sam@leman.example", full_name="Sam")
        )
    )
    partnership.assigned_teams.add(team)

    with django_capture_on_commit_callbacks(execute=True):
        order = billing_services.product_order(
            access=client_access, product_type=web_hosting, name="blog.helvetia.example"
        )
        billing_services.product_order(
            access=resolve_access(partner_legal, client_org), product_type=web_hosting, name="www.helvetia.ch"
        )
        billing_services.wallet_top_up(access=client_access, amount=Decimal("500.00"))
        invoice = order.invoice_lines.get().invoice
        credit_note = billing_services.credit_note_issue(invoice=invoice, by=staff, reason="Ordered twice.")
        token, _plaintext = token_services.token_create(
            user=legal_representative,
            name="Deploy script",
            application=scopes.MANAGER_API,
            scopes=scopes.all_scopes(scopes.MANAGER_API),
            password_confirmed=True,
        )
        unused, _plaintext = token_services.token_create(
            user=legal_representative,
            name="Old script",
            application=scopes.MANAGER_API,
            scopes=scopes.all_scopes(scopes.MANAGER_API),
            password_confirmed=True,
        )
        token_services.token_disable(token=unused, reason="Unused for a year.")
        certificate = compliance_services.dpa_certificate_issue(access=client_access)
        organization_services.membership_add(access=client_access, email="new@helvetia.example", role="user")
    # Prepared in the background once the request commits, which it never does here: the dialog shows it
    # waiting.
    job = billing_services.billing_export_request(
        access=resolve_access(partner_legal, partner_org),
        export=BillingExport(
            partner=partner_org,
            history=History.ORDERS,
            date_from=timezone.localdate() - timedelta(days=30),
            date_to=timezone.localdate(),
        ),
        stream=False,
    )
    # A bulk renewal request still waiting for its task, and one carried out (refused: the access has no end).
    partner_access = resolve_access(partner_legal, partner_org)
    bulk_running = partner_services.bulk_run_start(
        access=partner_access, action="renewal", partnerships=[partnership]
    )
    bulk_finished = partner_services.bulk_run_start(
        access=partner_access, action="renewal", partnerships=[partnership]
    )
    partner_services.bulk_run_process(run_id=bulk_finished.pk)
    invited = User.objects.get(email="new@helvetia.example")
    message = MailboxMessage.objects.filter(recipients__contains=f",{legal_representative.email},").first()
    return World(
        users={
            "client_legal": legal_representative,
            "client_admin": administrator,
            "client_user": plain_user,
            "external": external_user,
            "partner_legal": partner_legal,
            "alpine_legal": alpine_legal,
            "berg_legal": berg_legal,
            "anonymous": None,
        },
        ids={
            "client": client_org.pk,
            "partner": partner_org.pk,
            "alpine": alpine.pk,
            "berg": berg.pk,
            "product": product.pk,
            "address": address.pk,
            "membership": Membership.objects.get(user=plain_user).pk,
            "partnership": partnership.pk,
            "team": team.pk,
            "invitation": invitation.pk,
            "request": request.pk,
            "client_request": client_request.pk,
            "order": order.pk,
            "invoice": invoice.pk,
            "credit_note": credit_note.pk,
            "token": token.pk,
            "certificate_number": certificate.number,
            "job": job.pk,
            "bulk_running": bulk_running.pk,
            "bulk_finished": bulk_finished.pk,
            "message": message.pk,
            "jura": jura.organization_id,
            "reset_uid": urlsafe_base64_encode(force_bytes(invited.pk)),
            "reset_token": default_token_generator.make_token(invited),
        },
    )


# The pages: who opens them, where, and how (a GET unless the page is a step reached by a POST)


@dataclass(frozen=True)
class Visit:
    user: str
    url: Callable[[World], str]
    # A POST that changes nothing and shows a page (a step, or a refused form), or what makes it.
    data: dict | Callable[[World], dict] | None = None
    sudo: bool = False  # the password was confirmed just now
    status: int = 200


def org(name: str, org_key: str = "client", **ids: str) -> Callable[[World], str]:
    return lambda w: reverse(name, kwargs={"org_id": w.ids[org_key], **{k: w.ids[v] for k, v in ids.items()}})


def _jura(world: World) -> dict:
    """Add a partner, past its search: Jura Web is ticked, the access is chosen next."""
    return {"step": "access", "partner": world.ids["jura"]}


def plain(name: str, query: str = "", **ids: str) -> Callable[[World], str]:
    return lambda w: reverse(name, kwargs={k: w.ids[v] for k, v in ids.items()}) + query


PAGES: dict[str, list[Visit]] = {
    # Signed out
    "login": [
        Visit("anonymous", plain("login")),
        Visit("anonymous", plain("login"), data={"username": "legal@helvetia.example", "password": "wrong"}),
    ],
    "signup": [
        Visit("anonymous", plain("signup")),
        Visit("anonymous", plain("signup"), data={"country": "CH"}),
    ],
    "password_reset_confirm": [
        Visit(
            "anonymous",
            lambda w: reverse("password_reset_confirm", args=[w.ids["reset_uid"], w.ids["reset_token"]]),
        ),
        Visit(
            "anonymous", lambda w: reverse("password_reset_confirm", args=[w.ids["reset_uid"], "bad-token"])
        ),
    ],
    "password_reset_complete": [Visit("anonymous", plain("password_reset_complete"))],
    "outdated_browser": [Visit("anonymous", plain("outdated_browser", "?missing=fetch,css-grid,flex-gap"))],
    "terms": [Visit("anonymous", plain("terms"))],
    "privacy_policy": [Visit("anonymous", plain("privacy_policy"))],
    "data_protection_policy": [Visit("anonymous", plain("data_protection_policy"))],
    "whistleblower": [Visit("anonymous", plain("whistleblower"))],
    "cookie_preferences": [Visit("anonymous", plain("cookie_preferences"))],
    "dpa_verify": [
        Visit("anonymous", plain("dpa_verify")),
        Visit(
            "anonymous",
            lambda w: (
                reverse("dpa_verify")
                + "?"
                + urlencode(
                    {
                        "number": w.ids["certificate_number"],
                        "code": verification_code(w.ids["certificate_number"]),
                    }
                )
            ),
        ),
        Visit("anonymous", plain("dpa_verify", "?number=DPA-0&code=WRONG")),
    ],
    "mailbox": [Visit("client_legal", plain("mailbox"))],
    "mailbox_message": [Visit("client_legal", plain("mailbox_message", message_id="message"))],
    # The account
    "password_change": [Visit("client_legal", plain("password_change"))],
    "account_security": [Visit("client_legal", plain("account_security"))],
    "password_compromised": [
        Visit("client_legal", plain("password_compromised")),
        Visit("client_legal", plain("password_compromised"), data={"old_password": "wrong"}, status=400),
    ],
    "confirm_password": [Visit("client_legal", plain("confirm_password", "?next=/"))],
    "login_two_factor": [Visit("anonymous", plain("login_two_factor"))],
    "two_factor_totp_setup": [
        Visit("client_legal", plain("two_factor_totp_setup"), sudo=True),
        Visit("client_legal", plain("two_factor_totp_setup"), data={"code": "000000"}, sudo=True, status=400),
    ],
    "two_factor_passkey_add": [Visit("client_legal", plain("two_factor_passkey_add"), sudo=True)],
    "two_factor_recovery_codes": [Visit("client_legal", plain("two_factor_recovery_codes"))],
    "organization_new": [Visit("client_legal", plain("organization_new"))],
    # The client's organization
    "dashboard": [
        Visit("client_legal", org("dashboard")),
        Visit("partner_legal", org("dashboard", "partner")),
        Visit("external", org("dashboard")),
    ],
    "products": [Visit("client_legal", org("products")), Visit("partner_legal", org("products"))],
    "product_detail": [Visit("client_legal", org("product_detail", product_id="product"))],
    "product_order": [
        Visit("client_legal", org("product_order")),
        Visit("client_legal", org("product_order"), data={"name": ""}),
    ],
    "order_done": [Visit("client_legal", org("order_done", order_id="order"))],
    "product_renew": [Visit("client_legal", org("product_renew", product_id="product"))],
    "product_cancel": [Visit("client_legal", org("product_cancel", product_id="product"))],
    "product_change_type": [Visit("client_legal", org("product_change_type", product_id="product"))],
    "managed_client_who_pays": [
        Visit("partner_legal", org("managed_client_who_pays", "partner", partnership_id="partnership"))
    ],
    "organization_settings": [
        Visit("client_legal", org("organization_settings")),
        Visit("client_user", org("organization_settings")),
    ],
    "organization_edit": [
        Visit("client_legal", org("organization_edit")),
        Visit("client_legal", org("organization_edit"), data={"name": "", "country": "DE"}),
    ],
    "members": [Visit("client_legal", org("members")), Visit("external", org("members"), status=403)],
    "member_add": [
        Visit("client_legal", org("member_add")),
        Visit("client_legal", org("member_add"), data={"email": "not an address", "role": "external"}),
    ],
    "member_edit": [Visit("client_legal", org("member_edit", membership_id="membership"))],
    "member_remove": [Visit("client_legal", org("member_remove", membership_id="membership"))],
    "billing_addresses": [Visit("client_legal", org("billing_addresses"))],
    "billing_address_add": [
        Visit("client_legal", org("billing_address_add")),
        Visit("client_legal", org("billing_address_add"), data={"country": "DE", "vat_number": "DE1"}),
    ],
    "billing_address_edit": [Visit("client_legal", org("billing_address_edit", address_id="address"))],
    "billing_address_delete": [Visit("client_legal", org("billing_address_delete", address_id="address"))],
    "invoices": [
        Visit("client_legal", org("invoices")),
        Visit("client_legal", lambda w: org("invoices")(w) + "?status=due"),
    ],
    "invoice_detail": [
        Visit("client_legal", org("invoice_detail", invoice_id="invoice")),
        Visit("client_legal", org("invoice_detail", invoice_id="credit_note")),
    ],
    "wallet": [
        Visit("client_legal", org("wallet")),
        Visit("partner_legal", org("wallet", "partner")),
        Visit("client_legal", org("wallet"), data={"amount": "-5"}),
    ],
    "activity_log": [
        Visit("client_legal", org("activity_log")),
        Visit("partner_legal", org("activity_log", "partner")),
    ],
    "data_protection": [Visit("client_legal", org("data_protection"))],
    "api_tokens": [Visit("client_legal", org("api_tokens"))],
    "api_token_create": [
        Visit("client_legal", org("api_token_create"), sudo=True),
        Visit("client_legal", org("api_token_create"), data={"name": ""}, sudo=True),
    ],
    # Reloaded once the token was shown: back to the list, which says why.
    "api_token_created": [Visit("client_legal", org("api_token_created"))],
    # Partner, on the client's side
    "partners": [Visit("client_legal", org("partners")), Visit("berg_legal", org("partners", "berg"))],
    "partner_add": [
        Visit("client_legal", org("partner_add")),
        Visit("client_legal", lambda w: org("partner_add")(w) + "?q=L%C3%A9man"),
        Visit("client_legal", org("partner_add"), data={"step": "search"}),
        Visit(
            "client_legal", org("partner_add"), data=lambda w: {"step": "search", "partner": w.ids["jura"]}
        ),
        Visit("client_legal", org("partner_add"), data=lambda w: {**_jura(w), "access": "limited"}),
        Visit("client_legal", org("partner_add"), data=lambda w: {**_jura(w), "access": "full"}),
        Visit(
            "client_legal", org("partner_add"), data=lambda w: {"step": "search", "partner": w.ids["partner"]}
        ),
    ],
    "partner_detail": [Visit("client_legal", org("partner_detail", partnership_id="partnership"))],
    "partner_payment_edit": [
        Visit("client_legal", org("partner_payment_edit", partnership_id="partnership"), sudo=True)
    ],
    "partner_access_edit": [
        Visit("client_legal", org("partner_access_edit", partnership_id="partnership"), sudo=True)
    ],
    "partnership_stop": [
        Visit("client_legal", org("partnership_stop", partnership_id="partnership")),
        Visit(
            "client_legal", org("partnership_stop", partnership_id="partnership"), data={"confirmed": "yes"}
        ),
    ],
    "partner_end_edit": [
        Visit("client_legal", org("partner_end_edit", partnership_id="partnership")),
        Visit(
            "client_legal",
            org("partner_end_edit", partnership_id="partnership"),
            data={"limit": "until", "last_day": "2001-01-01"},
        ),
    ],
    "partnership_timeline": [
        Visit("client_legal", org("partnership_timeline", partnership_id="partnership")),
        Visit("partner_legal", org("partnership_timeline", "partner", partnership_id="partnership")),
    ],
    "managed_clients_bulk": [
        Visit(
            "partner_legal",
            org("managed_clients_bulk", "partner"),
            data={"action": "stop", "scope": "matching"},
        ),
        Visit(
            "partner_legal",
            org("managed_clients_bulk", "partner"),
            data={"action": "renewal", "scope": "matching", "confirmed": "yes", "end-limit": "none"},
        ),
    ],
    "managed_clients_bulk_run": [
        Visit("partner_legal", org("managed_clients_bulk_run", "partner", run_id="bulk_running")),
        Visit("partner_legal", org("managed_clients_bulk_run", "partner", run_id="bulk_finished")),
    ],
    "partner_handover": [Visit("client_legal", org("partner_handover", partnership_id="partnership"))],
    "managed_client_renewal": [
        Visit("partner_legal", org("managed_client_renewal", "partner", partnership_id="partnership"))
    ],
    "managed_client_members": [
        Visit("partner_legal", org("managed_client_members", "partner", partnership_id="partnership"))
    ],
    "teams": [Visit("partner_legal", org("teams", "partner"))],
    "team_add": [Visit("partner_legal", org("team_add", "partner"))],
    "team_edit": [Visit("partner_legal", org("team_edit", "partner", team_id="team"))],
    "team_delete": [Visit("partner_legal", org("team_delete", "partner", team_id="team"))],
    "client_handover": [
        Visit("partner_legal", org("client_handover", "partner")),
        Visit("partner_legal", org("client_handover", "partner"), data={"code": "AAAA-BBBB-CCCC-DDDD"}),
    ],
    "partnership_answer": [Visit("berg_legal", org("partnership_answer", "berg", partnership_id="request"))],
    "partnership_delete": [
        Visit("alpine_legal", org("partnership_delete", "alpine", partnership_id="invitation"))
    ],
    "request_delete": [Visit("partner_legal", org("request_delete", "partner", request_id="client_request"))],
    # Reseller Area, on the partner's side
    "managed_clients": [Visit("partner_legal", org("managed_clients", "partner"))],
    "statements": [
        Visit("partner_legal", org("statements", "partner")),
        Visit("partner_legal", org("statements", "partner"), data={"month": "1999-01"}),
    ],
    "payouts": [
        Visit("partner_legal", org("payouts", "partner")),
        Visit(
            "partner_legal",
            org("payouts", "partner"),
            data={"amount": "1", "iban": "CH00", "account_holder": ""},
        ),
    ],
    "client_request": [
        Visit("partner_legal", org("client_request", "partner")),
        Visit("partner_legal", org("client_request", "partner"), data={"client_email": "nobody"}),
    ],
    "managed_client_stop": [
        Visit("partner_legal", org("managed_client_stop", "partner", partnership_id="partnership"))
    ],
    "invitation_answer": [
        Visit("partner_legal", org("invitation_answer", "partner", partnership_id="invitation"))
    ],
    "managed_clients_export": [Visit("partner_legal", org("managed_clients_export", "partner"))],
    "billing_export_status": [Visit("partner_legal", org("billing_export_status", "partner", job_id="job"))],
}

# Addresses that are no page to read: actions (POST only), files, redirections, machine answers.
NOT_PAGES = {
    "home": "redirects to the dashboard or the sign-in page",
    "healthz": "a load balancer's probe",
    "health": "the operators' health check (JSON for monitoring)",
    "metrics": "Prometheus metrics, machine-readable",
    "logout": "POST, then the sign-in page",
    "set_theme": "POST, then back",
    "set_language": "POST, then back",
    "product_auto_renew": "POST, then the product's page",
    "invoice_pay": "POST, then the invoice's page",
    "sign_out_everywhere": "POST, then the sign-in page",
    "two_factor_totp_remove": "POST, then back",
    "two_factor_passkey_remove": "POST, then back",
    "two_factor_recovery_codes_regenerate": "POST, then the codes (walked: two_factor_recovery_codes)",
    "organization_two_factor": "POST, then back",
    "partner_invitation": "the emailed link: redirects to the invitation's page (walked: invitation_answer)",
    "partnership_resend": "POST, then back",
    "request_resend": "POST, then back",
    "client_requests_resend": "POST, then back",
    "partner_renewal_answer": "POST, then back to the partner's page",
    "api_tokens_revoke": "POST, then back",
    "dpa_certificate_generate": "a PDF (tests/i18n/test_documents.py)",
    "invoice_pdf": "a PDF (tests/i18n/test_documents.py)",
    "statement_pdf": "a PDF (tests/billing/test_statements.py)",
    "statement_csv": "CSV, machine-readable",
    "activity_log_export": "CSV, machine-readable",
    "billing_export_download": "CSV, machine-readable",
    "invoices_export": "CSV, machine-readable",
}

# Pages reached by no URL of their own.
ERROR_PAGES = {
    "404": Visit("client_legal", lambda w: "/o/999999999/settings/users/", status=404),
    "403": Visit("external", org("organization_edit"), status=403),
}


def console_url_names() -> set[str]:
    """Every named URL outside the admin and the API (their names live in their own namespaces)."""
    return {key for key in get_resolver().reverse_dict if isinstance(key, str)}


def test_the_walk_covers_every_page():
    walked = set(PAGES) | set(NOT_PAGES)
    assert console_url_names() - walked == set(), "Add the new pages to PAGES (or NOT_PAGES, saying why)."
    assert walked - console_url_names() == set(), "PAGES or NOT_PAGES names a URL that no longer exists."


def render(client: Client, visit: Visit, world: World, language: str) -> str:
    url = visit.url(world)
    headers = {"accept-language": language}
    if visit.data is None:
        response = client.get(url, headers=headers, follow=True)
    else:
        data = visit.data(world) if callable(visit.data) else visit.data
        response = client.post(url, data, headers=headers, follow=True)
    assert response.status_code == visit.status, f"{url} answered {response.status_code} in {language}"
    content_type = response.headers.get("Content-Type", "")
    assert content_type.startswith("text/html"), f"{url} is {content_type}"
    return response.content.decode()


def client_for(world: World, visit: Visit) -> Client:
    client = Client()
    user = world.users[visit.user]
    if user is not None:
        client.force_login(user)
        if visit.sudo:
            session = client.session
            session[SUDO_SESSION_KEY] = timezone.now().timestamp()
            session.save()
    return client


def compiled_catalogue_is_fresh(language: str) -> bool:
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    return po.is_file() and mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_english_is_left_on_any_page(world, language):
    assert compiled_catalogue_is_fresh(language), (
        f"locale/{language}/LC_MESSAGES/django.mo is missing or older than its .po: "
        "run `make compilemessages`."
    )
    data = database_data(language)
    visits = [(name, visit) for name, page_visits in PAGES.items() for visit in page_visits]
    visits += list(ERROR_PAGES.items())
    found = []
    for name, visit in visits:
        client = client_for(world, visit)
        english = main_text(render(client, visit, world, "en"))
        translated_html = render(client, visit, world, language)
        if "<html" in translated_html:  # a fragment (htmx) has none
            assert f'<html lang="{language}"' in translated_html, f"{name} is not marked as {language}"
        left = english_left(main_text(translated_html), english, language, data)
        if left:
            found.append(f"{name} ({visit.url(world)}, as {visit.user}):\n  " + "\n  ".join(left))
    assert not found, f"English left in {language}:\n" + "\n".join(found)
