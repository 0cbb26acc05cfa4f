from django.db import migrations, models
import django.utils.timezone


class Migration(migrations.Migration):

    dependencies = [
        ('console', '0003_drop_data_version'),
    ]

    operations = [
        migrations.CreateModel(
            name='WorkerHeartbeat',
            fields=[
                ('worker_id', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('hostname', models.CharField(max_length=255)),
                ('pid', models.PositiveIntegerField()),
                ('started_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('seen_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('stopped_at', models.DateTimeField(blank=True, help_text='When it stopped of its own accord.', null=True)),
            ],
            options={
                'ordering': ['-seen_at'],
            },
        ),
        migrations.CreateModel(
            name='ScheduledRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('job', models.CharField(max_length=50)),
                ('period_start', models.DateTimeField()),
                ('enqueued_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('worker_id', models.CharField(blank=True, max_length=64)),
            ],
            options={
                'ordering': ['-period_start', 'job'],
                'constraints': [models.UniqueConstraint(fields=('job', 'period_start'), name='one_run_per_job_and_period')],
            },
        ),
    ]
