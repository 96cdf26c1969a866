"""The Celery application; tasks are discovered in the apps' `tasks` and `jobs` modules."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerreview.config.settings")

app = Celery("peerreview")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # <app>/tasks.py: tasks enqueued by services on commit
app.autodiscover_tasks(related_name="jobs")  # <app>/jobs.py: periodic jobs run by beat
