from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from tokens import scopes
from tokens.secrets import PREFIX


class TokenStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    REVOKED = "revoked", "Revoked"
    DISABLED = "disabled", "Disabled"


class ApiToken(models.Model):
    """A token a user created for scripts: only its SHA-256 is kept, and its last characters."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    application = models.CharField(max_length=50, default=scopes.MANAGER_API)
    scopes = models.JSONField(default=list, help_text="`family:read` / `family:write` entries.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_characters = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: unlimited.")
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
    def display_status(self) -> str:
        if self.status == TokenStatus.ACTIVE and self.is_expired():
            return "Expired"
        return self.get_status_display()

    def allows(self, family: str, level: str) -> bool:
        return f"{family}:{level}" in self.scopes
