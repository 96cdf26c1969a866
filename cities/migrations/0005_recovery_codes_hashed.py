"""Recovery codes kept as salted SHA-256 digests (RecoveryCodeDevice, RecoveryCode) instead of
django-otp's plain-text static tokens. Codes people already hold keep working: each plain
token is hashed into the new table, then the plain-text rows are deleted."""

import hashlib
import secrets

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def hash_static_tokens(apps, schema_editor) -> None:
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    RecoveryCodeDevice = apps.get_model("cities", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("cities", "RecoveryCode")
    for old in StaticDevice.objects.all():
        device = RecoveryCodeDevice.objects.create(
            user_id=old.user_id,
            name=old.name,
            confirmed=old.confirmed,
            throttling_failure_timestamp=old.throttling_failure_timestamp,
            throttling_failure_count=old.throttling_failure_count,
            last_used_at=old.last_used_at,
        )
        for token in old.token_set.all():
            salt = secrets.token_hex(16)
            digest = hashlib.sha256(f"{salt}:{token.token}".encode()).hexdigest()
            RecoveryCode.objects.create(device=device, salt=salt, digest=digest)
        old.delete()  # its plain-text tokens go with it


class Migration(migrations.Migration):

    dependencies = [
        ('cities', '0004_city_timezone'),
        ('otp_static', '0003_add_timestamps'),
    ]

    operations = [
        migrations.CreateModel(
            name='RecoveryCodeDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'recovery codes',
                'verbose_name_plural': 'recovery codes',
            },
        ),
        migrations.CreateModel(
            name='RecoveryCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('salt', models.CharField(max_length=32)),
                ('digest', models.CharField(max_length=64)),
                ('device', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='codes', to='cities.recoverycodedevice')),
            ],
            options={
                'verbose_name': 'recovery code',
                'verbose_name_plural': 'recovery codes',
            },
        ),
        migrations.RunPython(hash_static_tokens, migrations.RunPython.noop),
    ]
