"""Addresses of a table's rows: reversed once per page, then formatted per row.

`{% url %}` resolves the pattern again for every row, which a page of 50 rows feels; the same address with
the row's id put in by `str.format` costs nothing."""

from django.urls import reverse

# An id no row has (the largest the `id` converter takes), replaced by `{}` once reversed.
PLACEHOLDER = "9" * 18


def row_url_format(viewname: str, row_kwarg: str, **kwargs) -> str:
    """The address of `viewname` with `{}` where `row_kwarg` goes, e.g. "/o/42/billing/invoices/{}/"."""
    return reverse(viewname, kwargs={**kwargs, row_kwarg: PLACEHOLDER}).replace(PLACEHOLDER, "{}")
