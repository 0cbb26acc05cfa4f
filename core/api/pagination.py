from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (at most 200)."""

    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(pagination.CursorPagination):
    """`?cursor=` (as `next` and `previous` give it) and `?page_size=` (at most 200), without a count: for
    lists that grow without bound, such as invoices, where counting every matching row on every call would
    cost more than the page. Any page reads `page_size + 1` rows from an index, however deep it is.

    A subclass names `ordering`: its first field places the cursor and should be nearly unique and never
    change. `?page=` is refused: a script written for numbered pages would read the first page forever."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        if "page" in request.query_params:
            raise ValidationError({"page": [_("This list is paginated with a cursor: follow `next`.")]})
        return super().paginate_queryset(queryset, request, view)
