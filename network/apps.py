from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Network library")

    def ready(self) -> None:
        from reports.signals import publication_level_changed, report_published

        from .index import index_published_report, widen_published_report

        report_published.connect(index_published_report, dispatch_uid="network.index_published_report")
        publication_level_changed.connect(
            widen_published_report, dispatch_uid="network.widen_published_report"
        )
