"""`{{ amount|money:currency }}`: an amount as the active language writes it.

English keeps the console's plain form ("CHF 1234.50"). French, German and Italian follow the Swiss
conventions for francs ("CHF 1'234.50") and their own country's for other currencies ("1 234,50 €").
"""

from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from django import template
from django.utils import translation

register = template.Library()

# The region whose conventions a language writes each currency in; English is left as it is.
SWISS_CURRENCIES = {"CHF"}
HOME_REGIONS = {"fr": "FR", "de": "DE", "it": "IT"}


def _locale(currency: str, language: str | None) -> str | None:
    """The babel locale an amount of `currency` is written in; None for English's plain form."""
    language = (language or translation.get_language() or "en").split("-")[0]
    region = HOME_REGIONS.get(language)
    if region is None:
        return None
    if currency in SWISS_CURRENCIES:
        region = "CH"
    return f"{language}_{region}"


def format_money(amount, currency: str, language: str | None = None) -> str:
    """The amount with its currency, in the given language or the active one."""
    if amount in (None, ""):
        return ""
    locale = _locale(currency, language)
    if locale is None:
        return f"{currency} {amount}"
    return format_currency(Decimal(amount), currency, locale=locale)


def format_money_number(amount, currency: str, language: str | None = None) -> str:
    """The number alone, written as `format_money` writes it (a column whose heading names the currency)."""
    if amount in (None, ""):
        return ""
    locale = _locale(currency, language)
    if locale is None:
        return f"{amount}"
    return format_decimal(Decimal(amount), format="#,##0.00", locale=locale)


@register.filter
def money(amount, currency: str) -> str:
    return format_money(amount, currency)


@register.filter
def money_number(amount, currency: str) -> str:
    return format_money_number(amount, currency)
