"""The models every app shares: the append-only base, and the audit log every service writes to.

The audit log points at the user and organization models by name only, so core imports no app of ours.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


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
    actor_email = models.CharField(
        max_length=254, blank=True, help_text=gettext_lazy("Kept when the user is deleted.")
    )
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
        help_text=gettext_lazy("The partner organization the actor acted for."),
    )
    counterparty = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events_as_counterparty",
        help_text=gettext_lazy("The other organization of a partnership, which sees the event too."),
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had when the audit log lived in the compliance app.
        db_table = "compliance_auditevent"
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
