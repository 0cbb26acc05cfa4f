"""Console pages of lists that may be too long to count on every view."""

from functools import cached_property

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator


class BoundedPaginator(Paginator):
    """Numbered pages that count at most `bound` rows (one index range of that many, whatever the list's
    length). Up to the bound it is Django's Paginator ("Page 3 of 40"); past it `count_is_exact` is False,
    `count` is `bound + 1`, and a page knows only whether another follows (it reads one row more), so every
    page stays reachable ("Page 512")."""

    def __init__(self, object_list, per_page, *, bound: int):
        super().__init__(object_list, per_page)
        self.bound = bound

    @cached_property
    def count(self) -> int:
        # Unordered: any bound + 1 rows will do, read from the narrowest index.
        return self.object_list.order_by().values("pk")[: self.bound + 1].count()

    @property
    def count_is_exact(self) -> bool:
        return self.count <= self.bound

    def validate_number(self, number):
        if self.count_is_exact:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number):
        if self.count_is_exact:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage("That page contains no results")
        return OpenEndedPage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)

    def get_page(self, number):
        try:
            return super().get_page(number)
        except EmptyPage:  # past the end of a list too long to count: its first page
            return self.page(1)


class OpenEndedPage(Page):
    """A page of a list whose length is not known: whether another follows was read with it."""

    def __init__(self, object_list, number, paginator, *, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next
