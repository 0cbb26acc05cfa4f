"""The console's pages: who may open which page, what they show, and what the forms change."""

import pytest
from django.urls import reverse

from console.models import MailboxMessage
from core.models import AuditEvent
from organizations.models import BillingAddress, Membership, Organization, Role, User
from tests.factories import BillingAddressFactory, MembershipFactory, ProductFactory, UserFactory

ORG_PAGES = [
    "dashboard",
    "products",
    "organization_settings",
    "organization_edit",
    "members",
    "member_add",
    "billing_addresses",
    "billing_address_add",
    "activity_log",
]

# Which role may open which page (the rest get 403 with a reason); outsiders get 404 everywhere.
ALLOWED = {
    Role.LEGAL_REPRESENTATIVE: set(ORG_PAGES),
    Role.ADMINISTRATOR: set(ORG_PAGES),
    Role.USER: {"dashboard", "products", "organization_settings", "members", "billing_addresses"},
    Role.EXTERNAL: {"dashboard", "products"},
}


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("page", ORG_PAGES)
def test_role_page_matrix(client, organization, role, page):
    user = MembershipFactory(organization=organization, role=role).user
    client.force_login(user)
    response = client.get(reverse(page, kwargs={"org_id": organization.pk}))
    if page in ALLOWED[role]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "You cannot do this" in response.text


@pytest.mark.parametrize("page", ORG_PAGES)
def test_an_outsider_gets_404_on_every_page_of_another_organization(client, organization, outsider, page):
    client.force_login(outsider)
    assert client.get(reverse(page, kwargs={"org_id": organization.pk})).status_code == 404


@pytest.mark.parametrize("page", ORG_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, organization, page):
    response = client.get(reverse(page, kwargs={"org_id": organization.pk}))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sign_in_lists_the_demo_accounts_in_demo_mode(client, settings):
    settings.DEMO_MODE = True
    response = client.get(reverse("login"))
    assert "Demo accounts" in response.text
    assert "anna@helvetia.example" in response.text
    settings.DEMO_MODE = False
    assert "Demo accounts" not in client.get(reverse("login")).text


def test_sign_in_with_a_wrong_password_says_so(client, legal_representative):
    response = client.post(reverse("login"), {"username": legal_representative.email, "password": "wrong"})
    assert response.status_code == 200
    assert "The email address or the password is not correct." in response.text


def test_home_opens_the_first_organization(client, legal_representative, organization, password):
    assert client.login(email=legal_representative.email, password=password)
    response = client.get(reverse("home"))
    assert response.url == reverse("dashboard", kwargs={"org_id": organization.pk})


SIGN_UP = {
    "entity_type": "company",
    "organization_name": "Rheinmedia GmbH",
    "country": "DE",
    "vat_number": "DE 136 695 976",
    "full_name": "Erik Weber",
    "email": "erik@rheinmedia.example",
    "password": "a-long-enough-passphrase",
    "accept_terms": "on",
}


@pytest.mark.django_db
def test_sign_up_as_a_company_creates_the_organization_with_its_vat_number(client):
    response = client.post(reverse("signup"), SIGN_UP)
    organization = Organization.objects.get(name="Rheinmedia GmbH")
    assert response.url == reverse("dashboard", kwargs={"org_id": organization.pk})
    assert organization.vat_number == "DE136695976"
    assert organization.currency == "EUR"
    membership = Membership.objects.get(organization=organization)
    assert (membership.user.email, membership.role) == ("erik@rheinmedia.example", Role.LEGAL_REPRESENTATIVE)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"vat_number": "DE136695977"}, "vat_number", "check digit is wrong"),
        ({"vat_number": "FR40303265045"}, "vat_number", "VAT number of France"),
        ({"vat_number": ""}, "vat_number", "Enter your company"),
        ({"vat_number": "１３６６９５９７６"}, "vat_number", "Use only letters"),
        ({"accept_terms": ""}, "accept_terms", "accept the terms"),
        ({"password": "short"}, "password", "too short"),
    ],
)
def test_sign_up_with_bad_input_shows_the_error_on_the_field_and_saves_nothing(
    client, change, field, message
):
    response = client.post(reverse("signup"), {**SIGN_UP, **change})
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not User.objects.exists()
    assert not Organization.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short"}, "password"),
        ({"email": ""}, "email"),
        ({"organization_name": ""}, "organization_name"),
        ({"vat_number": "DE136695977"}, "vat_number"),
    ],
)
def test_sign_up_reports_the_unticked_terms_box_with_every_other_error_at_once(client, change, field):
    response = client.post(reverse("signup"), {**SIGN_UP, **change, "accept_terms": ""})
    errors = response.context["form"].errors
    assert field in errors
    assert "accept the terms" in str(errors["accept_terms"])
    assert not User.objects.exists()


