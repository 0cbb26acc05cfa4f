from decimal import Decimal

import pytest

from core.templatetags.money import format_money


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
