"""Request bodies and queries read through Input serializers, as every API view does."""

from datetime import date

from django.utils.translation import gettext as _
from rest_framework import serializers

from core.days import FIRST_DAY, LAST_DAY


def parse(request, serializer_class, *, context: dict | None = None, partial: bool = False) -> dict:
    """The request body validated by an Input serializer (400 with field errors when it is not valid)."""
    serializer = serializer_class(data=request.data, context=context or {}, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class DayField(serializers.DateField):
    """A day (YYYY-MM-DD) a period can start or end on: 400 naming the field outside the console's range."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["iso-8601"])
        super().__init__(**kwargs)
        self.validators.append(validate_day)


def validate_day(day: date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise serializers.ValidationError(
            _("Enter a day between %(first)s and %(last)s.")
            % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )
