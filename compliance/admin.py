"""Django admin for the audit log: staff read it; nobody adds, changes or deletes an event."""

from django.contrib import admin

from compliance.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "actor_email",
        "organization",
        "on_behalf_of",
        "action",
        "target_repr",
        "ip_address",
    )
    list_select_related = ("organization", "on_behalf_of")
    list_filter = ("action",)
    date_hierarchy = "created_at"
    search_fields = (
        "actor_email",
        "action",
        "target_repr",
        "target_id",
        "organization__name",
        "on_behalf_of__name",
    )
    fields = (
        "created_at",
        "actor",
        "actor_email",
        "organization",
        "on_behalf_of",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "changes",
        "ip_address",
    )
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
