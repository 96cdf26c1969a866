"""The Celery application; tasks are discovered in the apps' `tasks` and `jobs` modules.

Logging: the worker and beat log through the settings' LOGGING (JSON lines with the request id),
not Celery's own format. A task enqueued during a request carries the request's id in the
`X-Request-ID` task header and logs (and e-mails) under it; a job beat sends gets a new id."""

import logging.config
import os

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerreview.config.settings")

app = Celery("peerreview")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # <app>/tasks.py: tasks enqueued by services on commit
app.autodiscover_tasks(related_name="jobs")  # <app>/jobs.py: periodic jobs run by beat

REQUEST_ID_HEADER = "X-Request-ID"


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Replaces Celery's logging setup by the settings' LOGGING."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@before_task_publish.connect
def pass_request_id(headers: dict, **kwargs) -> None:
    from django_guid import get_guid

    if request_id := get_guid():
        headers[REQUEST_ID_HEADER] = request_id


@task_prerun.connect
def adopt_request_id(task, **kwargs) -> None:
    """In the worker: the id of the request (or task) that enqueued this task, else a new one.
    A task run eagerly (no broker) runs inside the request and keeps its id as it is."""
    from django_guid import set_guid
    from django_guid.utils import generate_guid

    if not task.request.is_eager:
        set_guid(task.request.get(REQUEST_ID_HEADER) or generate_guid())


@task_postrun.connect
def forget_request_id(task, **kwargs) -> None:
    from django_guid import clear_guid

    if not task.request.is_eager:
        clear_guid()
