"""Load the evaluation framework shipped with the project, so a fresh installation can open rounds."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from peerreview.models import Criterion, LevelDescriptor
from peerreview.services.framework_loader import ensure_framework, read_framework_file


class Command(BaseCommand):
    help = "Load the default evaluation framework (safe to run again: an existing version is left unchanged)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = ensure_framework(read_framework_file())
        framework = result.framework
        if not result.created:
            self.stdout.write(
                _("Framework “%(name)s” version %(version)s already exists; nothing was changed.")
                % {"name": framework.name, "version": framework.version}
            )
            return
        counts = {
            "name": framework.name,
            "version": framework.version,
            "themes": framework.themes.count(),
            "criteria": Criterion.objects.filter(theme__framework=framework).count(),
            "descriptors": LevelDescriptor.objects.filter(criterion__theme__framework=framework).count(),
            "indicators": framework.indicators.count(),
        }
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Created framework “%(name)s” version %(version)s: %(themes)d themes, "
                    "%(criteria)d criteria, %(descriptors)d level descriptors and %(indicators)d indicators."
                )
                % counts
            )
        )
