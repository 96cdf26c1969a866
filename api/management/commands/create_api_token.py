"""manage.py create_api_token EMAIL [--scope read|read_write] [--name NAME] [--expires-in-days N]:
make a personal API token for a person and print it (scripts, tests, first setup)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken
from api.tokens import create_api_token


class Command(BaseCommand):
    help = "Create a personal API token for the person with this e-mail address and print it (shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ_WRITE)
        parser.add_argument("--name", default="Command line")
        parser.add_argument("--expires-in-days", type=int, default=None)

    def handle(
        self, *args, email: str, scope: str, name: str, expires_in_days: int | None, **options
    ) -> None:
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No person with the e-mail address {email}.")
        if not user.is_active:
            raise CommandError(f"The account {email} is deactivated.")
        try:
            issued = create_api_token(user=user, name=name, scope=scope, expires_in_days=expires_in_days)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(f"Token “{issued.obj.name}” ({issued.obj.get_scope_display()}) for {user.email}:")
        self.stdout.write(issued.secret)
