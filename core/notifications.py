"""Emails, rendered from templates and sent by a background task once the transaction has committed."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string


@task()
def send_email(*, to: list[str], template: str, context: dict) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"emails/{template}.txt", context)
    EmailMessage(subject=subject, body=body, to=to).send()


def email_on_commit(*, to: list[str], template: str, context: dict) -> None:
    """Queue an email that is sent only if the current transaction commits."""
    transaction.on_commit(lambda: send_email.enqueue(to=to, template=template, context=context))
