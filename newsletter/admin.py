from django.contrib import admin

from newsletter.models import MailingList, Subscriber


@admin.register(MailingList)
class MailingListAdmin(admin.ModelAdmin):
    list_display = ["name", "product", "created_at"]
    search_fields = ["name", "product__name"]
    raw_id_fields = ["product"]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "mailing_list", "subscribed_at"]
    search_fields = ["email", "name", "mailing_list__name"]
    raw_id_fields = ["mailing_list"]
