"""`manage.py readyz`: the /readyz checks from a shell (the compose file's beat health check)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from peerreview.health import readiness


class Command(BaseCommand):
    help = "Check the database, migrations, Redis, the worker's heartbeat and beat; exit 1 when not ready."

    def handle(self, *args, **options) -> None:
        checks = readiness()
        for name, check in checks.items():
            self.stdout.write(f"{name:<9} {'ok ' if check['ok'] else 'FAIL'} {check['detail']}")
        if not all(check["ok"] for check in checks.values()):
            raise CommandError("not ready")
