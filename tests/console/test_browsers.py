"""The outdated-browser page: public, plain, and it names what the browser lacks, from a fixed list."""

import re
from pathlib import Path

from django.urls import reverse

from console.views import BROWSER_FEATURES

THEME_JS = Path(__file__).resolve().parents[2] / "console" / "static" / "console" / "theme.js"


def test_the_page_says_what_is_missing_and_what_to_update(client, db):
    response = client.get(reverse("outdated_browser"), {"missing": "fetch,css-variables"})
    assert response.status_code == 200
    assert "Your browser is out of date" in response.text
    assert BROWSER_FEATURES["fetch"] in response.text
    assert BROWSER_FEATURES["css-variables"] in response.text
    assert BROWSER_FEATURES["css-grid"] not in response.text
    assert "Update your browser to its latest version" in response.text
    assert "update your operating system first" in response.text


def test_the_page_shows_only_known_features(client, db):
    response = client.get(reverse("outdated_browser"), {"missing": "<b>evil</b>,fetch"})
    missing = response.text[response.text.index('data-testid="missing-features"') :]
    assert "evil" not in missing[: missing.index("</ul>")]
    assert BROWSER_FEATURES["fetch"] in response.text


def test_without_details_the_page_still_explains(client, db):
    response = client.get(reverse("outdated_browser"))
    assert "What your browser is missing" not in response.text
    assert "What to update" in response.text


def test_every_feature_the_script_tests_has_a_name_on_the_page():
    script = THEME_JS.read_text()
    block = script[script.index("var features = {") : script.index("};", script.index("var features = {"))]
    tested = set(re.findall(r'^\s*"([a-z-]+)":', block, flags=re.MULTILINE))
    assert tested == set(BROWSER_FEATURES)
