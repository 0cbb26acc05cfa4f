"""`{{ instance|display:"field" }}`: what `instance.get_FIELD_display()` shows, for one translation.

Django's own hashes every lazily translated label of the field's choices to find the one shown, a
translation each: on a table of 50 rows, hundreds per page."""

from django import template
from django.utils.encoding import force_str

register = template.Library()


@register.filter
def display(instance, field_name: str) -> str:
    field = instance._meta.get_field(field_name)
    value = getattr(instance, field.attname)
    for choice, label in field.flatchoices:
        if choice == value:
            return force_str(label)
    return force_str(value)
