"""`{{ amount|money:currency }}`: an amount as the active language writes it.

English keeps the console's plain form ("CHF 1234.50"). French, German and Italian follow the Swiss
conventions for francs ("CHF 1'234.50") and their own country's for other currencies ("1 234,50 €").
"""

from decimal import Decimal

from babel.numbers import format_currency
from django import template
from django.utils import translation

register = template.Library()

# The region whose conventions a language writes each currency in; English is left as it is.
SWISS_CURRENCIES = {"CHF"}
HOME_REGIONS = {"fr": "FR", "de": "DE", "it": "IT"}


def format_money(amount, currency: str, language: str | None = None) -> str:
    """The amount with its currency, in the given language or the active one."""
    if amount in (None, ""):
        return ""
    language = (language or translation.get_language() or "en").split("-")[0]
    region = HOME_REGIONS.get(language)
    if region is None:
        return f"{currency} {amount}"
    if currency in SWISS_CURRENCIES:
        region = "CH"
    return format_currency(Decimal(amount), currency, locale=f"{language}_{region}")


@register.filter
def money(amount, currency: str) -> str:
    return format_money(amount, currency)
