from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Summary reports")

    def ready(self) -> None:
        from . import activity, receivers  # noqa: F401 - adds the feed's sources, connects the receivers
