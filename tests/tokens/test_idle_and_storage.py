"""Idle tokens are disabled by the daily command (or task) and their owners emailed; the plaintext of a token
is stored nowhere: not in any table, log, audit event or email."""

import logging
from datetime import timedelta

import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from console.models import MailboxMessage
from core.models import AuditEvent
from tokens import services, tasks
from tokens.models import ApiToken
from tokens.secrets import TAIL_LENGTH

NOW = timezone.make_aware(timezone.datetime(2026, 1, 10, 8, 0))


def test_the_command_disables_tokens_unused_for_a_year_and_emails_their_owners(
    make_token, plain_user, administrator, django_capture_on_commit_callbacks, capsys
):
    with time_machine.travel(NOW, tick=False):
        never_used, _ = make_token(plain_user, name="Never used")
        used_recently, _ = make_token(plain_user, name="Used recently")
        revoked, _ = make_token(administrator, name="Revoked")
        services.token_revoke(token=revoked, by=administrator)
    ApiToken.objects.filter(pk=used_recently.pk).update(last_used_at=NOW + timedelta(days=200))

    with time_machine.travel(NOW + timedelta(days=364), tick=False):
        call_command("disable_idle_tokens")
    assert ApiToken.objects.get(pk=never_used.pk).status == "active"

    with (
        time_machine.travel(NOW + timedelta(days=365, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("disable_idle_tokens")

    assert "1 idle token disabled." in capsys.readouterr().out
    assert ApiToken.objects.get(pk=never_used.pk).status == "disabled"
    assert ApiToken.objects.get(pk=used_recently.pk).status == "active"
    assert ApiToken.objects.get(pk=revoked.pk).status == "revoked"
    mail = MailboxMessage.objects.get()
    assert plain_user.email in mail.recipients
    assert "Never used" in mail.body
    assert never_used.masked in mail.body
    event = AuditEvent.objects.get(action="api_token.disabled")
    assert event.actor is None
    assert event.changes == {"reason": "Not used for one year."}

    # A year after its last use, the other one goes too, here through the scheduled task.
    with time_machine.travel(NOW + timedelta(days=200 + 366), tick=False):
        assert tasks.disable_idle_tokens.enqueue().return_value == 1
    assert ApiToken.objects.get(pk=used_recently.pk).status == "disabled"


def _text_everywhere() -> str:
    """Every row of every table, as text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_the_plaintext_is_in_no_table_no_log_no_audit_event_and_no_email(
    client,
    bearer,
    make_token,
    legal_representative,
    organization,
    password,
    caplog,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    client.force_login(legal_representative)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            f"/o/{organization.pk}/settings/api-tokens/create/",
            {
                "application": "manager",
                "scopes": ["billing:read"],
                "validity": "unlimited",
                "name": "Books",
                "sudo_password": password,
            },
            follow=True,
        )
        plaintext = created.context["plaintext"]
        assert plaintext in created.text
        via_api = bearer(plaintext).post(
            "/api/v1/tokens",
            {"name": "Second", "scopes": ["tokens:read"], "password": password},
            format="json",
        )
        assert via_api.status_code == 403  # the first token has no tokens:write
        token, second = make_token(legal_representative)
        api_created = bearer(second).post(
            "/api/v1/tokens",
            {"name": "Third", "scopes": ["billing:read"], "password": password},
            format="json",
        )
        third = api_created.json()["token"]
        assert bearer(plaintext).get(f"/api/v1/organizations/{organization.pk}/invoices").status_code == 200
        services.token_disable(token=token, reason="Test of the email.")

    stored = _text_everywhere()
    logged = caplog.text
    for secret in (plaintext, second, third):
        assert ApiToken.objects.filter(last_characters=secret[-TAIL_LENGTH:]).exists()
        assert secret not in stored
        assert secret[4:-TAIL_LENGTH] not in stored  # not even without its prefix and visible tail
        assert secret not in logged
    assert MailboxMessage.objects.exists()
    assert AuditEvent.objects.filter(action="api_token.created").count() == 3