def test_sign_up_reports_a_taken_email_with_a_form_error_elsewhere(client, legal_representative):
    response = client.post(
        reverse("signup"), {**SIGN_UP, "email": legal_representative.email, "full_name": ""}
    )
    errors = response.context["form"].errors
    assert "full_name" in errors
    assert "already exists" in str(errors["email"])
    assert not Organization.objects.filter(name=SIGN_UP["organization_name"]).exists()


def test_the_sign_up_service_reports_every_error_at_once(db):
    from django.core.exceptions import ValidationError

    from organizations.services import user_sign_up

    data = {**SIGN_UP, "password": "short", "organization_name": "", "accept_terms": False}
    with pytest.raises(ValidationError) as raised:
        user_sign_up(**data)
    assert {"password", "organization_name", "accept_terms"} <= set(raised.value.message_dict)
    assert not User.objects.exists()


def test_editing_the_vat_number_needs_the_terms_and_is_recorded(client, legal_representative, organization):
    client.force_login(legal_representative)
    url = reverse("organization_edit", kwargs={"org_id": organization.pk})
    form = {
        "name": organization.name,
        "entity_type": "company",
        "country": "CH",
        "vat_number": "CHE-109.322.551 MWST",
    }

    refused = client.post(url, form)
    assert "Read and accept the terms" in str(refused.context["form"].errors["accept_terms"])
    organization.refresh_from_db()
    assert organization.vat_number == "CHE116281710MWST"

    saved = client.post(url, {**form, "accept_terms": "on"})
    assert saved.url == reverse("organization_settings", kwargs={"org_id": organization.pk})
    organization.refresh_from_db()
    assert organization.vat_number == "CHE109322551MWST"
    page = client.get(saved.url).text
    assert "CHE-109.322.551 MWST" in page
    assert AuditEvent.objects.filter(organization=organization, action="organization.updated").exists()


def test_adding_a_user_without_an_account_sends_a_set_password_email(
    client, legal_representative, organization, django_capture_on_commit_callbacks
):
    client.force_login(legal_representative)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("member_add", kwargs={"org_id": organization.pk}),
            {"email": "new@helvetia.example", "role": "user"},
        )
    assert response.status_code == 302
    assert Membership.objects.get(user__email="new@helvetia.example").role == Role.USER
    mail = MailboxMessage.objects.get(recipients__contains=",new@helvetia.example,")
    assert "/accounts/reset/" in mail.body


def test_the_last_legal_representative_cannot_be_removed_from_the_page(
    client, legal_representative, organization
):
    client.force_login(legal_representative)
    membership = Membership.objects.get(user=legal_representative)
    response = client.post(
        reverse("member_remove", kwargs={"org_id": organization.pk, "membership_id": membership.pk})
    )
    assert response.status_code == 200
    assert "at least one legal representative" in response.text
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_member_of_another_organization_is_a_404_in_member_pages(
    client, legal_representative, organization, outsider
):
    client.force_login(legal_representative)
    foreign = Membership.objects.get(user=outsider)
    for name in ("member_edit", "member_remove"):
        url = reverse(name, kwargs={"org_id": organization.pk, "membership_id": foreign.pk})
        assert client.get(url).status_code == 404
        assert client.post(url, {"role": "user"}).status_code == 404
    assert Membership.objects.get(pk=foreign.pk).role == Role.LEGAL_REPRESENTATIVE


def test_billing_address_with_a_bad_vat_number_is_refused_on_the_field(client, administrator, organization):
    client.force_login(administrator)
    response = client.post(
        reverse("billing_address_add", kwargs={"org_id": organization.pk}),
        {
            "name": "HQ",
            "street": "Bahnhofstrasse 1",
            "postal_code": "8001",
            "city": "Zürich",
            "country": "DE",
            "vat_number": "CHE-116.281.710 MWST",
        },
    )
    assert "VAT number of Switzerland" in str(response.context["form"].errors["vat_number"])
    assert not BillingAddress.objects.exists()


