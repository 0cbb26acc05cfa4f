from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.models import AppendOnlyModel


class DpaCertificate(AppendOnlyModel):
    """A data processing certificate issued to an organization; its legal data are copied at issue."""

    append_only_refusal = "Issued certificates are append-only."

    number = models.CharField(max_length=32, unique=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        on_delete=models.SET_NULL,
        related_name="dpa_certificates",
    )
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization_name = models.CharField(max_length=200)
    entity_type = models.CharField(max_length=64)
    address = models.JSONField(default=list, blank=True, help_text=gettext_lazy("The address lines printed."))
    vat_number = models.CharField(gettext_lazy("VAT number"), max_length=64, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = gettext_lazy("DPA certificate")

    def __str__(self):
        return f"{self.number} — {self.organization_name}"


class CookieConsent(AppendOnlyModel):
    """One cookie choice of a signed-in user; the newest is in force, the older ones are the history."""

    append_only_refusal = "Cookie choices are kept as given."

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cookie_consents"
    )
    analytics = models.BooleanField(default=False)
    marketing = models.BooleanField(default=False)
    version = models.PositiveSmallIntegerField()
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["user", "-given_at"])]

    def __str__(self):
        chosen = [
            name for name, value in (("analytics", self.analytics), ("marketing", self.marketing)) if value
        ]
        return f"{self.user} — necessary{''.join(', ' + name for name in chosen)} ({self.given_at:%Y-%m-%d})"
