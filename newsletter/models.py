from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

NEWSLETTER_CATEGORY = "newsletter"


class MailingList(models.Model):
    """A mailing list of an installed Newsletter product."""

    product = models.ForeignKey(
        "organizations.Product", on_delete=models.CASCADE, related_name="mailing_lists"
    )
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="mailing_list_name_unique")]

    def __str__(self):
        return self.name


class Subscriber(models.Model):
    """An address subscribed to a mailing list."""

    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE, related_name="subscribers")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    subscribed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["email", "pk"]
        constraints = [
            models.UniqueConstraint("mailing_list", Lower("email"), name="subscriber_email_unique"),
        ]

    def __str__(self):
        return self.email
