"""Django admin: the read-only base every app uses for records kept as written, and the audit log, which staff
read and nobody adds, changes or deletes."""

from django.contrib import admin

from core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records kept as they were written: no add, change or delete permission, hence no delete action."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
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
