from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0003_user_session_generation"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("it", "Italiano")],
                default="",
                max_length=8,
            ),
        ),
    ]
