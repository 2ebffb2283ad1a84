"""Notification kinds are declared by each app (messaging.notifications.kinds), not listed as choices
here: the stored names stay as they are, and this changes no SQL."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_stored_translations"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(max_length=20),
        ),
        migrations.AlterField(
            model_name="notificationpreference",
            name="kind",
            field=models.CharField(max_length=20),
        ),
    ]
