"""An email backend that keeps messages in the database, for the simulated mailbox page."""

from django.core.mail.backends.base import BaseEmailBackend


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from console.models import MailboxMessage

        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            MailboxMessage.objects.create(
                from_email=message.from_email,
                recipients=MailboxMessage.recipients_value(message.recipients()),
                subject=message.subject,
                body=message.body,
            )
            sent += 1
        return sent
