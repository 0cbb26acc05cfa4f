"""The provider's catalog: categories and product types with their public yearly prices."""

from decimal import Decimal

from django.db import migrations

CATALOG = [
    ("web-hosting", "Web hosting", "globe2", [
        ("web-hosting-starter", "Starter Web hosting", "One site with 10 GB, free of charge.", "0.00", "0.00"),
        ("web-hosting", "Web hosting", "Up to 20 sites, 250 GB SSD, PHP, MySQL.", "69.00", "69.00"),
        ("cloud-server", "Cloud Server", "Managed server with dedicated resources.", "360.00", "360.00"),
    ]),
    ("mail-service", "Mail Service", "envelope", [
        ("mail-service", "Mail Service", "Professional addresses on your domain, 5 mailboxes.", "19.20", "19.20"),
        ("mail-service-premium", "Mail Service Premium", "Unlimited mailboxes, 20 GB each.", "67.20", "67.20"),
    ]),
    ("domain", "Domain", "link-45deg", [
        ("domain-ch", "Domain name .ch", "Registration and renewal of a .ch domain.", "12.00", "12.00"),
        ("domain-com", "Domain name .com", "Registration and renewal of a .com domain.", "16.00", "15.50"),
        ("domain-eu", "Domain name .eu", "Registration and renewal of a .eu domain.", "10.00", "9.50"),
    ]),
    ("kdrive", "kDrive", "cloud", [
        ("kdrive-solo", "kDrive Solo", "2 TB for one user.", "59.40", "59.40"),
        ("kdrive-team", "kDrive Team", "3 TB shared by up to 6 users.", "119.40", "119.40"),
    ]),
    ("newsletter", "Newsletter", "send", [
        ("newsletter", "Newsletter", "Campaigns and mailing lists, 5,000 emails a month.", "90.00", "90.00"),
    ]),
    ("ssl", "SSL certificates", "shield-lock", [
        ("ssl-dv", "SSL certificate DV", "Domain-validated certificate.", "9.00", "9.00"),
    ]),
]


def load_catalog(apps, schema_editor):
    ProductCategory = apps.get_model("organizations", "ProductCategory")
    ProductType = apps.get_model("organizations", "ProductType")
    for category_position, (slug, name, icon, product_types) in enumerate(CATALOG):
        category, _ = ProductCategory.objects.update_or_create(
            slug=slug, defaults={"name": name, "icon": icon, "position": category_position}
        )
        for position, (type_slug, type_name, description, price_chf, price_eur) in enumerate(product_types):
            ProductType.objects.update_or_create(
                slug=type_slug,
                defaults={
                    "category": category,
                    "name": type_name,
                    "description": description,
                    "period": "year",
                    "price_chf": Decimal(price_chf),
                    "price_eur": Decimal(price_eur),
                    "position": position,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    operations = [migrations.RunPython(load_catalog, migrations.RunPython.noop)]
