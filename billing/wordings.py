"""The wordings billing records carry (an invoice line's description and tax, a wallet movement's
description), and how each reads in the active language.

A record keeps its wording in English, as it was written when the record was made: an issued invoice never
changes, and the ledger is append-only. Pages and PDFs show each wording in the reader's language, rebuilt
from the stored English; a wording of a form not known here (written by an older version, typed by staff)
is shown as it was stored.
"""

import re
from datetime import date

from django.utils import formats, translation
from django.utils.translation import gettext as _

from billing.tax import TaxRule, tax_wording

ISO_DAY = r"\d{4}-\d{2}-\d{2}"


def in_english(text) -> str:
    """A label as records store it: in English, whatever language the request speaks."""
    with translation.override(None):
        return str(text)


# Tax


def line_tax_wording(line, buyer_country: str) -> str:
    """An invoice line's tax wording in the active language. The rate of another EU country is the buyer's
    (its country as copied onto the invoice); a stored wording the rule does not rebuild is shown as it is."""
    country = (buyer_country or "").upper() if line.tax_rule == TaxRule.EU_DESTINATION else ""
    with translation.override(None):
        as_stored = tax_wording(line.tax_rule, line.tax_rate, country)
    if as_stored != line.tax_wording:
        return line.tax_wording
    return tax_wording(line.tax_rule, line.tax_rate, country)


# Invoice lines


def _day(iso: str) -> str:
    return formats.date_format(date.fromisoformat(iso), "SHORT_DATE_FORMAT")


_ORDER_LINE = re.compile(
    r"^(?P<kind>New product|Renewal|Change of type): "
    rf"(?P<product_type>.+?) “(?P<product>.*)” for (?P<organization>.+), "
    rf"(?P<start>{ISO_DAY}) to (?P<end>{ISO_DAY})$"
)
_CREDIT_LINE = re.compile(r"^Credit for (?P<description>.+)$")


def _order_line(kind: str, **values) -> str:
    if kind == "change":
        return (
            _("Change of type: %(product_type)s “%(product)s” for %(organization)s, %(start)s to %(end)s")
            % values
        )
    if kind == "renewal":
        return (
            _("Renewal: %(product_type)s “%(product)s” for %(organization)s, %(start)s to %(end)s") % values
        )
    return (
        _("New product: %(product_type)s “%(product)s” for %(organization)s, %(start)s to %(end)s") % values
    )


def stored_order_line_description(
    *, kind: str, product_type: str, product: str, organization: str, start, end
) -> str:
    """An order's invoice line as the invoice stores it: in English, with ISO days; `kind` is "new" or
    "renewal"."""
    with translation.override(None):
        return _order_line(
            kind,
            product_type=product_type,
            product=product,
            organization=organization,
            start=f"{start:%Y-%m-%d}",
            end=f"{end:%Y-%m-%d}",
        )


def line_description(description: str) -> str:
    """A stored invoice line description (an order's line, or a credit note's "Credit for …"), in the active
    language."""
    credit = _CREDIT_LINE.match(description or "")
    if credit:
        return _("Credit for %(description)s") % {"description": line_description(credit["description"])}
    order = _ORDER_LINE.match(description or "")
    if order is None:
        return description
    kinds = {"Renewal": "renewal", "Change of type": "change"}
    return _order_line(
        kinds.get(order["kind"], "new"),
        product_type=order["product_type"],
        product=order["product"],
        organization=order["organization"],
        start=_day(order["start"]),
        end=_day(order["end"]),
    )


# Wallet movements

_MOVEMENTS = [
    (re.compile(r"^Top-up by card \(simulated\)$"), lambda match: _("Top-up by card (simulated)")),
    (
        re.compile(r"^Payment of invoice (?P<number>\S+)$"),
        lambda match: _("Payment of invoice %(number)s") % match.groupdict(),
    ),
    (
        re.compile(r"^Refund of invoice (?P<number>\S+) \((?P<credit_note>\S+)\)$"),
        lambda match: _("Refund of invoice %(number)s (%(credit_note)s)") % match.groupdict(),
    ),
    (
        re.compile(r"^Credit note (?P<number>\S+) \(change of type\)$"),
        lambda match: _("Credit note %(number)s (change of type)") % match.groupdict(),
    ),
    (
        re.compile(r"^Cashback: new product of (?P<product>.+?) for (?P<client>.+)$"),
        lambda match: _("Cashback: new product of %(product)s for %(client)s") % match.groupdict(),
    ),
    (
        re.compile(r"^Cashback: renewal of (?P<product>.+?) for (?P<client>.+)$"),
        lambda match: _("Cashback: renewal of %(product)s for %(client)s") % match.groupdict(),
    ),
    (
        re.compile(r"^Cashback reversed: (?P<credit_note>\S+) credits (?P<invoice>\S+)$"),
        lambda match: _("Cashback reversed: %(credit_note)s credits %(invoice)s") % match.groupdict(),
    ),
]


def movement_description(description: str) -> str:
    """A stored wallet movement's description, in the active language."""
    for pattern, translated in _MOVEMENTS:
        match = pattern.match(description or "")
        if match:
            return translated(match)
    return description


# Cashback payouts

_MOVEMENTS += [
    (
        re.compile(r"^Cashback payout to (?P<account>.+)$"),
        lambda match: _("Cashback payout to %(account)s") % match.groupdict(),
    ),
    (
        re.compile(r"^Cashback payout refused: amount returned$"),
        lambda match: _("Cashback payout refused: amount returned"),
    ),
]
