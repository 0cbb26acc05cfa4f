"""`{{ instance|display:"field" }}` shows what `get_FIELD_display()` shows, in the active language."""

import pytest
from django.template import Context, Template
from django.utils import translation

from partners.models import Access, Partnership, PaymentMethod

TEMPLATE = Template('{% load choices %}{{ p|display:"access" }} / {{ p|display:"payment_method" }}')


@pytest.mark.parametrize("language", ["en", "fr", "de", "it"])
def test_a_choice_reads_as_get_display_reads_it_in_every_language(language):
    partnership = Partnership(access=Access.FULL, payment_method=PaymentMethod.PARTNER)
    with translation.override(language):
        shown = TEMPLATE.render(Context({"p": partnership}))
        expected = f"{partnership.get_access_display()} / {partnership.get_payment_method_display()}"
    assert shown == expected
    if language == "fr":
        assert shown != "Full / The partner pays"


def test_a_value_outside_the_choices_is_shown_as_stored():
    partnership = Partnership(access="gone", payment_method=PaymentMethod.CLIENT)
    assert TEMPLATE.render(Context({"p": partnership})).startswith("gone / ")
