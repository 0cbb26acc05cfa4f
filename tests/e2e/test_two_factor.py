"""Two-factor sign-in in the browser: an authenticator app set up from the secret on the page, then a sign-in
with its code; a passkey registered with Chromium's virtual WebAuthn authenticator, then a sign-in with it."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from organizations import two_factor

from .conftest import signed_up

PASSWORD = "a-long-enough-passphrase-2026"
STEP = 30


def code_for(secret: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for the secret the page printed (groups of four, base32)."""
    compact = secret.replace(" ", "")
    key = b32decode(compact + "=" * (-len(compact) % 8))
    totp = TOTP(key)
    totp.time = time.time() + steps_ahead * STEP
    return f"{totp.token():06d}"


def password_step(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/two-factor/$"))
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()


def confirm_password(page: Page) -> None:
    expect(page.get_by_role("heading", name="Confirm your password")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm", exact=True).click()


@pytest.fixture
def person(db):
    return signed_up(
        email="tess@totp.example", password=PASSWORD, full_name="Tess Totp", organization="Totp Studio"
    )


def test_an_authenticator_app_is_set_up_then_asked_at_sign_in(
    page: Page, sign_in, person, browser_errors, screenshot
):
    browser_errors.allow(r"status of 400 .*/accounts/security/authenticator-app/")  # the wrong first code
    user, organization = person
    sign_in(page, user.email, PASSWORD)
    page.goto("/accounts/security/")
    page.get_by_role("link", name="Set up an authenticator app").click()
    confirm_password(page)

    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    screenshot(page, "two-factor-authenticator-setup")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from the app").fill("000000" if code_for(secret) != "000000" else "111111")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("The code is not correct, or it was already used.")).to_be_visible()
    page.get_by_label("Code from the app").fill(code_for(secret))
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    recovery_codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(recovery_codes) == 10
    page.get_by_role("link", name="I have kept them").click()
    expect(page.get_by_role("row", name=re.compile("Authenticator app"))).to_contain_text("Set up")
    expect(page.get_by_role("row", name=re.compile("Recovery codes"))).to_contain_text("10 codes left")

    page.get_by_role("button", name=re.compile("Tess Totp|tess@totp.example")).click()
    page.get_by_role("button", name="Sign out", exact=True).click()

    password_step(page, user.email)
    page.get_by_label(re.compile("Code from your authenticator app")).fill(code_for(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(rf"/o/{organization.pk}/"))
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_have_count(0)

    # With a second factor of their own, the legal representative makes it the rule for every member.
    page.goto(f"/o/{organization.pk}/settings/organization/")
    page.get_by_label("Members must use two-factor sign-in").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Members must now use two-factor sign-in.")).to_be_visible()
    expect(page.get_by_label("Members must use two-factor sign-in")).to_be_checked()
    screenshot(page, "organization-two-factor-required")


def test_a_passkey_is_registered_then_signs_in(page: Page, sign_in, person, screenshot):
    user, organization = person
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    sign_in(page, user.email, PASSWORD)
    page.goto("/accounts/security/")
    page.get_by_role("link", name="Add a passkey").click()
    confirm_password(page)
    page.get_by_label("Name").fill("Laptop")
    page.get_by_role("button", name="Add a passkey").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    page.get_by_role("link", name="I have kept them").click()
    expect(page.get_by_role("row", name=re.compile("Laptop"))).to_be_visible()
    assert two_factor.two_factor_status(user).factor_types == [two_factor.PASSKEY]

    page.context.clear_cookies()
    password_step(page, user.email)
    screenshot(page, "two-factor-sign-in-passkey")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(re.compile(rf"/o/{organization.pk}/"))
    assert two_factor.two_factor_status(user).passkeys[0].last_used_at is not None

    # The password window takes the passkey too.
    page.goto("/accounts/security/")
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.get_by_role("button", name="Confirm with a passkey").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_security_page_and_the_sign_in_step_look_right(new_page, color_scheme, person, screenshot):
    user, _organization = person
    device = two_factor.totp_pending_device(user)
    secret = two_factor.totp_secret(device)
    two_factor.totp_confirm(user=user, code=code_for(secret), password_confirmed=True)
    page = new_page(color_scheme)

    password_step(page, user.email)
    screenshot(page, f"two-factor-sign-in-{color_scheme}")
    page.get_by_label(re.compile("Code from your authenticator app")).fill(code_for(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    page.goto("/accounts/security/")
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    screenshot(page, f"security-two-factor-{color_scheme}")
