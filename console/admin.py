"""Django admin for the simulated mailbox: the emails the console sent while no SMTP server is set."""

from django.contrib import admin
from django.utils.translation import pgettext_lazy

from console.models import MailboxMessage
from core.admin import ReadOnlyAdmin


@admin.register(MailboxMessage)
class MailboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "subject", "addressed_to", "from_email")
    search_fields = ("subject", "recipients", "body")
    date_hierarchy = "sent_at"
    fields = ("sent_at", "from_email", "addressed_to", "subject", "body")
    readonly_fields = fields

    @admin.display(description=pgettext_lazy("the recipients of an email", "to"))
    def addressed_to(self, obj):
        return ", ".join(obj.to)
