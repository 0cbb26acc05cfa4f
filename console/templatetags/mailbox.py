import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

_URL = re.compile(r"https?://[^\s<>\"']+")


@register.filter
def link_web_addresses(text: str) -> str:
    """Links only full http(s) addresses, so a product name like www.example.ch in a mail stays text."""
    parts = []
    position = 0
    for match in _URL.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(format_html('<a href="{}">{}</a>', match.group(0), match.group(0)))
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308 - every part is escaped above
