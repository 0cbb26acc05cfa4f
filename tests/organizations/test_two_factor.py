"""Two-factor sign-in: authenticator apps, recovery codes, passkeys' bookkeeping, the step after the password,
the password window, the organization's requirement (members and partners) in the console and the API, and the
staff reset."""

import threading
import time

import pytest
import time_machine
from django.contrib.admin.sites import site as admin_site
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from compliance.activity import describe
from console.models import MailboxMessage
from core import sudo
from core.models import AuditEvent
from organizations import two_factor
from organizations.models import Passkey, RecoveryCode, Role
from tests.factories import OrganizationFactory, PartnershipFactory, member
from tokens.models import ApiToken
from tokens.services import token_create

STEP = 30


@pytest.fixture
def now() -> int:
    """The start of the current time step: tests travel to it and to the next ones to know their codes."""
    return int(time.time()) // STEP * STEP


def code_at(device: TOTPDevice, when: float) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = when
    return f"{totp.token():06d}"


def with_totp(user, when=None) -> TOTPDevice:
    """The user with an authenticator app confirmed in the current time step; returns the device."""
    when = when or int(time.time()) // STEP * STEP
    device = two_factor.totp_pending_device(user)
    with time_machine.travel(when, tick=False):
        two_factor.totp_confirm(user=user, code=code_at(device, when), password_confirmed=True)
    device.refresh_from_db()
    return device


def emails_to(user):
    return [message for message in MailboxMessage.objects.all() if user.email in message.to]


def sign_in(client, user, password, ip="198.51.100.1"):
    return client.post(reverse("login"), {"username": user.email, "password": password}, REMOTE_ADDR=ip)


def second_step(client, code, ip="198.51.100.1"):
    return client.post(reverse("login_two_factor"), {"code": code}, REMOTE_ADDR=ip)


def signed_in(client, organization) -> bool:
    return client.get(reverse("dashboard", kwargs={"org_id": organization.pk})).status_code == 200


# Setting up an authenticator app


def test_an_authenticator_app_is_on_only_after_a_right_first_code(
    now, legal_representative, django_capture_on_commit_callbacks
):
    device = two_factor.totp_pending_device(legal_representative)
    assert two_factor.totp_pending_device(legal_representative) == device, "a reload keeps the same secret"
    with time_machine.travel(now, tick=False):
        with pytest.raises(ValidationError) as refused:
            two_factor.totp_confirm(user=legal_representative, code="000000", password_confirmed=True)
        assert "code" in refused.value.message_dict
        assert not two_factor.has_second_factor(legal_representative)

        with django_capture_on_commit_callbacks(execute=True):
            codes = two_factor.totp_confirm(
                user=legal_representative, code=code_at(device, now), password_confirmed=True
            )

    assert two_factor.has_second_factor(legal_representative)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    stored = set(RecoveryCode.objects.filter(user=legal_representative).values_list("code_hash", flat=True))
    assert not stored & {code.replace("-", "") for code in codes}, "only hashes are stored"
    event = AuditEvent.objects.get(action="user.two_factor_added")
    assert event.changes == {"factor": "totp"}
    assert [m.subject for m in emails_to(legal_representative)] == [
        "A second factor was added to your Manager account"
    ]


def test_setting_up_needs_the_password(now, legal_representative):
    device = two_factor.totp_pending_device(legal_representative)
    with time_machine.travel(now, tick=False), pytest.raises(ValidationError) as refused:
        two_factor.totp_confirm(user=legal_representative, code=code_at(device, now), password="wrong")
    assert "password" in refused.value.message_dict
    assert not two_factor.has_second_factor(legal_representative)
    assert not AuditEvent.objects.filter(action="user.two_factor_added").exists()


