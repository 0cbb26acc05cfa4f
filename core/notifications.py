"""Emails, written in each recipient's language and sent by a background task that the change causing them
enqueues.

An email is rendered when it is queued, once per language its recipients read (under `translation.override`),
so that the labels a service puts in the context (lazy translations such as a role's or an access level's)
come out in the reader's language; the task only sends the text. The templates also pass such labels through
`{% translate %}`, so that a label given as English text is translated as well.

With the database queue (production and `make run`), the task is written in the same transaction as the
change: a rollback sends nothing, and a commit always sends, even if the process stops right after it. An SMTP
error queues the email again after 1, 4, 16, … minutes, `EMAIL_MAX_ATTEMPTS` times in all.
"""

import logging
import smtplib
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation

from core.background import enqueue_after, enqueue_with_transaction

logger = logging.getLogger(__name__)

# Refused, unreachable or timed out: the server may take the email later. Anything else is a bug to see.
SMTP_ERRORS = (smtplib.SMTPException, OSError)


@task()
def send_email(*, to: list[str], subject: str, body: str, attempt: int = 1) -> None:
    try:
        EmailMessage(subject=subject, body=body, to=to).send()
    except SMTP_ERRORS:
        if attempt >= settings.EMAIL_MAX_ATTEMPTS:
            raise  # the task fails, visible in the admin's task results
        delay = timedelta(minutes=4 ** (attempt - 1))
        logger.warning("Email %r not sent (attempt %s); trying again in %s", subject, attempt, delay)
        enqueue_after(send_email, delay, to=to, subject=subject, body=body, attempt=attempt + 1)


def recipients_by_language(
    addresses: list[str], fallback_language: str | Mapping[str, str] = ""
) -> dict[str, list[str]]:
    """The addresses grouped by the language each one reads: the account's (the user model's `language`),
    else the fallback (the language of the organization the email is about: one for every address, or one
    per address), else the console's default."""
    supported = dict(settings.LANGUAGES)
    chosen = dict(
        get_user_model()
        .objects.filter(email__in=[address.lower() for address in addresses])
        .exclude(language="")
        .values_list("email", "language")
    )
    groups: dict[str, list[str]] = {}
    for address in addresses:
        language = chosen.get(address.lower(), "")
        if language not in supported:
            language = (
                fallback_language.get(address.lower(), "")
                if isinstance(fallback_language, Mapping)
                else fallback_language
            )
        groups.setdefault(language if language in supported else settings.LANGUAGE_CODE, []).append(address)
    return groups


def render_email(*, template: str, context: dict, language: str) -> tuple[str, str]:
    """The subject and body of `emails/<template>` in `language`."""
    with translation.override(language):
        context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        body = render_to_string(f"emails/{template}.txt", context)
    return subject, body


def email_on_commit(
    *, to: list[str], template: str, context: dict, fallback_language: str | Mapping[str, str] = ""
) -> None:
    """Queue an email that is sent only if the current transaction commits; recipients who read the same
    language get one email together. `fallback_language` is for addresses whose account has no language
    (or that have no account)."""
    for language, addresses in recipients_by_language(to, fallback_language).items():
        subject, body = render_email(template=template, context=context, language=language)
        enqueue_with_transaction(send_email, to=addresses, subject=subject, body=body)
