"""Settings → API tokens: Create a token → application → scopes → validity → Create a token → password →
shown once; the list; revoking one or many; the password window (asked, not asked within it, asked again)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.models import AuditEvent
from tokens.models import ApiToken

NOW = timezone.make_aware(timezone.datetime(2026, 5, 4, 10, 0))


@pytest.fixture
def pages(client, plain_user, organization):
    client.force_login(plain_user)
    base = f"/o/{organization.pk}/settings/api-tokens/"
    return {
        "list": base,
        "create": f"{base}create/",
        "created": f"{base}created/",
        "revoke": f"{base}revoke/",
    }


FORM = {"application": "manager", "scopes": ["billing:read", "products:read"], "validity": "unlimited"}


def test_create_a_token_asks_the_password_then_shows_the_token_once(client, pages, plain_user, password):
    form_page = client.get(pages["create"])
    assert form_page.status_code == 200
    assert '<option value="newsletter">Newsletter</option>' in form_page.text

    asked = client.post(pages["create"], {**FORM, "name": "Accounting"})
    assert asked.status_code == 200
    assert "Confirm your password" in asked.text
    assert not ApiToken.objects.exists()

    wrong = client.post(pages["create"], {**FORM, "name": "Accounting", "sudo_password": "nope"})
    assert "The password is not correct." in wrong.text
    assert not ApiToken.objects.exists()

    session_key = client.session.session_key
    shown = client.post(
        pages["create"], {**FORM, "name": "Accounting", "sudo_password": password}, follow=True
    )
    assert shown.redirect_chain == [(pages["created"], 302)]
    assert shown.status_code == 200
    assert shown["Cache-Control"] == "no-store"
    plaintext = shown.context["plaintext"]
    assert f'value="{plaintext}"' in shown.text
    assert "it will no longer be accessible after this step" in shown.text
    assert client.session.session_key != session_key, "a confirmed password rotates the session key"
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.scopes, token.expires_at) == (
        plain_user,
        "Accounting",
        ["billing:read", "products:read"],
        None,
    )

    listed = client.get(pages["list"])
    assert token.masked in listed.text
    assert plaintext not in listed.text


def test_reloading_the_new_token_page_shows_no_token_and_creates_nothing(client, pages, password):
    shown = client.post(pages["create"], {**FORM, "name": "Once", "sudo_password": password}, follow=True)
    plaintext = shown.context["plaintext"]
    assert f'value="{plaintext}"' in shown.text

    reloaded = client.get(pages["created"], follow=True)

    assert reloaded.redirect_chain == [(pages["list"], 302)]
    assert plaintext not in reloaded.text
    assert "A new token is shown only once." in reloaded.text
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["Once"]
    assert AuditEvent.objects.filter(action="api_token.created").count() == 1
    assert "api_token_shown_once" not in client.session


def test_the_new_token_page_shows_only_a_token_of_ones_own(client, pages, make_token, administrator):
    """A token id slipped into the session of another user shows nothing of that token."""
    others, plaintext = make_token(administrator, name="Not mine")
    session = client.session
    session["api_token_shown_once"] = {"token_id": others.pk, "plaintext": plaintext}
    session.save()

    page = client.get(pages["created"], follow=True)

    assert plaintext not in page.text
    assert page.redirect_chain == [(pages["list"], 302)]


def test_within_the_window_no_password_is_asked_and_after_it_again(client, pages, password):
    with time_machine.travel(NOW, tick=False):
        client.post(pages["create"], {**FORM, "name": "First", "sudo_password": password})
    with time_machine.travel(NOW + timedelta(minutes=4), tick=False):
        second = client.post(pages["create"], {**FORM, "name": "Second"}, follow=True)
    with time_machine.travel(NOW + timedelta(minutes=5, seconds=1), tick=False):
        third = client.post(pages["create"], {**FORM, "name": "Third"})

    assert "plaintext" in second.context
    assert "Confirm your password" in third.text
    assert list(ApiToken.objects.order_by("pk").values_list("name", flat=True)) == ["First", "Second"]


def test_a_product_token_until_a_date(client, pages, password):
    with time_machine.travel(NOW, tick=False):
        client.post(
            pages["create"],
            {
                "application": "newsletter",
                # A box of the Manager API still ticked after the dropdown changed is not kept.
                "scopes": ["newsletter:read", "newsletter:write", "billing:read"],
                "validity": "date",
                "expires_on": "2026-12-31",
                "sudo_password": password,
            },
        )

    token = ApiToken.objects.get()
    assert (token.application, token.name, token.scopes) == (
        "newsletter",
        "Newsletter token",
        ["newsletter:read", "newsletter:write"],
    )
    assert timezone.localtime(token.expires_at).isoformat() == "2026-12-31T23:59:59.999999+01:00"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**FORM, "scopes": []}, "scopes", "Choose at least one scope."),
        ({**FORM, "application": "nothing"}, "application", "Select a valid choice."),
        ({**FORM, "validity": "date"}, "expires_on", "Choose the last day the token is valid."),
        (
            {**FORM, "validity": "date", "expires_on": "2026-05-03"},
            "expires_on",
            "Choose today or a later day.",
        ),
    ],
)
def test_bad_input_is_answered_on_the_form_before_the_password(client, pages, data, field, message):
    with time_machine.travel(NOW, tick=False):
        response = client.post(pages["create"], data)

    assert message in " ".join(response.context["form"].errors[field])
    assert "Confirm your password" not in response.text
    assert not ApiToken.objects.exists()


def test_the_list_shows_every_detail_and_revokes_the_ticked_tokens(
    client, pages, make_token, plain_user, administrator, django_assert_max_num_queries
):
    with time_machine.travel(NOW, tick=False):
        kept, _ = make_token(plain_user, name="Kept")
        first, _ = make_token(plain_user, name="First", expires_at=NOW + timedelta(days=10))
        second, _ = make_token(plain_user, name="Second")
        others, _ = make_token(administrator, name="Not mine")
    ApiToken.objects.filter(pk=kept.pk).update(last_used_at=NOW, last_used_ip="198.51.100.4")

    with django_assert_max_num_queries(12):
        listed = client.get(pages["list"])
    assert [row for row in ("Kept", "First", "Second") if row in listed.text] == ["Kept", "First", "Second"]
    assert "Not mine" not in listed.text
    assert "198.51.100.4" in listed.text
    assert "Unlimited" in listed.text
    assert "Never" in listed.text

    revoked = client.post(pages["revoke"], {"token": [first.pk, second.pk, others.pk]}, follow=True)

    assert "2 tokens revoked." in revoked.text
    statuses = dict(ApiToken.objects.values_list("name", "status"))
    assert statuses == {"Kept": "active", "First": "revoked", "Second": "revoked", "Not mine": "active"}
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 2


def test_the_confirm_password_page_returns_to_next_and_only_to_this_site(client, pages, password):
    page = client.get("/accounts/confirm-password/", {"next": pages["list"]})
    assert "Confirm your password" in page.text

    back = client.post(f"/accounts/confirm-password/?next={pages['list']}", {"sudo_password": password})
    assert back.status_code == 302
    assert back.url == pages["list"]

    elsewhere = client.post(
        "/accounts/confirm-password/?next=https://evil.example/", {"sudo_password": password}
    )
    assert elsewhere.url == "/"


def test_the_settings_menu_links_the_api_tokens_page(client, pages):
    assert 'href="' + pages["list"] + '">API tokens</a>' in client.get(pages["list"]).text


def test_the_confirm_password_page_rotates_the_session_key_and_opens_the_window(client, pages, password):
    before = client.session.session_key

    wrong = client.post(f"/accounts/confirm-password/?next={pages['list']}", {"sudo_password": "nope"})
    assert "The password is not correct." in wrong.text
    assert client.session.session_key == before
    assert "Confirm your password" in client.post(pages["create"], {**FORM, "name": "Still asked"}).text

    client.post(f"/accounts/confirm-password/?next={pages['list']}", {"sudo_password": password})

    assert client.session.session_key != before, "a confirmed password rotates the session key"
    created = client.post(pages["create"], {**FORM, "name": "Within the window"}, follow=True)
    assert "Your new token" in created.text
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["Within the window"]
