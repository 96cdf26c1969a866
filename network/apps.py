from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Network library")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from cities.models import City
        from reports.signals import publication_level_changed, report_published

        from . import receivers  # noqa: F401 - connects the synthesis tallies' receivers
        from .index import follow_city_country, index_published_report, widen_published_report

        report_published.connect(index_published_report, dispatch_uid="network.index_published_report")
        publication_level_changed.connect(
            widen_published_report, dispatch_uid="network.widen_published_report"
        )
        post_save.connect(follow_city_country, sender=City, dispatch_uid="network.follow_city_country")
