"""Project wiring: settings, root URLconf, Celery app and WSGI. Nothing imports this package."""

from .celery import app as celery_app

__all__ = ["celery_app"]
