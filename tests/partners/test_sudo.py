"""The password window on the partner program's sensitive pages: Full access, who pays, Stop Collaboration.
Outside the window the password is asked (and a wrong one changes nothing); within it, it is not."""

import time

import pytest

from core.sudo import SESSION_KEY
from partners.models import Partnership
from tests.factories import PASSWORD, PartnershipFactory


def url(name, org, **kwargs):
    from django.urls import reverse

    return reverse(name, kwargs={"org_id": org.pk, **kwargs})


def _open_window(client):
    session = client.session
    session[SESSION_KEY] = time.time()
    session.save()


@pytest.fixture
def signed_in(client, client_legal):
    client.force_login(client_legal)
    return client


FULL = {"q": "Léman", "step": "details", "access": "full", "payment_method": "partner"}


def test_choosing_full_access_asks_the_password_then_sends_the_invitation(signed_in, client_org, partner_org):
    add = url("partner_add", client_org)

    asked = signed_in.post(add, {**FULL, "partner": partner_org.pk})
    wrong = signed_in.post(add, {**FULL, "partner": partner_org.pk, "sudo_password": "wrong"})
    assert "Confirm your password" in asked.text
    assert f'name="partner" value="{partner_org.pk}"' in asked.text, "the wizard's choices are carried"
    assert "The password is not correct." in wrong.text
    assert not Partnership.objects.exists()

    done = signed_in.post(add, {**FULL, "partner": partner_org.pk, "sudo_password": PASSWORD})

    assert done.status_code == 302
    assert Partnership.objects.get().payment_method == "partner"


def test_limited_access_needs_no_password(signed_in, client_org, partner_org):
    limited = {"q": "Léman", "step": "details", "access": "limited", "partner": partner_org.pk}
    assert signed_in.post(url("partner_add", client_org), limited).status_code == 200  # no product ticked
    assert "Confirm your password" not in signed_in.post(url("partner_add", client_org), limited).text


def test_who_pays_asks_the_password_first_then_not_within_the_window(signed_in, client_org, partner_org):
    partnership = PartnershipFactory(client=client_org, partner=partner_org, access="full")
    edit = url("partner_payment_edit", client_org, partnership_id=partnership.pk)

    first = signed_in.get(edit)
    assert first.status_code == 302
    assert first.url.startswith("/accounts/confirm-password/?next=")
    confirmed = signed_in.post(first.url, {"sudo_password": PASSWORD})
    assert confirmed.url == edit

    assert signed_in.get(edit).status_code == 200
    signed_in.post(edit, {"payment_method": "partner"})
    assert Partnership.objects.get(pk=partnership.pk).payment_method == "partner"


def test_stop_collaboration_within_the_window_asks_no_password(signed_in, client_org, partner_org):
    partnership = PartnershipFactory(client=client_org, partner=partner_org, access="full")
    _open_window(signed_in)

    stopped = signed_in.post(
        url("partnership_stop", client_org, partnership_id=partnership.pk), {"confirmed": "yes"}
    )

    assert stopped.status_code == 302
    assert Partnership.objects.get(pk=partnership.pk).status == "stopped"


def test_the_window_closes_after_its_minutes(signed_in, client_org, partner_org, settings):
    settings.SUDO_WINDOW = 300
    partnership = PartnershipFactory(client=client_org, partner=partner_org, access="full")
    session = signed_in.session
    session[SESSION_KEY] = time.time() - 301
    session.save()

    asked = signed_in.post(
        url("partnership_stop", client_org, partnership_id=partnership.pk), {"confirmed": "yes"}
    )

    assert 'type="password"' in asked.text
    assert Partnership.objects.get(pk=partnership.pk).status == "active"
