from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeerReviewConfig(AppConfig):
    name = "peerreview"
    verbose_name = _("Peer review")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the benchmark counts' receivers
