"""Django admin for the simulated mailbox: the emails the console sent while no SMTP server is set."""

from django.contrib import admin

from console.models import MailboxMessage


@admin.register(MailboxMessage)
class MailboxMessageAdmin(admin.ModelAdmin):
    list_display = ("sent_at", "subject", "addressed_to", "from_email")
    search_fields = ("subject", "recipients", "body")
    date_hierarchy = "sent_at"
    fields = ("sent_at", "from_email", "addressed_to", "subject", "body")
    readonly_fields = fields

    @admin.display(description="to")
    def addressed_to(self, obj):
        return ", ".join(obj.to)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
