from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_client_names(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    Partnership = apps.get_model("partners", "Partnership")
    Partnership.objects.update(client_name=Subquery(Organization.objects.filter(pk=OuterRef("client_id")).values("name")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="partnership",
            name="client_name",
            field=models.CharField(default="", editable=False, max_length=200),
            preserve_default=False,
        ),
        migrations.RunPython(copy_client_names, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="partnership", name="partners_pa_partner_c4f514_idx"),
        migrations.AddIndex(
            model_name="partnership",
            index=models.Index(fields=["partner", "status", "client_name", "client"], name="partnership_clients_by_name"),
        ),
    ]
