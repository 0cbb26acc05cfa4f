"""The list serializers that write each field directly (`billing.api.serializers.DirectReadMixin`) give
DRF's own answer: the same amounts as strings with their decimal places, the same ISO 8601 times in the
active time zone."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from billing.api.serializers import InvoiceSummarySerializer
from billing.models import Invoice

pytestmark = pytest.mark.django_db


class PlainInvoiceSerializer(InvoiceSummarySerializer):
    """The same fields, written by DRF's `Serializer.to_representation`."""

    def to_representation(self, instance):
        return serializers.ModelSerializer.to_representation(self, instance)


def invoice(**fields) -> Invoice:
    defaults = {
        "pk": 7,
        "kind": "invoice",
        "series": "INV",
        "number": 42,
        "status": "paid",
        "currency": "CHF",
        "issued_at": datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
        "paid_at": datetime(2026, 12, 1, 0, 0, 0, 500, tzinfo=UTC),
        "net_amount": Decimal("100.00"),
        "tax_amount": Decimal("8.10"),
        "gross_amount": Decimal("108.10"),
    }
    return Invoice(**{**defaults, **fields})


@pytest.mark.parametrize("zone", ["UTC", "Europe/Zurich", "America/New_York"])
@pytest.mark.parametrize(
    "amounts",
    [
        {},
        # Not stored with two places: DRF's rounding and padding decide.
        {"net_amount": Decimal("100"), "tax_amount": Decimal("8.105"), "gross_amount": Decimal("-0.5")},
        {"net_amount": Decimal("1E+2"), "tax_amount": Decimal("0.00"), "gross_amount": Decimal("99999.99")},
    ],
)
def test_the_direct_writers_answer_as_drf_does(zone, amounts):
    rows = [invoice(**amounts), invoice(pk=8, paid_at=None, issued_at=datetime(2026, 6, 1, tzinfo=UTC))]
    with timezone.override(zone):
        direct = InvoiceSummarySerializer(rows, many=True).data
        plain = PlainInvoiceSerializer(rows, many=True).data
    assert direct == plain


def test_each_request_writes_times_in_its_own_time_zone():
    row = invoice()
    with timezone.override("Europe/Zurich"):
        zurich = InvoiceSummarySerializer([row], many=True).data[0]["issued_at"]
    with timezone.override("UTC"):
        utc = InvoiceSummarySerializer([row], many=True).data[0]["issued_at"]
    assert zurich == "2026-12-01T00:30:00+01:00"
    assert utc == "2026-11-30T23:30:00Z"
