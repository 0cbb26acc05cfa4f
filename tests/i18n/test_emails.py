"""Every email is written in its recipient's language: their account's, else (an address without an account,
or an account with no language yet) the language of the organization the email is about, else English."""

import pytest
from django.conf import settings

from console.models import MailboxMessage
from core.notifications import recipients_by_language, render_email
from organizations import services as organization_services
from organizations.access import resolve_access
from partners import services as partner_services
from tests.factories import PartnershipFactory, UserFactory


def speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


def mails() -> list[MailboxMessage]:
    return list(MailboxMessage.objects.order_by("pk"))


@pytest.mark.django_db
def test_recipients_are_grouped_by_the_language_they_read():
    UserFactory(email="anne@example.com", language="fr")
    UserFactory(email="bernd@example.com", language="de")
    UserFactory(email="carla@example.com", language="")

    addresses = ["Anne@example.com", "carla@example.com", "bernd@example.com", "nobody@example.com"]

    assert recipients_by_language(addresses) == {
        "fr": ["Anne@example.com"],
        "en": ["carla@example.com", "nobody@example.com"],
        "de": ["bernd@example.com"],
    }
    assert recipients_by_language(addresses, "it") == {
        "fr": ["Anne@example.com"],
        "it": ["carla@example.com", "nobody@example.com"],
        "de": ["bernd@example.com"],
    }
    # One fallback per address; an unknown language falls back to English.
    assert recipients_by_language(addresses, {"carla@example.com": "de", "nobody@example.com": "es"}) == {
        "fr": ["Anne@example.com"],
        "de": ["carla@example.com", "bernd@example.com"],
        "en": ["nobody@example.com"],
    }


def test_english_emails_read_as_they_always_have():
    context = {
        "client": "Helvetia Web AG",
        "partner": "Léman Digital SA",
        "sent_by": "Anna Meier",
        "access": "Limited",
        "products": ["shop.helvetia.example (Web hosting)", "mail.helvetia.example (Mail Service)"],
        "payment_method": "The client pays",
        "valid_days": 14,
        "link": "/invitations/abc/",
    }

    subject, body = render_email(template="partnership_invitation", context=context, language="en")

    assert subject == "Helvetia Web AG invites Léman Digital SA to manage its products"
    assert body == (
        "Hello,\n\n"
        "Anna Meier of Helvetia Web AG invites Léman Digital SA to manage its products on Manager.\n\n"
        "Access: Limited\n"
        "Products: shop.helvetia.example (Web hosting), mail.helvetia.example (Mail Service)\n"
        "Payment: The client pays\n\n"
        "Accept or refuse the invitation (the link works for 14 days):\n"
        f"{settings.SITE_URL}/invitations/abc/\n\n"
        "— Manager\n\n"
    )


def test_a_person_added_without_an_account_reads_the_organizations_language(
    organization, legal_representative, django_capture_on_commit_callbacks
):
    speaking(legal_representative, "de")

    with django_capture_on_commit_callbacks(execute=True):
        organization_services.membership_add(
            access=resolve_access(legal_representative, organization),
            email="neu@helvetia.example",
            role="user",
        )

    [mail] = mails()
    assert mail.to == ["neu@helvetia.example"]
    assert mail.subject == "Sie wurden zu Helvetia Web AG hinzugefügt"
    assert mail.body.startswith("Guten Tag,\n")
    assert "/accounts/reset/" in mail.body


def test_each_side_of_a_partnership_reads_its_own_language(
    organization, legal_representative, partner_org, partner_legal, django_capture_on_commit_callbacks
):
    speaking(legal_representative, "fr")
    speaking(partner_legal, "de")  # the partner's contact address has no account: it reads German too
    pending = PartnershipFactory(client=organization, partner=partner_org, status="pending", access="full")

    with django_capture_on_commit_callbacks(execute=True):
        partner_services.partnership_accept(
            access=resolve_access(partner_legal, partner_org), partnership=pending
        )

    french, german = mails()
    assert french.to == ["legal@helvetia.example"]
    assert french.subject == "Léman Digital SA gère désormais Helvetia Web AG"
    assert "Accès : " in french.body
    assert german.to == ["hello@leman.example", "legal@leman.example"]
    assert german.subject == "Léman Digital SA verwaltet jetzt Helvetia Web AG"
    assert "Zugriff: " in german.body


def test_recipients_who_read_the_same_language_get_one_email(
    organization, legal_representative, partner_org, partner_legal, django_capture_on_commit_callbacks
):
    speaking(legal_representative, "it")
    speaking(partner_legal, "it")
    pending = PartnershipFactory(client=organization, partner=partner_org, status="pending", access="full")

    with django_capture_on_commit_callbacks(execute=True):
        partner_services.partnership_accept(
            access=resolve_access(partner_legal, partner_org), partnership=pending
        )

    [mail] = mails()
    assert set(mail.to) == {"legal@helvetia.example", "hello@leman.example", "legal@leman.example"}
    assert mail.subject == "Léman Digital SA ora gestisce Helvetia Web AG"
