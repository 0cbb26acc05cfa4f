"""The legal pages are public and linked from every footer, the console's and the plain pages'."""

import pytest
from django.urls import reverse

LEGAL = {
    "privacy_policy": [
        "Privacy policy",
        "Switzerland",
        "Cookie preferences",
        "Manager Hosting SA</strong>, Rue du Rhône 1, 1204 Genève",
        'href="mailto:privacy@manager.localhost"',
    ],
    "data_protection_policy": [
        "FADP &amp; GDPR",
        "Your role as a client",
        "Our role as a provider",
        "processor",
        "annual intrusion tests",
        "Settings → Data protection → Generate",
    ],
    "whistleblower": [
        "Whistleblower protection",
        "Do you have a whistleblower protection policy?",
        "retaliation",
        "How do I make a report?",
        'href="mailto:whistleblowing@manager.localhost"',
        "you do not have to give your name",
    ],
}
FOOTER_LINKS = ["Privacy policy", "Data protection", "Whistleblower protection", "Cookie preferences"]


@pytest.mark.parametrize(("page", "phrases"), LEGAL.items())
def test_legal_pages_are_public(client, db, page, phrases):
    response = client.get(reverse(page))
    assert response.status_code == 200
    for phrase in phrases:
        assert phrase in response.text


def footer_of(html: str) -> str:
    return html[html.index('<footer class="console-footer') : html.index("</footer>")]


@pytest.mark.parametrize("url_name", ["login", "signup", "terms", "outdated_browser", "privacy_policy"])
def test_every_plain_page_footer_links_the_legal_pages(client, db, url_name):
    footer = footer_of(client.get(reverse(url_name)).text)
    for label in FOOTER_LINKS:
        assert f">{label}</a>" in footer


def test_the_console_footer_links_the_legal_pages(client, organization, plain_user):
    client.force_login(plain_user)
    footer = footer_of(client.get(reverse("dashboard", kwargs={"org_id": organization.pk})).text)
    for label in FOOTER_LINKS:
        assert f">{label}</a>" in footer


def test_the_admin_footer_links_the_legal_pages(admin_client):
    page = admin_client.get(reverse("admin:index")).text
    footer = page[page.index('<footer id="footer">') : page.index("</footer>")]
    for label in FOOTER_LINKS:
        assert f">{label}</a>" in footer
    assert "Site administration" in page  # the admin's own page, still whole