def test_the_setup_page_shows_a_qr_code_and_the_secret_inside_the_password_window(
    now, client, legal_representative, password
):
    client.force_login(legal_representative)
    page = client.get(reverse("two_factor_totp_setup"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("confirm_password"))

    client.post(page["Location"], {sudo.PASSWORD_FIELD: password})
    page = client.get(reverse("two_factor_totp_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=legal_representative, confirmed=False)
    assert 'src="data:image/svg+xml' in page.text, "the QR code comes inline, nothing from elsewhere"
    assert two_factor.totp_secret(device) in page.text

    with time_machine.travel(now + STEP, tick=False):
        done = client.post(reverse("two_factor_totp_setup"), {"code": code_at(device, now + STEP)})
    assert done["Location"] == reverse("two_factor_recovery_codes")
    shown = client.get(done["Location"])
    assert shown.text.count('<li class="col mb-1">') == 10
    assert client.get(reverse("two_factor_recovery_codes")).status_code == 302, "the codes are shown once"


# Signing in


def test_a_user_with_an_app_is_asked_for_a_code_after_the_password(
    now, client, legal_representative, password, organization
):
    device = with_totp(legal_representative, now)
    response = sign_in(client, legal_representative, password)
    assert response["Location"] == reverse("login_two_factor")
    assert not signed_in(client, organization), "the password alone does not sign in"

    later = now + STEP
    with time_machine.travel(later, tick=False):
        wrong = second_step(client, "123456" if code_at(device, later) != "123456" else "654321")
        assert wrong.status_code == 200
        assert "The code is not correct" in wrong.text
        assert not signed_in(client, organization)

        right = second_step(client, code_at(device, later))
    assert right.status_code == 302
    assert signed_in(client, organization)


def test_a_user_without_a_factor_signs_in_with_the_password_alone(
    client, legal_representative, password, organization
):
    response = sign_in(client, legal_representative, password)
    assert response.status_code == 302
    assert response["Location"] != reverse("login_two_factor")
    assert signed_in(client, organization)


def test_a_code_works_once_within_its_time_step(now, legal_representative):
    device = with_totp(legal_representative, now)
    later = now + STEP
    with time_machine.travel(later, tick=False):
        code = code_at(device, later)
        assert two_factor.second_factor_verify(user=legal_representative, code=code) == two_factor.TOTP
        with pytest.raises(ValidationError):
            two_factor.second_factor_verify(user=legal_representative, code=code)


def test_the_code_used_to_set_up_does_not_sign_in(now, legal_representative):
    device = with_totp(legal_representative, now)
    with time_machine.travel(now + 5, tick=False), pytest.raises(ValidationError):
        two_factor.second_factor_verify(user=legal_representative, code=code_at(device, now))


def test_the_second_step_is_limited_like_the_password(
    now, client, settings, legal_representative, password, organization
):
    settings.SIGN_IN_RATE_ACCOUNT_IP = "3/15m"
    device = with_totp(legal_representative, now)
    sign_in(client, legal_representative, password)
    later = now + STEP
    with time_machine.travel(later, tick=False):
        for guess in ("111111", "222222", "333333"):
            assert second_step(client, guess).status_code == 200
        refused = second_step(client, code_at(device, later))
    assert refused.status_code == 429
    assert not signed_in(client, organization)


def test_the_second_step_expires(client, settings, legal_representative, password, organization):
    device = with_totp(legal_representative)
    sign_in(client, legal_representative, password)
    later = time.time() + settings.TWO_FACTOR_SIGN_IN_TIMEOUT + 1
    with time_machine.travel(later, tick=False):
        response = second_step(client, code_at(device, later))
    assert response["Location"] == reverse("login")
    assert not signed_in(client, organization)


def test_the_second_step_without_a_password_first_goes_back_to_sign_in(client, legal_representative):
    with_totp(legal_representative)
    assert client.get(reverse("login_two_factor"))["Location"] == reverse("login")


# Recovery codes


def test_a_recovery_code_signs_in_once(now, client, legal_representative, password, organization):
    with time_machine.travel(now, tick=False):
        device = two_factor.totp_pending_device(legal_representative)
        codes = two_factor.totp_confirm(
            user=legal_representative, code=code_at(device, now), password_confirmed=True
        )
    sign_in(client, legal_representative, password)
    assert second_step(client, codes[0].upper().replace("-", " ")).status_code == 302
    assert signed_in(client, organization)
    assert two_factor.two_factor_status(legal_representative).recovery_codes_remaining == 9
    assert AuditEvent.objects.filter(action="user.recovery_code_used", changes={"remaining": 9}).exists()

    other = Client()
    sign_in(other, legal_representative, password)
    reused = second_step(other, codes[0])
    assert reused.status_code == 200
    assert "already used" in reused.text
    assert not signed_in(other, organization)


def test_new_recovery_codes_replace_the_old_ones_and_need_the_password(now, legal_representative, password):
    with time_machine.travel(now, tick=False):
        device = two_factor.totp_pending_device(legal_representative)
        old = two_factor.totp_confirm(
            user=legal_representative, code=code_at(device, now), password_confirmed=True
        )
    with pytest.raises(ValidationError):
        two_factor.recovery_codes_regenerate(user=legal_representative, password="wrong")
    new = two_factor.recovery_codes_regenerate(user=legal_representative, password=password)
    assert len(new) == 10
    assert not set(old) & set(new)
    with pytest.raises(ValidationError):
        two_factor.second_factor_verify(user=legal_representative, code=old[0])
    assert two_factor.second_factor_verify(user=legal_representative, code=new[0]) == two_factor.RECOVERY_CODE


def test_recovery_codes_need_a_factor(legal_representative, password):
    with pytest.raises(ValidationError):
        two_factor.recovery_codes_regenerate(user=legal_representative, password=password)
    assert not RecoveryCode.objects.exists()


# Removing factors


def test_removing_the_app_needs_the_password(
    legal_representative, password, django_capture_on_commit_callbacks
):
    with_totp(legal_representative)
    with pytest.raises(ValidationError):
        two_factor.totp_remove(user=legal_representative, password="wrong")
    assert two_factor.has_second_factor(legal_representative)

    with django_capture_on_commit_callbacks(execute=True):
        two_factor.totp_remove(user=legal_representative, password=password)
    assert not two_factor.has_second_factor(legal_representative)
    assert not RecoveryCode.objects.filter(user=legal_representative).exists(), (
        "no factor left to stand in for"
    )
    assert AuditEvent.objects.filter(action="user.two_factor_removed", changes={"factor": "totp"}).exists()
    assert "A second factor was removed from your Manager account" in [
        m.subject for m in emails_to(legal_representative)
    ]


def test_removing_through_the_console_asks_for_the_password_first(client, legal_representative, password):
    with_totp(legal_representative)
    client.force_login(legal_representative)
    asked = client.post(reverse("two_factor_totp_remove"))
    assert asked.status_code == 200
    assert "Confirm your password" in asked.text
    assert two_factor.has_second_factor(legal_representative)

    done = client.post(reverse("two_factor_totp_remove"), {sudo.PASSWORD_FIELD: password})
    assert done["Location"] == reverse("account_security")
    assert not two_factor.has_second_factor(legal_representative)


def test_a_passkey_is_removed_with_the_password_and_only_by_its_owner(
    legal_representative, outsider, password
):
    passkey = Passkey.objects.create(
        user=legal_representative, name="Blue key", credential_id="AAAA", public_key=b"key"
    )
    with pytest.raises(ValidationError):
        two_factor.passkey_remove(user=outsider, passkey_id=passkey.pk, password=password)
    with pytest.raises(ValidationError):
        two_factor.passkey_remove(user=legal_representative, passkey_id=passkey.pk, password="wrong")
    assert Passkey.objects.filter(pk=passkey.pk).exists()
    two_factor.passkey_remove(user=legal_representative, passkey_id=passkey.pk, password=password)
    assert not Passkey.objects.filter(pk=passkey.pk).exists()
    event = AuditEvent.objects.get(action="user.two_factor_removed")
    assert event.changes == {"factor": "passkey", "name": "Blue key"}


def test_a_passkey_answer_that_does_not_verify_is_refused(legal_representative):
    Passkey.objects.create(
        user=legal_representative, name="Blue key", credential_id="AAAA", public_key=b"key"
    )
    for answer in ("not json", '{"id": "AAAA"}', '{"id": "BBBB"}'):
        with pytest.raises(ValidationError):
            two_factor.second_factor_verify(
                user=legal_representative,
                passkey_credential=answer,
                challenge=b"challenge",
                rp_id="localhost",
                origin="http://localhost",
            )


def test_a_passkey_registration_that_does_not_verify_saves_nothing(legal_representative):
    with pytest.raises(ValidationError) as refused:
        two_factor.passkey_add(
            user=legal_representative,
            name="Laptop",
            credential='{"id": "x"}',
            challenge=b"challenge",
            rp_id="localhost",
            origin="http://localhost",
            password_confirmed=True,
        )
    assert "credential" in refused.value.message_dict
    assert not Passkey.objects.exists()


# The password window


def test_the_password_window_accepts_a_code_in_place_of_the_password(now, client, legal_representative):
    device = with_totp(legal_representative, now)
    client.force_login(legal_representative)
    page = client.get(reverse("confirm_password"))
    assert sudo.CODE_FIELD in page.text

    later = now + STEP
    with time_machine.travel(later, tick=False):
        wrong = client.post(reverse("confirm_password"), {sudo.CODE_FIELD: "000000"})
        assert "The code is not correct" in wrong.text
        assert sudo.SESSION_KEY not in client.session
        client.post(reverse("confirm_password"), {sudo.CODE_FIELD: code_at(device, later)})
        assert sudo.SESSION_KEY in client.session


def test_the_password_window_offers_no_code_to_a_user_without_a_factor(client, legal_representative):
    client.force_login(legal_representative)
    assert sudo.CODE_FIELD not in client.get(reverse("confirm_password")).text
    client.post(reverse("confirm_password"), {sudo.CODE_FIELD: "123456"})
    assert sudo.SESSION_KEY not in client.session


# The organization's requirement


def test_only_legal_representatives_and_administrators_with_a_factor_set_the_requirement(
    organization, legal_representative, administrator, plain_user, acting
):
    with pytest.raises(ValidationError) as refused:
        two_factor.organization_two_factor_requirement_set(
            access=acting(legal_representative, organization), required=True
        )
    assert "two_factor_required" in refused.value.message_dict
    with_totp(plain_user)
    with pytest.raises(PermissionDenied):
        two_factor.organization_two_factor_requirement_set(
            access=acting(plain_user, organization), required=True
        )
    organization.refresh_from_db()
    assert not organization.two_factor_required

    with_totp(administrator)
    two_factor.organization_two_factor_requirement_set(
        access=acting(administrator, organization), required=True
    )
    organization.refresh_from_db()
    assert organization.two_factor_required
    event = AuditEvent.objects.get(action="organization.two_factor_requirement_changed")
    assert event.organization == organization
    assert event.changes == {"two_factor_required": [False, True]}
    assert describe(event).sentence == (
        f"{administrator.get_full_name()} required every member to use two-factor sign-in."
    )


def test_a_partner_acting_for_the_client_cannot_set_the_requirement(organization, partner_org, partner_legal):
    PartnershipFactory(client=organization, partner=partner_org, access="full")
    with_totp(partner_legal)
    with pytest.raises(PermissionDenied):
        two_factor.organization_two_factor_requirement_set(
            access=two_factor.Access(
                user=partner_legal, organization=organization, role=None, partnership=object()
            ),
            required=True,
        )


@pytest.fixture
def requiring(organization):
    organization.two_factor_required = True
    organization.save(update_fields=["two_factor_required"])
    return organization


def test_a_member_without_a_factor_is_sent_to_set_one_up(client, requiring, plain_user, administrator):
    client.force_login(plain_user)
    for name in ("dashboard", "products", "organization_settings"):
        response = client.get(reverse(name, kwargs={"org_id": requiring.pk}))
        assert response["Location"] == reverse("account_security"), name
    security = client.get(reverse("account_security"))
    assert "requires two-factor sign-in" in security.text

    with_totp(administrator)
    client.force_login(administrator)
    assert client.get(reverse("dashboard", kwargs={"org_id": requiring.pk})).status_code == 200


def test_the_requirement_stops_at_the_organization(client, requiring, plain_user):
    """Another organization of the same member, which does not require it, stays open."""
    elsewhere = OrganizationFactory(name="Elsewhere GmbH", country="DE")
    elsewhere.memberships.create(user=plain_user, role=Role.LEGAL_REPRESENTATIVE)
    client.force_login(plain_user)
    assert client.get(reverse("dashboard", kwargs={"org_id": elsewhere.pk})).status_code == 200


def test_a_partners_people_acting_for_the_client_need_a_factor_too(
    client, requiring, partner_org, partner_legal
):
    PartnershipFactory(client=requiring, partner=partner_org, access="full")
    client.force_login(partner_legal)
    assert client.get(reverse("dashboard", kwargs={"org_id": requiring.pk}))["Location"] == reverse(
        "account_security"
    )
    assert client.get(reverse("dashboard", kwargs={"org_id": partner_org.pk})).status_code == 200
    with_totp(partner_legal)
    assert client.get(reverse("dashboard", kwargs={"org_id": requiring.pk})).status_code == 200


def test_the_setting_on_the_organization_page(client, organization, legal_representative, plain_user):
    with_totp(legal_representative)
    client.force_login(legal_representative)
    page = client.get(reverse("organization_settings", kwargs={"org_id": organization.pk}))
    assert "Members must use two-factor sign-in" in page.text
    client.post(
        reverse("organization_two_factor", kwargs={"org_id": organization.pk}), {"two_factor_required": "on"}
    )
    organization.refresh_from_db()
    assert organization.two_factor_required

    with_totp(plain_user)
    client.force_login(plain_user)
    refused = client.post(reverse("organization_two_factor", kwargs={"org_id": organization.pk}), {})
    assert refused.status_code == 403
    organization.refresh_from_db()
    assert organization.two_factor_required


# The API


def bearer(user, password):
    _token, secret = token_create(
        user=user,
        name="script",
        application="manager",
        scopes=["organizations:read", "organizations:write", "members:read", "products:read"],
        password=password,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_the_api_refuses_a_user_without_a_factor_in_an_organization_that_requires_one(
    requiring, plain_user, password
):
    client = bearer(plain_user, password)
    for path in ("", "/members", "/products"):
        response = client.get(f"/api/v1/organizations/{requiring.pk}{path}")
        assert response.status_code == 403, path
        assert "requires two-factor sign-in" in response.json()["detail"]
    assert client.get("/api/v1/me").status_code == 200, "the user's own endpoints stay open"

    with_totp(plain_user)
    assert client.get(f"/api/v1/organizations/{requiring.pk}").status_code == 200


def test_the_api_refuses_a_partner_acting_for_such_a_client(requiring, partner_org, partner_legal, password):
    PartnershipFactory(client=requiring, partner=partner_org, access="full")
    client = bearer(partner_legal, password)
    response = client.get(f"/api/v1/organizations/{requiring.pk}/products")
    assert response.status_code == 403
    assert "requires two-factor sign-in" in response.json()["detail"]
    assert client.get(f"/api/v1/organizations/{partner_org.pk}/products").status_code == 200


def test_the_api_sets_the_requirement(organization, legal_representative, password):
    client = bearer(legal_representative, password)
    refused = client.patch(
        f"/api/v1/organizations/{organization.pk}", {"two_factor_required": True}, format="json"
    )
    assert refused.status_code == 400
    assert "two_factor_required" in refused.json()
    with_totp(legal_representative)
    done = client.patch(
        f"/api/v1/organizations/{organization.pk}", {"two_factor_required": True}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["two_factor_required"] is True


def test_the_api_tells_the_two_factor_status(legal_representative, password):
    client = bearer(legal_representative, password)
    assert client.get("/api/v1/me/two-factor").json() == {
        "enabled": False,
        "factor_types": [],
        "authenticator_app": False,
        "passkeys": [],
        "recovery_codes_remaining": 0,
    }
    with_totp(legal_representative)
    Passkey.objects.create(user=legal_representative, name="Blue key", credential_id="AAAA", public_key=b"k")
    status = client.get("/api/v1/me/two-factor").json()
    assert status["enabled"] is True
    assert status["factor_types"] == ["totp", "passkey"]
    assert [p["name"] for p in status["passkeys"]] == ["Blue key"]
    assert status["recovery_codes_remaining"] == 10


def test_the_api_signs_out_everywhere(client, legal_representative, password, organization):
    client.force_login(legal_representative)
    assert signed_in(client, organization)
    api = bearer(legal_representative, password)
    assert api.post("/api/v1/me/sign-out-everywhere").status_code == 204
    assert not signed_in(client, organization)
    assert api.get("/api/v1/me").status_code == 200, "tokens keep working"


def test_the_api_marks_the_password_compromised(legal_representative, password):
    api = bearer(legal_representative, password)
    wrong = api.post(
        "/api/v1/me/password-compromised",
        {"old_password": "wrong", "new_password": "a-fresh-and-long-passphrase-2026"},
        format="json",
    )
    assert wrong.status_code == 400
    assert "old_password" in wrong.json()
    weak = api.post(
        "/api/v1/me/password-compromised", {"old_password": password, "new_password": "123"}, format="json"
    )
    assert weak.status_code == 400
    assert "new_password" in weak.json()

    done = api.post(
        "/api/v1/me/password-compromised",
        {"old_password": password, "new_password": "a-fresh-and-long-passphrase-2026"},
        format="json",
    )
    assert done.status_code == 204
    legal_representative.refresh_from_db()
    assert legal_representative.check_password("a-fresh-and-long-passphrase-2026")
    assert not ApiToken.objects.filter(user=legal_representative, status="active").exists()
    assert api.get("/api/v1/me").status_code == 401


# Staff


def test_staff_see_who_has_two_factor_and_reset_it(
    client, legal_representative, django_capture_on_commit_callbacks
):
    staff = member(
        OrganizationFactory(name="Platform"), Role.LEGAL_REPRESENTATIVE, is_staff=True, is_superuser=True
    )
    with_totp(legal_representative)
    client.force_login(staff)
    listing = client.get(reverse("admin:organizations_user_changelist"))
    assert listing.status_code == 200
    assert "two-factor sign-in" in listing.text.lower()
    Passkey.objects.create(user=legal_representative, name="Blue key", credential_id="AAAA", public_key=b"k")
    change = client.get(reverse("admin:organizations_user_change", args=[legal_representative.pk]))
    assert "Blue key" in change.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:organizations_user_changelist"),
            {"action": "reset_two_factor", "_selected_action": [legal_representative.pk]},
        )
    assert response.status_code == 302
    assert not two_factor.has_second_factor(legal_representative)
    assert not Passkey.objects.filter(user=legal_representative).exists()
    assert not RecoveryCode.objects.filter(user=legal_representative).exists()
    event = AuditEvent.objects.get(action="user.two_factor_reset")
    assert event.actor == staff
    assert event.target_id == str(legal_representative.pk)
    assert "Two-factor sign-in was reset on your Manager account" in [
        m.subject for m in emails_to(legal_representative)
    ]
    assert TOTPDevice not in admin_site._registry, "staff never see TOTP secrets"


def test_only_staff_reset_two_factor(legal_representative, plain_user):
    with_totp(legal_representative)
    with pytest.raises(PermissionDenied):
        two_factor.two_factor_reset(user=legal_representative, by=plain_user)
    assert two_factor.has_second_factor(legal_representative)


# Under concurrency


def _concurrently(calls):
    """Run the calls in threads released at once; each thread closes its own database connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _accepted(user, code) -> bool:
    try:
        two_factor.second_factor_verify(user=user, code=code)
    except ValidationError:
        return False
    return True


@pytest.mark.django_db(transaction=True)
def test_one_code_sent_twice_at_once_is_accepted_once(shared_database, legal_representative):
    """The same TOTP code, or the same recovery code, in two requests at the same moment: one wins."""
    with time_machine.travel(int(time.time()) // STEP * STEP, tick=False) as traveller:
        device = two_factor.totp_pending_device(legal_representative)
        now = int(time.time())
        recovery = two_factor.totp_confirm(
            user=legal_representative, code=code_at(device, now), password_confirmed=True
        )
        traveller.move_to(now + STEP)
        code = code_at(device, now + STEP)
        totp_results = _concurrently([lambda: _accepted(legal_representative, code)] * 2)
        recovery_results = _concurrently([lambda: _accepted(legal_representative, recovery[0])] * 2)
    assert sorted(totp_results) == [False, True]
    assert sorted(recovery_results) == [False, True]