def test_external_user_sees_only_their_products(client, organization, external_user):
    granted = ProductFactory(organization=organization, name="granted.example.ch")
    ProductFactory(organization=organization, name="hidden.example.ch")
    Membership.objects.get(user=external_user).products.add(granted)
    client.force_login(external_user)
    page = client.get(reverse("products", kwargs={"org_id": organization.pk})).text
    assert "granted.example.ch" in page
    assert "hidden.example.ch" not in page
    hidden = organization.products.get(name="hidden.example.ch")
    assert (
        client.get(
            reverse("product_detail", kwargs={"org_id": organization.pk, "product_id": hidden.pk})
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("page", "make_rows"),
    [
        ("products", lambda org, n: ProductFactory.create_batch(n, organization=org)),
        ("members", lambda org, n: MembershipFactory.create_batch(n, organization=org, role=Role.USER)),
        ("billing_addresses", lambda org, n: BillingAddressFactory.create_batch(n, organization=org)),
        (
            "activity_log",
            lambda org, n: [AuditEvent.objects.create(organization=org, action="x") for _ in range(n)],
        ),
        ("dashboard", lambda org, n: ProductFactory.create_batch(n, organization=org)),
    ],
)
def test_list_pages_use_the_same_number_of_queries_for_5_and_50_rows(
    client, organization, legal_representative, django_assert_max_num_queries, page, make_rows
):
    client.force_login(legal_representative)
    url = reverse(page, kwargs={"org_id": organization.pk})
    make_rows(organization, 5)
    client.get(url)  # warm the session and content-type caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make_rows(organization, 45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_theme_is_saved_per_user_and_applied(client, legal_representative, organization):
    client.force_login(legal_representative)
    dashboard = reverse("dashboard", kwargs={"org_id": organization.pk})
    response = client.post(reverse("set_theme"), {"theme": "dark", "next": dashboard})
    assert response.url == dashboard
    legal_representative.refresh_from_db()
    assert legal_representative.theme == "dark"
    assert 'data-bs-theme="dark"' in client.get(dashboard).text
    assert client.post(
        reverse("set_theme"), {"theme": "neon", "next": "https://evil.example/"}
    ).url == reverse("home")
    legal_representative.refresh_from_db()
    assert legal_representative.theme == "dark"


def test_mailbox_shows_only_the_signed_in_users_mail(client, legal_representative, settings):
    settings.DEMO_MODE = False
    MailboxMessage.objects.create(
        from_email="a@x", recipients=",legal@helvetia.example,", subject="Mine", body="m"
    )
    MailboxMessage.objects.create(
        from_email="a@x", recipients=",someone@else.example,", subject="Theirs", body="t"
    )
    client.force_login(legal_representative)
    page = client.get(reverse("mailbox") + "?to=someone@else.example").text
    assert "Mine" in page
    assert "Theirs" not in page


@pytest.mark.django_db
def test_mailbox_is_gone_when_smtp_is_configured(client, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "localhost"},
        }
    }
    client.force_login(UserFactory())
    assert client.get(reverse("mailbox")).status_code == 404


def test_pages_carry_the_security_headers(client, legal_representative, organization):
    client.force_login(legal_representative)
    response = client.get(reverse("dashboard", kwargs={"org_id": organization.pk}))
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "<script>" not in response.text


@pytest.mark.parametrize("org_id", ["9223372036854775808", "99999999999999999999999", "0"])
def test_ids_no_database_can_hold_are_404_not_errors(client, legal_representative, org_id):
    client.force_login(legal_representative)
    assert client.get(f"/o/{org_id}/").status_code == 404
    assert client.get(f"/o/{org_id}/settings/users/1/edit/").status_code == 404


def test_mailbox_links_only_full_web_addresses_and_escapes_the_rest(client, legal_representative):
    body = 'Manage www.client.ch <b>now</b>: http://127.0.0.1:8000/invitations/abc/\nThanks "you"'
    message = MailboxMessage.objects.create(
        from_email="a@x", recipients=",legal@helvetia.example,", subject="Invite", body=body
    )
    client.force_login(legal_representative)
    page = client.get(reverse("mailbox_message", kwargs={"message_id": message.pk})).text
    assert '<a href="http://127.0.0.1:8000/invitations/abc/">' in page
    assert 'href="http://www.client.ch' not in page
    assert "&lt;b&gt;now&lt;/b&gt;" in page
    assert "<br>Thanks &quot;you&quot;" in page


# The 403 page


def test_an_administrator_refused_is_shown_the_console_and_told_to_ask_a_legal_representative(
    client, administrator, organization
):
    client.force_login(administrator)
    response = client.get(reverse("partner_add", kwargs={"org_id": organization.pk}))
    assert response.status_code == 403
    assert 'id="sidebar"' in response.text
    assert "Only a legal representative of" in response.text
    assert "make you a legal representative" in response.text
    assert "Ask a legal representative or an administrator" not in response.text


def test_a_user_refused_is_told_who_can_change_their_role(client, plain_user, organization):
    client.force_login(plain_user)
    response = client.get(reverse("organization_edit", kwargs={"org_id": organization.pk}))
    assert response.status_code == 403
    assert 'id="sidebar"' in response.text
    assert "A legal representative or an administrator of" in response.text
    assert "can change your role" in response.text


def test_a_user_refused_a_legal_representatives_right_is_told_only_they_can(client, plain_user, organization):
    client.force_login(plain_user)
    response = client.get(reverse("partner_add", kwargs={"org_id": organization.pk}))
    assert response.status_code == 403
    assert "Only a legal representative of" in response.text


def test_a_legal_representative_outside_a_partner_organization_is_told_what_the_reseller_area_is(
    client, legal_representative, organization
):
    client.force_login(legal_representative)
    response = client.get(reverse("managed_clients", kwargs={"org_id": organization.pk}))
    assert response.status_code == 403
    assert 'id="sidebar"' in response.text
    assert "is for referenced partners" in response.text
    assert "Ask a legal representative" not in response.text
