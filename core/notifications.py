"""Emails, rendered from templates and sent by a background task that the change causing them enqueues.

With the database queue (production and `make run`), the task is written in the same transaction as the
change: a rollback sends nothing, and a commit always sends, even if the process stops right after it. An SMTP
error queues the email again after 1, 4, 16, … minutes, `EMAIL_MAX_ATTEMPTS` times in all.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string

from core.background import enqueue_after, enqueue_with_transaction

logger = logging.getLogger(__name__)

# Refused, unreachable or timed out: the server may take the email later. Anything else is a bug to see.
SMTP_ERRORS = (smtplib.SMTPException, OSError)


@task()
def send_email(*, to: list[str], template: str, context: dict, attempt: int = 1) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"emails/{template}.txt", context)
    try:
        EmailMessage(subject=subject, body=body, to=to).send()
    except SMTP_ERRORS:
        if attempt >= settings.EMAIL_MAX_ATTEMPTS:
            raise  # the task fails, visible in the admin's task results
        delay = timedelta(minutes=4 ** (attempt - 1))
        logger.warning("Email %s not sent (attempt %s); trying again in %s", template, attempt, delay)
        enqueue_after(send_email, delay, to=to, template=template, context=context, attempt=attempt + 1)


def email_on_commit(*, to: list[str], template: str, context: dict) -> None:
    """Queue an email that is sent only if the current transaction commits."""
    enqueue_with_transaction(send_email, to=to, template=template, context=context)
