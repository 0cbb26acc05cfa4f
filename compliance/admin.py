"""Django admin for the DPA certificates and the cookie choices: staff read them; nobody adds, changes or
deletes one."""

from django.contrib import admin

from compliance.models import CookieConsent, DpaCertificate
from core.admin import ReadOnlyAdmin


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
