from decimal import Decimal

import pytest

from core.templatetags.money import format_money, format_money_number


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", Decimal("1234.50"), "CHF", "CHF 1234.50"),
        ("de", Decimal("1234.50"), "CHF", "CHF\u00a01'234.50"),
        ("fr", Decimal("1234.50"), "EUR", "1\u202f234,50\u00a0€"),
        ("it", Decimal("1234.50"), "EUR", "1.234,50\u00a0€"),
        ("de", Decimal("-12.5"), "EUR", "-12,50\u00a0€"),
    ],
)
def test_an_amount_is_written_as_its_language_writes_it(language, amount, currency, expected):
    assert format_money(amount, currency, language) == expected


def test_no_amount_is_written_as_nothing():
    assert format_money(None, "CHF", "fr") == ""


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", Decimal("1234.50"), "CHF", "1234.50"),
        ("en", Decimal("-69.00"), "EUR", "-69.00"),
        ("de", Decimal("1234.50"), "CHF", "1'234.50"),
        ("fr", Decimal("1234.50"), "EUR", "1\u202f234,50"),
        ("it", Decimal("1234.5"), "EUR", "1.234,50"),
        ("de", Decimal("-69"), "EUR", "-69,00"),
    ],
)
def test_a_number_under_a_currency_heading_is_written_as_its_amount_is(language, amount, currency, expected):
    """Table columns headed by the currency write the number as `format_money` would, without the currency."""
    assert format_money_number(amount, currency, language) == expected
    assert expected in format_money(amount, currency, language)


def test_no_number_is_written_as_nothing():
    assert format_money_number("", "EUR", "de") == ""
