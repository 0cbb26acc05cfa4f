"""Emails go through the database queue: enqueued in the transaction of the change that causes them (a
rollback sends nothing, a commit always sends), sent once by a worker, tried again with a growing delay when
the SMTP server refuses them, and failed for good, visibly, after `EMAIL_MAX_ATTEMPTS` tries."""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from console.mailbox import MailboxBackend
from console.models import MailboxMessage
from partners import services
from tests.queue import run_queued_tasks

SEND_EMAIL = "core.notifications.send_email"


class FlakySMTPBackend(MailboxBackend):
    """An SMTP server that refuses the first `refusals` messages, then takes them (into the mailbox)."""

    refusals = 0

    def send_messages(self, email_messages):
        if FlakySMTPBackend.refusals:
            FlakySMTPBackend.refusals -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


@pytest.fixture
def flaky_smtp(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakySMTPBackend"}}

    def _refuse(times):
        FlakySMTPBackend.refusals = times

    yield _refuse
    FlakySMTPBackend.refusals = 0


@pytest.fixture
def invite(client_org, client_legal, partner_org, partner_legal, acting):
    """The client invites the partner (Full access): one email to the partner's contact and its users."""
    return lambda: services.partnership_invite(
        access=acting(client_legal, client_org),
        partner=partner_org,
        access_level="full",
        password_confirmed=True,
    )


def invitations():
    """The emails delivered (the invitation is the only email these tests cause)."""
    return list(MailboxMessage.objects.all())


def test_the_email_is_queued_in_the_transaction_that_commits_the_invitation(database_queue, invite):
    # No on-commit callback runs in this test: the task row is written by the service's own transaction.
    invite()

    queued = DBTaskResult.objects.get(task_path=SEND_EMAIL)
    assert queued.status == "READY"
    # Rendered in the recipients' language when queued: the worker only sends the text.
    queued_subject = queued.args_kwargs["kwargs"]["subject"]
    assert MailboxMessage.objects.count() == 0  # not sent by the request: the worker sends it

    assert run_queued_tasks() == 1
    assert len(invitations()) == 1
    assert invitations()[0].to == ["hello@leman.example", "legal@leman.example"]
    assert invitations()[0].subject == queued_subject


def test_a_rolled_back_invitation_sends_nothing(database_queue, invite):
    def invite_then_fail():
        with transaction.atomic():
            invite()
            raise RuntimeError("the request failed after the invitation")

    with pytest.raises(RuntimeError):
        invite_then_fail()

    assert not DBTaskResult.objects.exists()
    assert run_queued_tasks() == 0
    assert MailboxMessage.objects.count() == 0


def test_an_email_is_sent_once_however_often_the_worker_looks(database_queue, invite):
    invite()

    run_queued_tasks()
    run_queued_tasks(worker_id="another-worker")

    assert len(invitations()) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_an_smtp_error_is_tried_again_later_and_the_email_sent_once(database_queue, flaky_smtp, invite):
    flaky_smtp(times=2)
    invite()

    run_queued_tasks()  # refused: tried again in a minute
    assert invitations() == []
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert timedelta(seconds=55) < retry.run_after - timezone.now() <= timedelta(minutes=1)
    assert run_queued_tasks() == 0  # not before its time

    with time_machine.travel(timezone.now() + timedelta(minutes=1, seconds=5)):
        run_queued_tasks()  # refused again: in four minutes
    assert invitations() == []
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert run_queued_tasks() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        run_queued_tasks()

    assert len(invitations()) == 1
    assert DBTaskResult.objects.filter(task_path=SEND_EMAIL).count() == 3
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()


def test_an_email_refused_every_time_fails_visibly_after_the_last_attempt(
    database_queue, flaky_smtp, invite, settings
):
    settings.EMAIL_MAX_ATTEMPTS = 2
    flaky_smtp(times=5)
    invite()

    run_queued_tasks()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        run_queued_tasks()

    assert invitations() == []
    failed = DBTaskResult.objects.get(status="FAILED")
    assert failed.args_kwargs["kwargs"]["attempt"] == 2
    assert failed.exception_class_path == "smtplib.SMTPServerDisconnected"
    assert not DBTaskResult.objects.filter(status="READY").exists()  # no third attempt


def test_an_email_whose_worker_died_is_sent_by_the_next_one(database_queue, invite, settings):
    from console.worker import requeue_lost_tasks
    from tests.queue import claim_and_lose

    invite()
    claim_and_lose()
    assert run_queued_tasks() == 0  # still "running" on the lost worker

    requeue_lost_tasks(now=timezone.now() + timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS + 1))
    run_queued_tasks()

    assert len(invitations()) == 1
