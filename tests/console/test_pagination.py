"""One set of pagination controls for the paginated pages: Invoices, Wallet, Activity log, Managed Clients."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string


def controls(page_number, **context) -> str:
    page = Paginator(range(30), 10).get_page(page_number)
    return render_to_string("partials/pagination.html#pagination", {"page": page, **context})


def test_a_middle_page_links_both_ways_and_keeps_the_filters():
    html = controls(2, query="status=due", previous_label="Newer", next_label="Older")
    assert '<a class="page-link" href="?status=due&amp;page=1">Newer</a>' in html
    assert '<a class="page-link" href="?status=due&amp;page=3">Older</a>' in html
    assert "Page 2 of 3" in html
    assert 'aria-label="Pages"' in html


def test_without_filters_or_labels_the_links_say_previous_and_next():
    html = controls(2, label="Pages of movements")
    assert '<a class="page-link" href="?page=1">Previous</a>' in html
    assert '<a class="page-link" href="?page=3">Next</a>' in html
    assert 'aria-label="Pages of movements"' in html


def test_the_first_and_last_pages_link_only_one_way():
    first, last = controls(1), controls(3)
    assert "Previous" not in first
    assert "Next" in first
    assert "Next" not in last
    assert "Previous" in last


def test_a_single_page_shows_no_controls():
    page = Paginator(range(5), 10).get_page(1)
    assert render_to_string("partials/pagination.html#pagination", {"page": page}).strip() == ""
