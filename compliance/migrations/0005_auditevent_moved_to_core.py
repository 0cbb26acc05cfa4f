# The audit log now belongs to the core app (core 0001), under the same table: compliance only forgets it.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0004_dpacertificate_cookieconsent'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AuditEvent')],
            database_operations=[],
        ),
    ]
