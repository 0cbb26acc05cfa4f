from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(self.model.append_only_refusal)

    def delete(self):
        raise PermissionError(self.model.append_only_refusal)


class AppendOnlyModel(models.Model):
    """A record that is only ever added: saving it again, updating or deleting it raises PermissionError.

    The audit log, the wallet ledger and invoice lines are kept this way; the admin shows them read-only."""

    append_only_refusal = "This record is append-only."

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(self.append_only_refusal)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(self.append_only_refusal)


class AuditEvent(AppendOnlyModel):
    """One thing that happened, written by the service that did it; never changed or deleted."""

    append_only_refusal = "Audit events are append-only."

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True, help_text="Kept when the user is deleted.")
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    on_behalf_of = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events_as_partner",
        help_text="The partner organization the actor acted for.",
    )
    counterparty = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events_as_counterparty",
        help_text="The other organization of a partnership, which sees the event too.",
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self):
        actor = self.actor_email or "system"
        return f"{self.created_at:%Y-%m-%d %H:%M} {actor} {self.action} {self.target_repr}"

    @property
    def changes_display(self) -> list[tuple[str, str]]:
        """Each change as (field, "old → new") or (field, value), for the activity log."""
        rows = []
        for field, value in self.changes.items():
            if isinstance(value, list) and len(value) == 2:
                rows.append((field, f"{value[0] or '—'} → {value[1] or '—'}"))
            else:
                rows.append((field, str(value)))
        return rows


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
    address = models.JSONField(default=list, blank=True, help_text="The address lines printed.")
    vat_number = models.CharField("VAT number", max_length=64, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = "DPA certificate"

    def __str__(self):
        return f"{self.number} — {self.organization_name}"


class ConsentCategory(models.TextChoices):
    NECESSARY = "necessary", "Necessary"
    ANALYTICS = "analytics", "Analytics"
    MARKETING = "marketing", "Marketing"


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
