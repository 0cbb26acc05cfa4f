"""Every product gets an end: the end of its last order or renewal; without any order, one period from its
installation."""

from datetime import timedelta

from django.db import migrations
from django.db.models import OuterRef, Subquery


def period_length(period: str) -> timedelta:
    return timedelta(days=30) if period == "month" else timedelta(days=365)


def set_ends(apps, schema_editor):
    Product = apps.get_model("organizations", "Product")
    Order = apps.get_model("billing", "Order")
    last_end = Order.objects.filter(product=OuterRef("pk")).order_by("-period_end").values("period_end")[:1]
    products = Product.objects.filter(expires_at__isnull=True).annotate(last_end=Subquery(last_end))
    for product in products.select_related("product_type").iterator():
        product.expires_at = product.last_end or product.created_at + period_length(product.product_type.period)
        product.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0009_renewal_reminders_and_type_changes"),
        ("organizations", "0005_product_subscription"),
    ]

    operations = [migrations.RunPython(set_ends, migrations.RunPython.noop)]
