"""Django admin for the audit log, the DPA certificates and the cookie choices: staff read them; nobody adds,
changes or deletes one."""

from django.contrib import admin

from compliance.models import AuditEvent, CookieConsent, DpaCertificate


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


@admin.register(DpaCertificate)
class DpaCertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "organization_name", "issued_at", "issued_by")
    list_select_related = ("issued_by",)
    date_hierarchy = "issued_at"
    search_fields = ("number", "organization_name", "organization__name", "issued_by__email")
    fields = (
        "number",
        "organization",
        "organization_name",
        "entity_type",
        "address",
        "vat_number",
        "issued_at",
        "issued_by",
    )
    readonly_fields = fields


@admin.register(CookieConsent)
class CookieConsentAdmin(ReadOnlyAdmin):
    list_display = ("user", "analytics", "marketing", "version", "given_at")
    list_select_related = ("user",)
    list_filter = ("analytics", "marketing", "version")
    date_hierarchy = "given_at"
    search_fields = ("user__email",)
    fields = ("user", "analytics", "marketing", "version", "given_at")
    readonly_fields = fields
