"""The Download dialog of Reseller Area → Managed Clients. The page is the partners' and the dialog billing's;
the console, above both, puts one on the other, so that partners never depends on billing."""

from django import template
from django.conf import settings
from django.utils import timezone

from billing.forms import BillingExportForm

register = template.Library()


@register.inclusion_tag("billing/_export.html#export_dialog", takes_context=True)
def billing_export_dialog(context):
    access = context["access"]
    return {
        "access": access,
        "form": BillingExportForm(access=access, today=timezone.localdate()),
        "keep_hours": settings.BILLING_EXPORT_KEEP_HOURS,
        "csrf_token": context.get("csrf_token"),
    }
