from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesConfig(AppConfig):
    name = "cities"
    verbose_name = _("Cities and people")

    def ready(self) -> None:
        # Connects the receiver that starts a session's clocks at login.
        # Registers the searchable choices of cities and evaluators (cities.autocomplete).
        from . import (
            choices,  # noqa: F401
            middleware,  # noqa: F401
        )
