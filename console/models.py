from django.db import models
from django.utils import timezone


class MailboxMessage(models.Model):
    """An email the console sent while no SMTP server is configured, readable on the mailbox page."""

    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    from_email = models.CharField(max_length=254)
    # ",a@example.com,b@example.com," so one address is found with a plain substring match on any database.
    recipients = models.TextField()
    subject = models.CharField(max_length=998)
    body = models.TextField()

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def to(self) -> list[str]:
        return [address for address in self.recipients.split(",") if address]

    @classmethod
    def recipients_value(cls, addresses) -> str:
        return "," + ",".join(address.strip().lower() for address in addresses) + ","
