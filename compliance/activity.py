"""The activity log in words: each event code has a sentence, built from the event's data when it is shown,
in the viewer's language ("Anna Muster accepted Pixel Partners as Full partner"), and its other data as
labelled details.

Events stay as their services wrote them (the audit trail is append-only): codes and raw values are read
here, never rewritten. Compliance sits beside partners and billing, so the labels of their stored values
(access levels, who pays, export types) are named here rather than imported.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import format_percent
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, ngettext, to_locale
from django.utils.translation import gettext as _
from django_countries import countries

from core.models import AuditEvent
from core.templatetags.money import format_money
from organizations.models import EntityType, Product, ProductCategory, ProductType, Role, Theme
from organizations.two_factor import FACTOR_LABELS

EMPTY = "—"

FIELD_LABELS = {
    "ends_at": gettext_lazy("Access until"),
    "until": gettext_lazy("Renewal asked until"),
    "name": gettext_lazy("Name"),
    "remaining": gettext_lazy("Recovery codes left"),
    "entity_type": gettext_lazy("Type of entity"),
    "country": gettext_lazy("Country"),
    "vat_number": gettext_lazy("VAT number"),
    "street": gettext_lazy("Street"),
    "postal_code": gettext_lazy("Postal code"),
    "city": gettext_lazy("City"),
    "email": gettext_lazy("Email"),
    "is_default": gettext_lazy("Default address"),
    "role": gettext_lazy("Role"),
    "products": gettext_lazy("Products"),
    "access": gettext_lazy("Access"),
    "payment_method": gettext_lazy("Payment"),
    "external_users_now_covered": gettext_lazy("External users now covered by the partnership"),
    "public_name": gettext_lazy("Public name"),
    "contact_email": gettext_lazy("Contact email"),
    "description": gettext_lazy("Description"),
    "reseller_discount_rate": gettext_lazy("Reseller discount"),
    "cashback_rate": gettext_lazy("Cashback rate"),
    "is_listed": gettext_lazy("Listed in the directory"),
    "theme": gettext_lazy("Theme"),
    "language": gettext_lazy("Language"),
    "application": gettext_lazy("Application"),
    "scopes": gettext_lazy("Scopes"),
    "expires_at": gettext_lazy("Valid until"),
    "reason": gettext_lazy("Reason"),
    "balance": gettext_lazy("Balance"),
    "invoice": gettext_lazy("Invoice"),
    "refunded": gettext_lazy("Refunded to the wallet"),
    "cashback_reversed": gettext_lazy("Cashback taken back"),
    "rows": gettext_lazy("Rows"),
    "delivery": gettext_lazy("Delivery"),
    "search": gettext_lazy("Search"),
    "access_level": gettext_lazy("Access"),
    "repr": gettext_lazy("Deleted"),
    "members": gettext_lazy("Members"),
}
ACCESS_LABELS = {
    "full": gettext_lazy("Full access"),
    "limited": gettext_lazy("Limited access"),
    "technical": gettext_lazy("Technical access"),
    "read_only": gettext_lazy("Read-only access"),
    "billing": gettext_lazy("Billing access"),
}
PAYMENT_LABELS = {"client": gettext_lazy("client pays"), "partner": gettext_lazy("partner pays")}
DELIVERY_LABELS = {
    "download": gettext_lazy("downloaded at once"),
    "background": gettext_lazy("prepared in the background"),
}
# Reasons the services write themselves; a reason a person typed is shown as typed.
KNOWN_REASONS = {
    "Revoked by its owner.": gettext_lazy("Revoked by its owner."),
    "Revoked with all the account's tokens.": gettext_lazy("Revoked with all the account's tokens."),
    "Revoked because the account's password was compromised.": gettext_lazy(
        "Revoked because the account's password was compromised."
    ),
    "Not used for one year.": gettext_lazy("Not used for one year."),
    "Disabled by the staff.": gettext_lazy("Disabled by the staff."),
}
CASHBACK_OUTCOMES = {
    "reversed": gettext_lazy("taken back"),
    "balance too low, not reversed": gettext_lazy("balance too low, not taken back"),
}
ADMIN_VERBS = ("added", "changed", "deleted")


@dataclass
class Lookups:
    """Names of what events point at by id or slug, read once for a whole page of events."""

    products: dict[int, str]
    product_types: dict[str, str]
    categories: dict[str, str]

    @classmethod
    def for_events(cls, events: list[AuditEvent]) -> "Lookups":
        product_ids, type_slugs, category_slugs = set(), set(), set()
        for event in events:
            changes = event.changes if isinstance(event.changes, dict) else {}
            for value in _flatten(changes.get("products")):
                if isinstance(value, int):
                    product_ids.add(value)
            if event.action == "product.installed":
                type_slugs.add(str(changes.get("product_type", "")))
            if event.action == "api_token.created":
                category_slugs.add(str(changes.get("application", "")))
        return cls(
            products=dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "name"))
            if product_ids
            else {},
            product_types=dict(ProductType.objects.filter(slug__in=type_slugs).values_list("slug", "name"))
            if type_slugs
            else {},
            categories=dict(
                ProductCategory.objects.filter(slug__in=category_slugs).values_list("slug", "name")
            )
            if category_slugs
            else {},
        )


def _flatten(value) -> list:
    if isinstance(value, list):
        return [item for inner in value for item in _flatten(inner)]
    return [] if value is None else [value]


def _percent(value) -> str:
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    locale = to_locale(get_language() or "en")
    return format_percent(rate, locale=locale, decimal_quantization=False)


def _yes_no(value) -> str:
    return _("Yes") if value in (True, "True", "true", 1) else _("No")


def _day(value) -> str:
    if not value:
        return ""
    try:
        day = (
            datetime.fromisoformat(str(value)).date() if "T" in str(value) else date.fromisoformat(str(value))
        )
    except ValueError:
        return str(value)
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _moment(value) -> str:
    """An end of access: the local date and time, or "No end"."""
    if not value:
        return _("No end")
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{formats.date_format(moment, 'SHORT_DATE_FORMAT')} {formats.time_format(moment, 'H:i')}"


class Said:
    """One event, with what its sentence and details need: names, labels and the values it recorded."""

    def __init__(self, event: AuditEvent, lookups: Lookups):
        self.event = event
        self.changes = event.changes if isinstance(event.changes, dict) else {}
        self.lookups = lookups

    # Who and with whom

    @property
    def actor(self) -> str:
        if self.event.actor is not None:
            return self.event.actor.get_full_name()
        return self.event.actor_email or _("The system")

    @property
    def organization(self) -> str:
        return self.event.organization.name if self.event.organization else _("an organization")

    @property
    def other(self) -> str:
        """The other side of a partnership (the acting side is the event's organization)."""
        return self.event.counterparty.name if self.event.counterparty else _("another organization")

    @property
    def target(self) -> str:
        return self.event.target_repr or EMPTY

    def get(self, field: str, default=""):
        value = self.changes.get(field, default)
        return default if value is None else value

    # Values as people read them

    def label_of(self, field: str, value) -> str:
        if field in {"ends_at", "until"} and not isinstance(value, list):
            return _moment(value)
        if value is None or value == "" or value == []:
            return EMPTY
        if field == "products":
            return ", ".join(
                self.lookups.products.get(item, _("deleted product")) if isinstance(item, int) else str(item)
                for item in _flatten(value)
            )
        if isinstance(value, list):
            return ", ".join(self.label_of(field, item) for item in value)
        if isinstance(value, bool) or field in {"is_default", "is_listed", "refunded"}:
            return _yes_no(value)
        labels = {
            "entity_type": dict(EntityType.choices),
            "role": dict(Role.choices),
            "theme": dict(Theme.choices),
            "language": {code: name for code, name in settings.LANGUAGES},
            "access": ACCESS_LABELS,
            "access_level": ACCESS_LABELS,
            "payment_method": PAYMENT_LABELS,
            "delivery": DELIVERY_LABELS,
            "reason": KNOWN_REASONS,
        }.get(field)
        if labels is not None:
            return str(labels.get(value, value))
        if field == "country":
            return countries.name(str(value)) or str(value)
        if field in {"reseller_discount_rate", "cashback_rate"}:
            return _percent(value)
        if field == "expires_at":
            return _day(value)
        if field == "application":
            return self.application_label(str(value))
        if field == "cashback_reversed":
            partner, _separator, outcome = str(value).rpartition(": ")
            if not partner:
                return str(value)
            return _("%(partner)s: %(outcome)s") % {
                "partner": partner,
                "outcome": CASHBACK_OUTCOMES.get(outcome, outcome),
            }
        return str(value)

    def application_label(self, application: str) -> str:
        if application == "manager":
            return _("Manager API")
        return self.lookups.categories.get(application, application)

    # Details: the data the sentence does not say

    def detail(self, field: str) -> tuple[str, str] | None:
        """(label, value) of a recorded value; a pair [old, new] reads "new (was: old)", or only "new" when it
        did not change; nothing when there is nothing to say."""
        if field not in self.changes:
            return None
        value = self.changes[field]
        label = str(FIELD_LABELS.get(field, capfirst(field.replace("_", " "))))
        if field in PAIRS.get(self.event.action, ()) and isinstance(value, list) and len(value) == 2:
            old, new = (self.label_of(field, item) for item in value)
            if old == new:
                return None if new == EMPTY else (label, new)
            return label, _("%(new)s (was: %(old)s)") % {"new": new, "old": old}
        shown = self.label_of(field, value)
        return None if shown == EMPTY and field in OPTIONAL else (label, shown)

    def details(self, *fields: str, skip: Iterable[str] = ()) -> list[tuple[str, str]]:
        """The named fields, or every recorded one but those in `skip`."""
        names = fields or [field for field in self.changes if field not in set(skip)]
        return [row for row in (self.detail(field) for field in names) if row is not None]


# Fields recorded as [old, new] pairs, per event code.
PAIRS = {
    "organization.updated": {"name", "entity_type", "country", "vat_number"},
    "billing_address.updated": {
        "name",
        "street",
        "postal_code",
        "city",
        "country",
        "email",
        "vat_number",
        "is_default",
    },
    "membership.role_changed": {"role", "products"},
    "membership.covered_by_partnership": {"role"},
    "user.theme_changed": {"theme"},
    "user.language_changed": {"language"},
    "partnership.accepted": {"access", "payment_method", "ends_at"},
    "partnership.payment_method_changed": {"payment_method"},
    "partnership.end_changed": {"ends_at"},
    "partnership.renewal_accepted": {"ends_at"},
    "partnership.access_changed": {"access", "payment_method"},
}
# Fields left out of the details when they hold nothing.
OPTIONAL = {
    "vat_number",
    "email",
    "products",
    "description",
    "expires_at",
    "reason",
    "search",
    "access_level",
}


@dataclass(frozen=True)
class Description:
    sentence: str
    details: list[tuple[str, str]]


Describer = Callable[[Said], Description]
DESCRIBERS: dict[str, Describer] = {}


def describes(*codes: str):
    def register(function: Describer) -> Describer:
        for code in codes:
            DESCRIBERS[code] = function
        return function

    return register


def has_sentence(code: str) -> bool:
    return code in DESCRIBERS or _admin_parts(code) is not None


def describe(event: AuditEvent, lookups: Lookups | None = None) -> Description:
    said = Said(event, lookups or Lookups.for_events([event]))
    if not has_sentence(event.action):
        # A code without a sentence (a test keeps every code the services write covered).
        return Description(
            _("%(actor)s: %(action)s") % {"actor": said.actor, "action": event.action}, said.details()
        )
    return DESCRIBERS.get(event.action, _admin)(said)


def describe_events(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events, each with `sentence` and `details` set, in the active language (names read at once)."""
    events = list(events)
    lookups = Lookups.for_events(events)
    for event in events:
        description = describe(event, lookups)
        event.sentence, event.details = description.sentence, description.details
    return events


# Organizations, members, billing addresses, products, the user's own account


@describes("organization.created")
def _organization_created(said: Said) -> Description:
    sentence = _("%(actor)s created the organization %(organization)s.") % {
        "actor": said.actor,
        "organization": said.get("name") or said.organization,
    }
    return Description(sentence, said.details("entity_type", "country", "vat_number"))


@describes("organization.updated")
def _organization_updated(said: Said) -> Description:
    sentence = _("%(actor)s changed the details of the organization.") % {"actor": said.actor}
    return Description(sentence, said.details())


@describes("user.signed_up")
def _user_signed_up(said: Said) -> Description:
    return Description(_("%(actor)s created an account.") % {"actor": said.actor}, [])


MEMBER_ADDED = {
    Role.LEGAL_REPRESENTATIVE: gettext_lazy("%(actor)s added %(email)s as legal representative."),
    Role.ADMINISTRATOR: gettext_lazy("%(actor)s added %(email)s as administrator."),
    Role.USER: gettext_lazy("%(actor)s added %(email)s as user."),
    Role.ACCOUNTANT: gettext_lazy("%(actor)s added %(email)s as accountant."),
    Role.EXTERNAL: gettext_lazy("%(actor)s added %(email)s as external user."),
}


def _member_email(said: Said) -> str:
    # role_changed records no email: the target's name reads "<email> — <role> of <organization>".
    return said.get("email") or said.target.partition(" — ")[0]


@describes("membership.added")
def _membership_added(said: Said) -> Description:
    template = MEMBER_ADDED.get(said.get("role"), gettext_lazy("%(actor)s added %(email)s."))
    sentence = str(template) % {"actor": said.actor, "email": _member_email(said)}
    return Description(sentence, said.details("products"))


@describes("membership.role_changed")
def _membership_role_changed(said: Said) -> Description:
    sentence = _("%(actor)s changed the role of %(email)s.") % {
        "actor": said.actor,
        "email": _member_email(said),
    }
    return Description(sentence, said.details("role", "products"))


@describes("membership.removed")
def _membership_removed(said: Said) -> Description:
    sentence = _("%(actor)s removed %(email)s from the organization.") % {
        "actor": said.actor,
        "email": _member_email(said),
    }
    return Description(sentence, said.details("role"))


@describes("membership.covered_by_partnership")
def _membership_covered(said: Said) -> Description:
    sentence = _("%(email)s, an external user, is now covered by the partnership with %(partner)s.") % {
        "email": _member_email(said),
        "partner": said.other,
    }
    return Description(sentence, [])


def _address(said: Said) -> str:
    name, city = said.get("name"), said.get("city")
    if isinstance(name, str) and isinstance(city, str) and name:
        return f"{name}, {city}" if city else name
    return said.target


@describes("billing_address.created")
def _billing_address_created(said: Said) -> Description:
    sentence = _("%(actor)s added the billing address %(address)s.") % {
        "actor": said.actor,
        "address": _address(said),
    }
    return Description(sentence, said.details(skip=("name", "city")))


@describes("billing_address.updated")
def _billing_address_updated(said: Said) -> Description:
    sentence = _("%(actor)s changed the billing address %(address)s.") % {
        "actor": said.actor,
        "address": said.target,
    }
    return Description(sentence, said.details())


@describes("billing_address.deleted")
def _billing_address_deleted(said: Said) -> Description:
    sentence = _("%(actor)s deleted the billing address %(address)s.") % {
        "actor": said.actor,
        "address": _address(said),
    }
    return Description(sentence, [])


@describes("product.installed")
def _product_installed(said: Said) -> Description:
    slug = str(said.get("product_type"))
    sentence = _("%(actor)s installed %(product)s (%(product_type)s).") % {
        "actor": said.actor,
        "product": said.get("name") or said.target,
        "product_type": said.lookups.product_types.get(slug, slug),
    }
    return Description(sentence, [])


@describes("user.theme_changed")
def _theme_changed(said: Said) -> Description:
    return Description(_("%(actor)s changed the color theme.") % {"actor": said.actor}, said.details("theme"))


@describes("user.language_changed")
def _language_changed(said: Said) -> Description:
    return Description(
        _("%(actor)s changed the language of the console.") % {"actor": said.actor}, said.details("language")
    )


@describes("user.password_changed")
def _password_changed(said: Said) -> Description:
    return Description(_("%(actor)s changed their password.") % {"actor": said.actor}, [])


@describes("user.signed_out_everywhere")
def _signed_out_everywhere(said: Said) -> Description:
    return Description(_("%(actor)s signed out of every session.") % {"actor": said.actor}, [])


@describes("user.two_factor_added")
def _two_factor_added(said: Said) -> Description:
    factor = str(FACTOR_LABELS.get(said.get("factor"), said.get("factor")))
    sentence = _("%(actor)s added a second factor for signing in: %(factor)s.") % {
        "actor": said.actor,
        "factor": factor,
    }
    return Description(sentence, said.details("name"))


@describes("user.two_factor_removed")
def _two_factor_removed(said: Said) -> Description:
    factor = str(FACTOR_LABELS.get(said.get("factor"), said.get("factor")))
    sentence = _("%(actor)s removed a second factor for signing in: %(factor)s.") % {
        "actor": said.actor,
        "factor": factor,
    }
    return Description(sentence, said.details("name"))


@describes("user.recovery_codes_regenerated")
def _recovery_codes_regenerated(said: Said) -> Description:
    return Description(_("%(actor)s made new recovery codes.") % {"actor": said.actor}, [])


@describes("user.recovery_code_used")
def _recovery_code_used(said: Said) -> Description:
    sentence = _("%(actor)s signed in with a recovery code.") % {"actor": said.actor}
    return Description(sentence, said.details("remaining"))


@describes("user.two_factor_reset")
def _two_factor_reset(said: Said) -> Description:
    sentence = _("%(actor)s reset the two-factor sign-in of %(user)s.") % {
        "actor": said.actor,
        "user": said.target,
    }
    return Description(sentence, [])


@describes("organization.two_factor_requirement_changed")
def _two_factor_requirement_changed(said: Said) -> Description:
    required = said.get("two_factor_required", [False, False])
    if isinstance(required, list) and required and required[-1]:
        sentence = _("%(actor)s required every member to use two-factor sign-in.")
    else:
        sentence = _("%(actor)s no longer requires members to use two-factor sign-in.")
    return Description(sentence % {"actor": said.actor}, [])


@describes("user.password_compromised")
def _password_compromised(said: Said) -> Description:
    sentence = _(
        "%(actor)s reported their password as compromised: a new password was set and every session and API "
        "token was ended."
    ) % {"actor": said.actor}
    return Description(sentence, [])


# Partners


@describes("partner_profile.saved")
def _partner_profile_saved(said: Said) -> Description:
    sentence = _("%(actor)s saved the partner profile %(name)s.") % {
        "actor": said.actor,
        "name": said.get("public_name") or said.target,
    }
    return Description(sentence, said.details(skip=("public_name",)))


INVITED = {
    "full": gettext_lazy("%(actor)s invited %(partner)s as Full partner."),
    "limited": gettext_lazy("%(actor)s invited %(partner)s as Limited partner."),
    "technical": gettext_lazy("%(actor)s invited %(partner)s as Technical partner."),
    "read_only": gettext_lazy("%(actor)s invited %(partner)s as Read-only partner."),
    "billing": gettext_lazy("%(actor)s invited %(partner)s as Billing partner."),
}
REQUESTED = {
    "full": gettext_lazy("%(actor)s asked %(client)s for Full access."),
    "limited": gettext_lazy("%(actor)s asked %(client)s for Limited access."),
    "technical": gettext_lazy("%(actor)s asked %(client)s for Technical access."),
    "read_only": gettext_lazy("%(actor)s asked %(client)s for Read-only access."),
    "billing": gettext_lazy("%(actor)s asked %(client)s for Billing access."),
}
ACCEPTED = {
    "full": gettext_lazy("%(actor)s accepted %(partner)s as Full partner."),
    "limited": gettext_lazy("%(actor)s accepted %(partner)s as Limited partner."),
    "technical": gettext_lazy("%(actor)s accepted %(partner)s as Technical partner."),
    "read_only": gettext_lazy("%(actor)s accepted %(partner)s as Read-only partner."),
    "billing": gettext_lazy("%(actor)s accepted %(partner)s as Billing partner."),
}
ACCESS_CHANGED = {
    "full": gettext_lazy("%(actor)s made %(partner)s a Full partner."),
    "limited": gettext_lazy("%(actor)s made %(partner)s a Limited partner."),
    "technical": gettext_lazy("%(actor)s made %(partner)s a Technical partner."),
    "read_only": gettext_lazy("%(actor)s made %(partner)s a Read-only partner."),
    "billing": gettext_lazy("%(actor)s made %(partner)s a Billing partner."),
}
PAYMENT_CHANGED = {
    ("client", "partner"): gettext_lazy(
        "%(actor)s changed who pays for %(partner)s: partner pays (was: client pays)."
    ),
    ("partner", "client"): gettext_lazy(
        "%(actor)s changed who pays for %(partner)s: client pays (was: partner pays)."
    ),
}


def _access_of(said: Said) -> str:
    access = said.get("access")
    return str(access[-1] if isinstance(access, list) and access else access)


@describes("partnership.invited")
def _partnership_invited(said: Said) -> Description:
    template = INVITED.get(_access_of(said), gettext_lazy("%(actor)s invited %(partner)s as partner."))
    sentence = str(template) % {"actor": said.actor, "partner": said.other}
    return Description(sentence, said.details("payment_method", "products", "ends_at"))


@describes("partnership.requested")
def _partnership_requested(said: Said) -> Description:
    template = REQUESTED.get(_access_of(said), gettext_lazy("%(actor)s asked %(client)s for access."))
    sentence = str(template) % {"actor": said.actor, "client": said.other}
    return Description(sentence, said.details("payment_method", "ends_at"))


@describes("partnership.accepted")
def _partnership_accepted(said: Said) -> Description:
    if "access" in said.changes:
        # The client answered a partner's request, with the terms it granted.
        template = ACCEPTED.get(_access_of(said), gettext_lazy("%(actor)s accepted %(partner)s as partner."))
        sentence = str(template) % {"actor": said.actor, "partner": said.other}
    else:
        sentence = _("%(actor)s accepted the partnership proposed by %(organization)s.") % {
            "actor": said.actor,
            "organization": said.other,
        }
    return Description(
        sentence, said.details("payment_method", "products", "ends_at", "external_users_now_covered")
    )


@describes("partnership.refused")
def _partnership_refused(said: Said) -> Description:
    sentence = _("%(actor)s refused the partnership proposed by %(organization)s.") % {
        "actor": said.actor,
        "organization": said.other,
    }
    return Description(sentence, [])


@describes("partnership.resent")
def _partnership_resent(said: Said) -> Description:
    sentence = _("%(actor)s sent the invitation to %(organization)s again.") % {
        "actor": said.actor,
        "organization": said.other,
    }
    return Description(sentence, [])


@describes("partnership.cancelled")
def _partnership_cancelled(said: Said) -> Description:
    sentence = _("%(actor)s deleted the invitation to %(organization)s.") % {
        "actor": said.actor,
        "organization": said.other,
    }
    return Description(sentence, [])


# A partner's "Add a client": the partner's log tells its requests by the address it typed, the client's log
# what reached the client; neither tells the partner whether the address matched.
REQUEST_SENT = {
    "full": gettext_lazy("%(actor)s asked %(email)s for Full access."),
    "limited": gettext_lazy("%(actor)s asked %(email)s for Limited access."),
}
REQUEST_RECEIVED = {
    "full": gettext_lazy("%(actor)s of %(partner)s asked for Full access."),
    "limited": gettext_lazy("%(actor)s of %(partner)s asked for Limited access."),
}


@describes("client_request.sent")
def _client_request_sent(said: Said) -> Description:
    template = REQUEST_SENT.get(_access_of(said), gettext_lazy("%(actor)s asked %(email)s for access."))
    sentence = str(template) % {"actor": said.actor, "email": said.get("client_email")}
    return Description(sentence, said.details("payment_method"))


@describes("client_request.resent")
def _client_request_resent(said: Said) -> Description:
    sentence = _("%(actor)s sent the request to %(email)s again.") % {
        "actor": said.actor,
        "email": said.get("client_email"),
    }
    return Description(sentence, [])


@describes("client_request.cancelled")
def _client_request_cancelled(said: Said) -> Description:
    sentence = _("%(actor)s deleted the request to %(email)s.") % {
        "actor": said.actor,
        "email": said.get("client_email"),
    }
    return Description(sentence, [])


@describes("client_request.received")
def _client_request_received(said: Said) -> Description:
    template = REQUEST_RECEIVED.get(
        _access_of(said), gettext_lazy("%(actor)s of %(partner)s asked for access.")
    )
    sentence = str(template) % {"actor": said.actor, "partner": said.other}
    return Description(sentence, said.details("payment_method"))


@describes("client_request.withdrawn")
def _client_request_withdrawn(said: Said) -> Description:
    sentence = _("%(actor)s of %(partner)s withdrew the request for access.") % {
        "actor": said.actor,
        "partner": said.other,
    }
    return Description(sentence, [])


@describes("client_request.expired")
def _client_request_expired(said: Said) -> Description:
    sentence = _("The request for access from %(partner)s expired.") % {"partner": said.other}
    return Description(sentence, [])


@describes("partnership.expired")
def _partnership_expired(said: Said) -> Description:
    # Written in the client's log, with the partner as the other side.
    sentence = _("The invitation between %(client)s and %(partner)s expired.") % {
        "client": said.organization,
        "partner": said.other,
    }
    return Description(sentence, [])


@describes("partnership.payment_method_changed")
def _payment_method_changed(said: Said) -> Description:
    pair = said.get("payment_method")
    template = PAYMENT_CHANGED.get(tuple(pair) if isinstance(pair, list) else ())
    if template is None:
        sentence = _("%(actor)s changed who pays for %(partner)s.") % {
            "actor": said.actor,
            "partner": said.other,
        }
        return Description(sentence, said.details("payment_method"))
    return Description(str(template) % {"actor": said.actor, "partner": said.other}, [])


@describes("partnership.access_changed")
def _partnership_access_changed(said: Said) -> Description:
    template = ACCESS_CHANGED.get(
        _access_of(said), gettext_lazy("%(actor)s changed what %(partner)s may do.")
    )
    sentence = str(template) % {"actor": said.actor, "partner": said.other}
    return Description(sentence, said.details("payment_method", "products"))


@describes("partnership_assignment.changed")
def _assignment_changed(said: Said) -> Description:
    # Written in the partner's log only: who of its people act for one of its clients.
    names = {"actor": said.actor, "client": said.get("client") or said.target}
    assigned = [*said.get("members", []), *said.get("teams", [])]
    if not said.get("assigned_members_only"):
        sentence = _("%(actor)s let every member act for %(client)s.") % names
    elif assigned:
        sentence = _("%(actor)s assigned %(members)s to %(client)s, beside the legal representatives.") % {
            **names,
            "members": ", ".join(assigned),
        }
    else:
        sentence = _("%(actor)s left %(client)s to the legal representatives only.") % names
    return Description(sentence, [])


@describes("partner_team.created")
def _team_created(said: Said) -> Description:
    sentence = _("%(actor)s created the team %(team)s.") % {"actor": said.actor, "team": said.get("name")}
    return Description(sentence, said.details("members"))


@describes("partner_team.changed")
def _team_changed(said: Said) -> Description:
    sentence = _("%(actor)s changed the team %(team)s.") % {"actor": said.actor, "team": said.get("name")}
    return Description(sentence, said.details("members"))


@describes("partner_team.deleted")
def _team_deleted(said: Said) -> Description:
    sentence = _("%(actor)s deleted the team %(team)s.") % {"actor": said.actor, "team": said.get("name")}
    return Description(sentence, [])


@describes("partnership.stopped")
def _partnership_stopped(said: Said) -> Description:
    sentence = _("%(actor)s stopped the collaboration with %(organization)s.") % {
        "actor": said.actor,
        "organization": said.other,
    }
    return Description(sentence, [])


@describes("partnership.end_changed")
def _partnership_end_changed(said: Said) -> Description:
    sentence = _("%(actor)s changed how long %(partner)s has access.") % {
        "actor": said.actor,
        "partner": said.other,
    }
    return Description(sentence, said.details("ends_at"))


@describes("partnership.renewal_requested")
def _partnership_renewal_requested(said: Said) -> Description:
    sentence = _("%(actor)s asked %(client)s to renew its access.") % {
        "actor": said.actor,
        "client": said.other,
    }
    return Description(sentence, said.details("until"))


@describes("partnership.renewal_accepted")
def _partnership_renewal_accepted(said: Said) -> Description:
    sentence = _("%(actor)s renewed the access of %(partner)s.") % {
        "actor": said.actor,
        "partner": said.other,
    }
    return Description(sentence, said.details("ends_at"))


@describes("partnership.renewal_refused")
def _partnership_renewal_refused(said: Said) -> Description:
    sentence = _("%(actor)s refused to renew the access of %(partner)s.") % {
        "actor": said.actor,
        "partner": said.other,
    }
    return Description(sentence, [])


@describes("partnership.ended")
def _partnership_ended(said: Said) -> Description:
    # Written in the client's log, with the partner as the other side.
    sentence = _("The access of %(partner)s to %(client)s ended at its end date.") % {
        "client": said.organization,
        "partner": said.other,
    }
    return Description(sentence, said.details("ends_at"))


@describes("partnership.transfer_code_created")
def _transfer_code_created(said: Said) -> Description:
    sentence = _(
        "%(actor)s created a transfer code to hand %(partner)s's partnership over to another partner."
    ) % {
        "actor": said.actor,
        "partner": said.other,
    }
    return Description(sentence, said.details("expires_at"))


@describes("partnership.handed_over")
def _partnership_handed_over(said: Said) -> Description:
    # Written in the client's log, with the new partner as the other side.
    sentence = _(
        "%(actor)s took over the partnership of %(client)s from %(previous)s, with the same access."
    ) % {
        "actor": said.actor,
        "client": said.organization,
        "previous": said.get("from_partner") or _("another partner"),
    }
    return Description(
        sentence, said.details("payment_method", "products", "ends_at", "external_users_now_covered")
    )


@describes("partnership.handed_over_away")
def _partnership_handed_over_away(said: Said) -> Description:
    sentence = _(
        "%(client)s handed its partnership over to %(partner)s; you no longer have access to it."
    ) % {
        "client": said.get("client") or _("a client"),
        "partner": said.get("to_partner") or _("another partner"),
    }
    return Description(sentence, [])


# Billing


def _amount(said: Said, field: str) -> str:
    return format_money(said.get(field) or None, str(said.get("currency")))


@describes("wallet.topped_up")
def _wallet_topped_up(said: Said) -> Description:
    sentence = _("%(actor)s topped up the wallet with %(amount)s.") % {
        "actor": said.actor,
        "amount": _amount(said, "amount"),
    }
    return Description(sentence, [(str(FIELD_LABELS["balance"]), _amount(said, "balance"))])


@describes("payout.requested")
def _payout_requested(said: Said) -> Description:
    sentence = _("%(actor)s asked to pay out %(amount)s of cashback to the account %(account)s.") % {
        "actor": said.actor,
        "amount": _amount(said, "amount"),
        "account": said.get("account") or EMPTY,
    }
    return Description(sentence, [(str(FIELD_LABELS["balance"]), _amount(said, "balance"))])


@describes("payout.paid")
def _payout_paid(said: Said) -> Description:
    sentence = _("%(actor)s paid out %(amount)s of cashback.") % {
        "actor": said.actor,
        "amount": _amount(said, "amount"),
    }
    return Description(sentence, [])


@describes("payout.refused")
def _payout_refused(said: Said) -> Description:
    sentence = _("%(actor)s refused the payout of %(amount)s; the amount is back in the wallet.") % {
        "actor": said.actor,
        "amount": _amount(said, "amount"),
    }
    return Description(sentence, said.details("reason"))


@describes("statement.produced")
def _statement_produced(said: Said) -> Description:
    sentence = _("%(actor)s produced the statement of %(month)s.") % {
        "actor": said.actor,
        "month": said.get("month") or EMPTY,
    }
    return Description(sentence, [])


@describes("invoice.credited")
def _invoice_credited(said: Said) -> Description:
    sentence = _("%(actor)s credited invoice %(invoice)s with credit note %(credit_note)s.") % {
        "actor": said.actor,
        "invoice": said.target,
        "credit_note": said.get("credit_note") or EMPTY,
    }
    return Description(sentence, said.details("reason", "refunded", "cashback_reversed"))


def _order_details(said: Said) -> list[tuple[str, str]]:
    number = said.get("invoice") or EMPTY
    status = _("%(number)s (paid)") if said.get("paid") is True else _("%(number)s (due)")
    return [(str(FIELD_LABELS["invoice"]), status % {"number": number})]


@describes("order.new")
def _order_new(said: Said) -> Description:
    sentence = _("%(actor)s ordered %(product)s: %(amount)s before tax, invoiced to %(payer)s.") % {
        "actor": said.actor,
        "product": said.get("product") or said.target,
        "amount": _amount(said, "net"),
        "payer": said.get("payer") or EMPTY,
    }
    return Description(sentence, _order_details(said))


@describes("order.renewal")
def _order_renewal(said: Said) -> Description:
    sentence = _("%(actor)s renewed %(product)s: %(amount)s before tax, invoiced to %(payer)s.") % {
        "actor": said.actor,
        "product": said.get("product") or said.target,
        "amount": _amount(said, "net"),
        "payer": said.get("payer") or EMPTY,
    }
    return Description(sentence, _order_details(said))


@describes("product.auto_renew_changed")
def _product_auto_renew_changed(said: Said) -> Description:
    turned_on = (said.get("auto_renew") or [None, None])[-1] is True
    sentence = (
        _("%(actor)s turned the automatic renewal of %(product)s on.")
        if turned_on
        else _("%(actor)s turned the automatic renewal of %(product)s off.")
    ) % {"actor": said.actor, "product": said.target}
    return Description(sentence, [])


@describes("product.cancelled")
def _product_cancelled(said: Said) -> Description:
    sentence = _("%(actor)s cancelled %(product)s at the end of its period (%(day)s).") % {
        "actor": said.actor,
        "product": said.get("product") or said.target,
        "day": _day(said.get("ends")),
    }
    return Description(sentence, [])


@describes("product.expired")
def _product_expired(said: Said) -> Description:
    sentence = _("%(product)s ended at the end of its period, without renewal.") % {
        "product": said.get("product") or said.target
    }
    return Description(sentence, [])


@describes("product.type_changed", "order.change")
def _product_type_changed(said: Said) -> Description:
    slugs = said.get("product_type") or ["", ""]
    sentence = _(
        "%(actor)s changed %(product)s from %(old)s to %(new)s: %(amount)s before tax, for %(payer)s."
    ) % {
        "actor": said.actor,
        "product": said.target,
        "old": slugs[0],
        "new": slugs[-1],
        "amount": _amount(said, "net"),
        "payer": said.get("payer") or EMPTY,
    }
    return Description(sentence, [(str(FIELD_LABELS["invoice"]), said.get("invoice") or EMPTY)])


@describes("invoice.paid")
def _invoice_paid(said: Said) -> Description:
    sentence = _("%(actor)s paid invoice %(invoice)s from the wallet.") % {
        "actor": said.actor,
        "invoice": said.get("invoice") or said.target,
    }
    return Description(sentence, [])


@describes("billing.export")
def _billing_export(said: Said) -> Description:
    count = said.get("clients", 0)
    count = count if isinstance(count, int) else 0
    values = {
        "actor": said.actor,
        "count": count,
        "start": _day(said.get("from")),
        "end": _day(said.get("to")),
    }
    history = said.get("history")
    # Each history's sentence is spelled out, so that makemessages reads all of them.
    if history == "invoices":
        sentence = ngettext(
            "%(actor)s exported the invoices of %(count)s client, from %(start)s to %(end)s.",
            "%(actor)s exported the invoices of %(count)s clients, from %(start)s to %(end)s.",
            count,
        )
    elif history == "orders":
        sentence = ngettext(
            "%(actor)s exported the orders and renewals of %(count)s client, from %(start)s to %(end)s.",
            "%(actor)s exported the orders and renewals of %(count)s clients, from %(start)s to %(end)s.",
            count,
        )
    elif history == "cashback":
        sentence = ngettext(
            "%(actor)s exported the cashback earned on %(count)s client, from %(start)s to %(end)s.",
            "%(actor)s exported the cashback earned on %(count)s clients, from %(start)s to %(end)s.",
            count,
        )
    else:
        sentence = ngettext(
            "%(actor)s exported the products of %(count)s client, from %(start)s to %(end)s.",
            "%(actor)s exported the products of %(count)s clients, from %(start)s to %(end)s.",
            count,
        )
    filters = said.get("filters")
    filter_rows = []
    if isinstance(filters, dict):
        filter_rows = [
            (str(FIELD_LABELS.get(name, name)), said.label_of(name, value))
            for name, value in filters.items()
            if value and name in FIELD_LABELS
        ]
    return Description(sentence % values, [*filter_rows, *said.details("rows", "delivery")])


# Compliance


@describes("dpa_certificate.issued")
def _dpa_certificate_issued(said: Said) -> Description:
    sentence = _("%(actor)s generated the DPA certificate %(number)s.") % {
        "actor": said.actor,
        "number": said.get("number") or said.target,
    }
    return Description(sentence, [])


@describes("cookie_consent.given")
def _cookie_consent_given(said: Said) -> Description:
    analytics, marketing = said.get("analytics") is True, said.get("marketing") is True
    if analytics and marketing:
        sentence = _("%(actor)s allowed necessary, analytics and marketing cookies.")
    elif analytics:
        sentence = _("%(actor)s allowed necessary and analytics cookies.")
    elif marketing:
        sentence = _("%(actor)s allowed necessary and marketing cookies.")
    else:
        sentence = _("%(actor)s allowed necessary cookies only.")
    return Description(sentence % {"actor": said.actor}, [])


# API tokens


@describes("api_token.created")
def _api_token_created(said: Said) -> Description:
    sentence = _("%(actor)s created the API token %(token)s.") % {"actor": said.actor, "token": said.target}
    details = said.details("application", "scopes")
    expires_at = said.get("expires_at")
    validity = _day(expires_at) if expires_at else _("Unlimited")
    return Description(sentence, [*details, (str(FIELD_LABELS["expires_at"]), validity)])


@describes("api_token.revoked")
def _api_token_revoked(said: Said) -> Description:
    if said.event.actor_id is None and not said.event.actor_email:
        sentence = _("The API token %(token)s was revoked.") % {"token": said.target}
    else:
        sentence = _("%(actor)s revoked the API token %(token)s.") % {
            "actor": said.actor,
            "token": said.target,
        }
    return Description(sentence, said.details("reason"))


@describes("api_token.disabled")
def _api_token_disabled(said: Said) -> Description:
    if said.event.actor_id is None and not said.event.actor_email:
        sentence = _("The API token %(token)s was disabled.") % {"token": said.target}
    else:
        sentence = _("%(actor)s disabled the API token %(token)s.") % {
            "actor": said.actor,
            "token": said.target,
        }
    return Description(sentence, said.details("reason"))


# Newsletter


@describes("mailing_list.created")
def _mailing_list_created(said: Said) -> Description:
    sentence = _("%(actor)s created the mailing list %(name)s in %(product)s.") % {
        "actor": said.actor,
        "name": said.target,
        "product": said.get("product") or EMPTY,
    }
    return Description(sentence, [])


@describes("mailing_list.deleted")
def _mailing_list_deleted(said: Said) -> Description:
    count = said.get("subscribers", 0)
    count = count if isinstance(count, int) else 0
    sentence = ngettext(
        "%(actor)s deleted the mailing list %(name)s and its %(count)s subscriber.",
        "%(actor)s deleted the mailing list %(name)s and its %(count)s subscribers.",
        count,
    ) % {"actor": said.actor, "name": said.target, "count": count}
    return Description(sentence, [])


@describes("subscriber.added")
def _subscriber_added(said: Said) -> Description:
    sentence = _("%(actor)s subscribed %(email)s to the mailing list %(name)s.") % {
        "actor": said.actor,
        "email": said.target,
        "name": said.get("mailing_list") or EMPTY,
    }
    return Description(sentence, [])


@describes("subscriber.removed")
def _subscriber_removed(said: Said) -> Description:
    sentence = _("%(actor)s unsubscribed %(email)s from the mailing list %(name)s.") % {
        "actor": said.actor,
        "email": said.target,
        "name": said.get("mailing_list") or EMPTY,
    }
    return Description(sentence, [])


# What staff did in the Django admin: `admin.<model>.<added|changed|deleted>`


def _admin_parts(code: str):
    """The model and verb of an admin event code, or None when the code is not one."""
    parts = code.split(".")
    if len(parts) != 3 or parts[0] != "admin" or parts[2] not in ADMIN_VERBS:
        return None
    model = next((model for model in apps.get_models() if model._meta.model_name == parts[1]), None)
    return (model, parts[2]) if model is not None else None


def _admin(said: Said) -> Description:
    model, verb = _admin_parts(said.event.action)
    values = {"actor": said.actor, "object": said.target, "model": capfirst(model._meta.verbose_name)}
    if verb == "added":
        sentence = _("%(actor)s added in the admin: %(object)s (%(model)s).") % values
    elif verb == "changed":
        sentence = _("%(actor)s changed in the admin: %(object)s (%(model)s).") % values
    else:
        sentence = _("%(actor)s deleted in the admin: %(object)s (%(model)s).") % values
    if verb == "deleted":
        return Description(sentence, [])
    details = []
    for field, value in said.changes.items():
        try:
            label = capfirst(model._meta.get_field(field).verbose_name)
        except FieldDoesNotExist:  # a form field that is not a model field
            label = capfirst(field.replace("_", " "))
        details.append((str(label), said.label_of(field, value)))
    return Description(sentence, details)
