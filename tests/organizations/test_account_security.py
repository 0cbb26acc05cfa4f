"""Account security: sign-in limits, one answer for every failure, session keys, idle and absolute limits,
signing out everywhere and the compromised-password action."""

from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from core import session_limits
from core.models import AuditEvent
from organizations import services
from organizations.models import User
from organizations.signals import password_compromised

WRONG = "The email address or the password is not correct."
LIMITED = "Too many failed sign-in attempts."
NEW_PASSWORD = "a-fresh-and-long-passphrase-2026"


def sign_in(client, email, password, ip="198.51.100.1"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def signed_in(client, organization) -> bool:
    return client.get(reverse("dashboard", kwargs={"org_id": organization.pk})).status_code == 200


# Failed sign-ins


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer(client, legal_representative):
    unknown = sign_in(client, "nobody@helvetia.example", "whatever-password")
    wrong = sign_in(client, legal_representative.email, "whatever-password")
    assert unknown.status_code == wrong.status_code == 200
    assert WRONG in unknown.text
    assert WRONG in wrong.text


def test_a_deactivated_account_gets_the_same_answer_even_with_its_password(
    client, legal_representative, password, organization
):
    """Nothing tells a stranger that the account exists, nor that the password they tried is the right one."""
    User.objects.filter(pk=legal_representative.pk).update(is_active=False)
    response = sign_in(client, legal_representative.email, password)
    assert response.status_code == 200
    assert WRONG in response.text
    assert "inactive" not in response.text
    assert not signed_in(client, organization)


def test_an_unknown_email_costs_a_password_hash_too(client, db):
    """The answer for an unknown email takes as long as for a wrong password: the hasher runs for both."""
    with mock.patch.object(MD5PasswordHasher, "encode", wraps=MD5PasswordHasher().encode) as encode:
        sign_in(client, "nobody@helvetia.example", "whatever-password")
    assert encode.call_count >= 1


def test_failures_are_limited_per_account_and_address(
    client, settings, legal_representative, organization, password
):
    settings.SIGN_IN_RATE_ACCOUNT_IP = "3/15m"
    for _ in range(3):
        assert sign_in(client, legal_representative.email, "wrong-guess", ip="203.0.113.9").status_code == 200
    # From the attacker's address, even the right password is refused now ...
    refused = sign_in(client, legal_representative.email, password, ip="203.0.113.9")
    assert refused.status_code == 429
    assert LIMITED in refused.text
    assert WRONG not in refused.text
    assert not signed_in(client, organization)
    # ... while the real user signs in from their own address.
    response = sign_in(client, legal_representative.email, password, ip="198.51.100.7")
    assert response.status_code == 302
    assert signed_in(client, organization)


def test_a_full_data_cache_does_not_reset_the_failure_count(client, settings, legal_representative, password):
    """Counters live in a cache of their own: filling the data cache past its size evicts none of them."""
    settings.SIGN_IN_RATE_ACCOUNT_IP = "3/15m"
    for _ in range(3):
        sign_in(client, legal_representative.email, "wrong-guess", ip="203.0.113.9")
    data_cache = caches["default"]
    data_cache.set_many({f"filler-{index}": index for index in range(1_000)})
    assert sign_in(client, legal_representative.email, password, ip="203.0.113.9").status_code == 429


def test_failures_are_limited_per_address_across_accounts(client, settings, legal_representative, password):
    settings.SIGN_IN_RATE_IP = "4/15m"
    for number in range(4):
        sign_in(client, f"guess{number}@helvetia.example", "wrong-guess", ip="203.0.113.9")
    assert sign_in(client, legal_representative.email, password, ip="203.0.113.9").status_code == 429
    assert sign_in(client, legal_representative.email, password, ip="198.51.100.7").status_code == 302


def test_an_attack_from_many_addresses_never_locks_the_real_user_out(
    client, settings, legal_representative, organization, password
):
    """A third party guessing the password from addresses of its own, well past every limit."""
    settings.SIGN_IN_RATE_ACCOUNT_IP = "3/15m"
    settings.SIGN_IN_RATE_IP = "6/15m"
    for address in range(1, 6):
        for _ in range(8):
            sign_in(Client(), legal_representative.email.upper(), "wrong-guess", ip=f"203.0.113.{address}")
    assert sign_in(Client(), legal_representative.email, password, ip="203.0.113.1").status_code == 429
    response = sign_in(client, legal_representative.email, password, ip="198.51.100.7")
    assert response.status_code == 302
    assert signed_in(client, organization)


def test_the_limit_answers_alike_for_an_unknown_email_and_a_real_account(
    settings, legal_representative, password
):
    """Once limited, the answer does not tell whether the account exists either."""
    settings.SIGN_IN_RATE_ACCOUNT_IP = "2/15m"
    answers = []
    for email in ("nobody@helvetia.example", legal_representative.email):
        browser = Client()
        for _ in range(2):
            sign_in(browser, email, "wrong-guess", ip="203.0.113.9")
        answers.append(sign_in(browser, email, "wrong-guess", ip="203.0.113.9"))
    assert [answer.status_code for answer in answers] == [429, 429]
    assert all(LIMITED in answer.text and WRONG not in answer.text for answer in answers)


def test_successful_sign_ins_are_not_counted(client, settings, legal_representative, password):
    settings.SIGN_IN_RATE_ACCOUNT_IP = "2/15m"
    for _ in range(4):
        assert sign_in(Client(), legal_representative.email, password).status_code == 302


# Session keys


def anonymous_session_key(client) -> str:
    session = client.session
    session["cookie_consent"] = "1:00:1764168000"
    session.save()
    client.cookies["sessionid"] = session.session_key
    return session.session_key


def test_signing_in_gives_the_session_a_new_key(client, legal_representative, password):
    before = anonymous_session_key(client)
    sign_in(client, legal_representative.email, password)
    assert client.cookies["sessionid"].value != before


def test_re_entering_the_password_gives_the_session_a_new_key(
    client, legal_representative, password, organization
):
    client.force_login(legal_representative)
    before = client.cookies["sessionid"].value
    response = client.post(
        reverse("password_compromised"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != before
    assert signed_in(client, organization)


def test_changing_the_password_gives_the_session_a_new_key_and_ends_the_others(
    legal_representative, password, organization
):
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        sign_in(browser, legal_representative.email, password)
    before = here.cookies["sessionid"].value
    here.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert here.cookies["sessionid"].value != before
    assert signed_in(here, organization)
    assert not signed_in(elsewhere, organization)


# Password re-entry ("Confirm your password")


def confirm_password(client, password, next_url="/"):
    return client.post(f"{reverse('confirm_password')}?next={next_url}", {"sudo_password": password})


def test_confirming_the_password_gives_the_session_a_new_key(
    client, legal_representative, password, organization
):
    client.force_login(legal_representative)
    before = client.cookies["sessionid"].value
    response = confirm_password(client, password, next_url=reverse("account_security"))
    assert response.status_code == 302
    assert response.url == reverse("account_security")
    assert client.cookies["sessionid"].value != before
    assert signed_in(client, organization)
    # The old key no longer opens anything.
    stale = Client()
    stale.cookies["sessionid"] = before
    assert not signed_in(stale, organization)


def test_a_wrong_password_keeps_the_session_key_and_says_so(client, legal_representative, organization):
    client.force_login(legal_representative)
    before = client.cookies["sessionid"].value
    response = confirm_password(client, "not-my-password")
    assert response.status_code == 200
    assert "The password is not correct." in response.text
    assert client.cookies["sessionid"].value == before
    assert "sudo_confirmed_at" not in client.session


def test_wrong_passwords_on_the_confirmation_are_limited_per_account(
    client, settings, legal_representative, password
):
    """Whoever holds a session cannot try passwords without end through "Confirm your password"."""
    settings.SIGN_IN_RATE_ACCOUNT_IP = "3/15m"
    client.force_login(legal_representative)
    for number in range(3):
        ip = f"203.0.113.{number + 1}"
        response = client.post(reverse("confirm_password"), {"sudo_password": "guess"}, REMOTE_ADDR=ip)
        assert "The password is not correct." in response.text
    refused = confirm_password(client, password)
    assert refused.status_code == 429
    assert "Too many wrong passwords" in refused.text
    assert "sudo_confirmed_at" not in client.session


def test_sign_out_everywhere_ends_a_session_confirmed_with_the_password(
    legal_representative, organization, password
):
    confirmed, here = Client(), Client()
    for browser in (confirmed, here):
        assert sign_in(browser, legal_representative.email, password).status_code == 302
    assert confirm_password(confirmed, password).status_code == 302
    here.post(reverse("sign_out_everywhere"))
    assert not signed_in(confirmed, organization)
    assert not signed_in(here, organization)


def test_a_compromised_password_ends_a_session_confirmed_elsewhere(
    legal_representative, organization, password
):
    confirmed, here = Client(), Client()
    for browser in (confirmed, here):
        sign_in(browser, legal_representative.email, password)
    confirm_password(confirmed, password)
    here.post(
        reverse("password_compromised"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert signed_in(here, organization)
    assert not signed_in(confirmed, organization)


# Idle and absolute limits


@pytest.fixture
def clock():
    """The session limits' clock, moved by the test."""
    moment = {"now": 1_800_000_000.0}
    with mock.patch.object(session_limits, "now", side_effect=lambda: moment["now"]):
        yield moment


def test_a_session_ends_after_the_idle_limit(client, settings, clock, legal_representative, organization):
    settings.SESSION_IDLE_TIMEOUT = 1800
    client.force_login(legal_representative)
    clock["now"] += 1700
    assert signed_in(client, organization)
    clock["now"] += 1700  # active 1700 s ago: still fine
    assert signed_in(client, organization)
    clock["now"] += 1801
    response = client.get(reverse("dashboard", kwargs={"org_id": organization.pk}))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "after a period without activity" in client.get(response.url).text
    clock["now"] += 1
    assert not signed_in(client, organization)


def test_a_session_ends_after_the_absolute_limit_however_active(
    client, settings, clock, legal_representative, organization
):
    settings.SESSION_IDLE_TIMEOUT = 1800
    settings.SESSION_ABSOLUTE_TIMEOUT = 4 * 3600
    client.force_login(legal_representative)
    for _ in range(15):  # a request every 15 minutes for 3 h 45
        clock["now"] += 900
        assert signed_in(client, organization)
    clock["now"] += 900
    response = client.get(reverse("dashboard", kwargs={"org_id": organization.pk}))
    assert response.status_code == 302
    assert "maximum length" in client.get(response.url).text


def test_an_expired_session_gets_401_from_the_api(client, settings, clock, legal_representative):
    client.force_login(legal_representative)
    clock["now"] += settings.SESSION_ABSOLUTE_TIMEOUT
    response = client.get(reverse("api:me"))
    assert response.status_code == 401
    assert "Please sign in again" in response.json()["detail"]


# Sign out everywhere


def test_sign_out_everywhere_ends_every_session(legal_representative, organization, password):
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        assert sign_in(browser, legal_representative.email, password).status_code == 302
    response = here.post(reverse("sign_out_everywhere"))
    assert response.url == reverse("login")
    assert not signed_in(here, organization)
    assert not signed_in(elsewhere, organization)
    assert (
        AuditEvent.objects.filter(action="user.signed_out_everywhere", actor=legal_representative).count()
        == 1
    )
    # The password still works: signing in again is possible.
    assert sign_in(elsewhere, legal_representative.email, password).status_code == 302


def test_sign_out_everywhere_needs_a_post(client, legal_representative, organization):
    client.force_login(legal_representative)
    assert client.get(reverse("sign_out_everywhere")).status_code == 405
    assert signed_in(client, organization)


# The compromised password


@pytest.fixture
def compromised_signals():
    received = []

    def receiver(sender, user, **kwargs):
        received.append((sender, user.pk))

    password_compromised.connect(receiver)
    yield received
    password_compromised.disconnect(receiver)


def test_a_compromised_password_is_replaced_and_every_other_session_ends(
    legal_representative, organization, password, compromised_signals
):
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        sign_in(browser, legal_representative.email, password)
    response = here.post(
        reverse("password_compromised"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "your API tokens have been revoked" in response.text
    assert signed_in(here, organization)
    assert not signed_in(elsewhere, organization)
    user = User.objects.get(pk=legal_representative.pk)
    assert user.check_password(NEW_PASSWORD)
    assert compromised_signals == [(User, user.pk)]
    assert AuditEvent.objects.filter(action="user.password_compromised", actor=user).count() == 1
    assert sign_in(Client(), user.email, password).status_code == 200  # the old password is refused


def test_a_wrong_current_password_changes_nothing(
    client, legal_representative, password, compromised_signals
):
    client.force_login(legal_representative)
    response = client.post(
        reverse("password_compromised"),
        {"old_password": "not-my-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "Your current password is not correct." in response.text
    assert User.objects.get(pk=legal_representative.pk).check_password(password)
    assert compromised_signals == []


@pytest.mark.parametrize(
    ("new_password", "message"),
    [("short", "too short"), (None, "different from the compromised one")],
)
def test_a_weak_or_unchanged_new_password_is_refused(
    client, legal_representative, password, new_password, message
):
    new_password = new_password or password
    client.force_login(legal_representative)
    response = client.post(
        reverse("password_compromised"),
        {"old_password": password, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 400
    assert message in response.text


def test_a_failing_revocation_keeps_the_old_password(legal_representative, password):
    """The signal is sent inside the transaction: if the tokens cannot be revoked, nothing changes."""

    def failing_receiver(sender, user, **kwargs):
        raise RuntimeError("the tokens could not be revoked")

    password_compromised.connect(failing_receiver)
    try:
        with pytest.raises(RuntimeError):
            services.user_password_compromised(
                user=legal_representative, old_password=password, new_password=NEW_PASSWORD
            )
    finally:
        password_compromised.disconnect(failing_receiver)
    user = User.objects.get(pk=legal_representative.pk)
    assert user.check_password(password)
    assert user.session_generation == 0


def test_the_security_page_offers_both_actions(client, legal_representative):
    client.force_login(legal_representative)
    page = client.get(reverse("account_security")).text
    assert "Sign out everywhere" in page
    assert "My password was compromised" in page


def test_the_security_pages_need_a_signed_in_user(client, db):
    for name in ("account_security", "password_compromised"):
        assert client.get(reverse(name)).url.startswith(reverse("login"))


def test_confirming_the_password_does_not_extend_the_session_limits(
    client, settings, clock, legal_representative, organization, password
):
    """The new key keeps the time of signing in: the absolute limit still counts from the sign-in."""
    settings.SESSION_ABSOLUTE_TIMEOUT = 4 * 3600
    settings.SESSION_IDLE_TIMEOUT = 3 * 3600
    client.force_login(legal_representative)
    clock["now"] += 2 * 3600
    assert confirm_password(client, password).status_code == 302
    clock["now"] += 2 * 3600
    response = client.get(reverse("dashboard", kwargs={"org_id": organization.pk}))
    assert response.status_code == 302
    assert "maximum length" in client.get(response.url).text
