# The audit log moves here from the compliance app. Its table, indexes and rows stay as they are: this
# migration only tells Django's state that core owns the model (compliance 0005 forgets it), and renames the
# model's content type, so that staff permissions and admin history follow it.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def content_type_to(app_label, other_label):
    def rename(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        if not content_type.objects.filter(app_label=app_label, model="auditevent").exists():
            content_type.objects.filter(app_label=other_label, model="auditevent").update(app_label=app_label)

    return rename


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('compliance', '0004_dpacertificate_cookieconsent'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('organizations', '0003_user_session_generation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('actor_email', models.CharField(blank=True, help_text='Kept when the user is deleted.', max_length=254)),
                        ('action', models.CharField(db_index=True, max_length=64)),
                        ('target_type', models.CharField(blank=True, max_length=64)),
                        ('target_id', models.CharField(blank=True, max_length=64)),
                        ('target_repr', models.CharField(blank=True, max_length=255)),
                        ('changes', models.JSONField(blank=True, default=dict)),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('counterparty', models.ForeignKey(blank=True, help_text='The other organization of a partnership, which sees the event too.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='audit_events_as_counterparty', to='organizations.organization')),
                        ('on_behalf_of', models.ForeignKey(blank=True, help_text='The partner organization the actor acted for.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='audit_events_as_partner', to='organizations.organization')),
                        ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='audit_events', to='organizations.organization')),
                    ],
                    options={
                        'db_table': 'compliance_auditevent',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['organization', '-created_at'], name='compliance__organiz_1794d0_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to("core", "compliance"), content_type_to("compliance", "core")),
    ]
