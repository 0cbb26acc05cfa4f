from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0007_invoice_list_order'),
    ]

    operations = [
        migrations.AddField(
            model_name='billingexportjob',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='billingexportjob',
            name='error',
            field=models.CharField(blank=True, help_text='Why the export failed, as the user reads it.', max_length=300),
        ),
    ]
