from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tokens import scopes
from tokens.secrets import PREFIX


class TokenStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Active")
    REVOKED = "revoked", gettext_lazy("Revoked")
    DISABLED = "disabled", gettext_lazy("Disabled")


# The API names a status in English whatever the request's language: scripts compare these values.
STATUS_NAMES = {"active": "Active", "revoked": "Revoked", "disabled": "Disabled", "expired": "Expired"}
# Reasons the services write; the stored reason stays in English, the pages show it in the reader's language.
STATUS_REASONS = {
    "Revoked by its owner.": gettext_lazy("Revoked by its owner."),
    "Revoked with all the account's tokens.": gettext_lazy("Revoked with all the account's tokens."),
    "Revoked because the account's password was compromised.": gettext_lazy(
        "Revoked because the account's password was compromised."
    ),
    "Not used for one year.": gettext_lazy("Not used for one year."),
    "Disabled by the staff.": gettext_lazy("Disabled by the staff."),
}


class ApiToken(models.Model):
    """A token a user created for scripts: only its SHA-256 is kept, and its last characters."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    application = models.CharField(max_length=50, default=scopes.MANAGER_API)
    scopes = models.JSONField(default=list, help_text=gettext_lazy("`family:read` / `family:write` entries."))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_characters = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text=gettext_lazy("Empty: unlimited."))
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=TokenStatus.choices, default=TokenStatus.ACTIVE)
    status_reason = models.CharField(max_length=200, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self):
        return f"{self.name} ({self.masked})"

    @property
    def masked(self) -> str:
        return f"{PREFIX}…{self.last_characters}"

    @property
    def application_label(self) -> str:
        if self.application == scopes.MANAGER_API:
            return scopes.MANAGER_API_LABEL
        # Lists read the name with the tokens (`selectors.tokens_of`); otherwise it is looked up.
        return getattr(self, "application_name", None) or scopes.application_label(self.application)

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def idle_since(self):
        return self.last_used_at or self.created_at

    def is_idle(self, now=None) -> bool:
        limit = timedelta(days=settings.API_TOKEN_IDLE_DAYS)
        return self.idle_since() <= (now or timezone.now()) - limit

    @property
    def current_status(self) -> str:
        """The status, with an active token past its validity counted as `expired`."""
        if self.status == TokenStatus.ACTIVE and self.is_expired():
            return "expired"
        return self.status

    @property
    def display_status(self) -> str:
        if self.current_status == "expired":
            return _("Expired")
        return self.get_status_display()

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.current_status, self.current_status)

    @property
    def status_reason_display(self) -> str:
        return str(STATUS_REASONS.get(self.status_reason, self.status_reason))

    def allows(self, family: str, level: str) -> bool:
        return f"{family}:{level}" in self.scopes
