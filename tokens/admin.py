"""Django admin for API tokens: listed without any secret (only the hash exists, and it is not shown);
staff can disable a token, through `tokens.services.token_disable` (audited, owner emailed)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from tokens import services
from tokens.models import ApiToken, TokenStatus


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "masked",
        "user",
        "application",
        "status",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
    )
    list_filter = ("status", "application")
    search_fields = ("name", "user__email", "last_characters")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    fields = (
        "user",
        "name",
        "masked",
        "application",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "status",
        "status_reason",
        "status_changed_at",
    )
    readonly_fields = fields
    actions = ["disable_tokens"]

    @admin.display(description=gettext_lazy("token"))
    def masked(self, obj):
        return obj.masked

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only: the only change is the action below

    @admin.action(description=gettext_lazy("Disable the selected tokens"), permissions=["disable"])
    def disable_tokens(self, request, queryset):
        active = list(queryset.filter(status=TokenStatus.ACTIVE))
        for token in active:
            services.token_disable(token=token, reason="Disabled by the staff.", by=request.user)
        message = ngettext(
            "%(count)s token disabled; its owner was emailed.",
            "%(count)s tokens disabled; their owners were emailed.",
            len(active),
        ) % {"count": len(active)}
        self.message_user(request, message, messages.SUCCESS)

    def has_disable_permission(self, request):
        return (
            request.user.is_active
            and request.user.is_staff
            and request.user.has_perm("tokens.change_apitoken")
        )
