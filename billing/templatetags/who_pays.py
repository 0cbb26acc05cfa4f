"""`{% who_pays_preview partnership %}`: the renewals of the coming 12 months under each payment method, for
the Payment page of a partnership (the partners app's template; the prices are billing's)."""

from django import template

from billing.selectors import who_pays_preview as preview

register = template.Library()


@register.inclusion_tag("billing/_who_pays_preview.html", takes_context=True)
def who_pays_preview(context, partnership):
    return {"previews": preview(context["access"], partnership)}
