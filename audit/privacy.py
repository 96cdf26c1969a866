"""Everything the platform keeps about one person, for them to download (GDPR Art. 15 and 20).

The rows are found generically: every row of every model that points at the person (their
assignments, scores and comments, answers they submitted, notifications, edit history…), plus
their profile and the audit trail's rows about them. A row that only carries the person's stamp
on a shared object (the report they published) gives the stamped fields only, never the texts
of others (`STAMPED_FIELDS`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from .models import AuditEntry

SECRET_FIELDS = {"password", "session_nonce"}
# Secrets in other apps' rows about the person: an authenticator's key makes valid codes, so a
# downloaded file lying around must not carry it.
SECRET_FIELDS_OF: dict[str, set[str]] = {
    "otp_totp.TOTPDevice": {"key"},
    # only fingerprints of secrets, but the file needs none of them
    "api.ApiToken": {"digest"},
    "api.CalendarFeed": {"digest"},
}
# model label → {link field: the fields of that row that are the person's own}
STAMPED_FIELDS: dict[str, dict[str, list[str]]] = {
    "reports.SummaryReport": {
        "factual_comment_by": ["factual_comment", "factual_comment_at"],
        "published_by": ["published_at"],
    },
    "peerreview.Round": {"created_by": ["title", "created_at"]},
    "peerreview.PreReport": {"submitted_by": ["submitted_at"]},
    "peerreview.EvidenceFile": {"uploaded_by": ["original_name", "description", "uploaded_at"]},
    # an interviewee is someone else: the person's own part is that they edited the row, and when
    "peerreview.Interviewee": {"history_user": ["history_date", "history_type", "session", "role"]},
}

# Rows that belong to the person through another row (their scores hang on their assignment).
INDIRECT: dict[str, str] = {"peerreview.Score": "assignment__evaluator"}


def _value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _row(instance: models.Model, only: list[str] | None = None) -> dict:
    out = {"id": instance.pk}
    secret = SECRET_FIELDS | SECRET_FIELDS_OF.get(instance._meta.label, set())
    for field in instance._meta.concrete_fields:
        if field.name in secret or (only is not None and field.name not in only):
            continue
        out[field.attname if field.is_relation else field.name] = _value(getattr(instance, field.attname))
    return out


def personal_data(user) -> dict:
    user_model = get_user_model()
    records: dict[str, list[dict]] = {}
    for model in apps.get_models():
        if model in (user_model, AuditEntry):
            continue
        # django-simple-history's copies follow the rules of the model they copy
        label = getattr(model, "instance_type", model)._meta.label
        for field in model._meta.concrete_fields:
            if not (field.is_relation and field.related_model is user_model):
                continue
            only = STAMPED_FIELDS.get(label, {}).get(field.name)
            rows = [
                {"linked_as": field.name, **_row(instance, only)}
                for instance in model._base_manager.filter(**{field.name: user}).order_by("pk")
            ]
            if rows:
                records.setdefault(label, []).extend(rows)
    for label, path in INDIRECT.items():
        model = apps.get_model(label)
        rows = [
            {"linked_as": path, **_row(instance)}
            for instance in model._base_manager.filter(**{path: user}).order_by("pk")
        ]
        if rows:
            records.setdefault(label, []).extend(rows)
    trail = [
        {
            "at": entry.timestamp.isoformat(),
            "event": entry.event,
            "round_id": entry.round_id,
            "record": entry.object_repr,
            "changes": entry.changes,
            "address": entry.path,
            "reason": entry.reason,
            "ip": entry.remote_addr,
            "you_did_it": entry.actor_id == user.pk,
        }
        for entry in AuditEntry.objects.about_person(user).order_by("timestamp", "pk")
    ]
    return {
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "profile": _row(user),
        "records": records,
        "audit_trail": trail,
    }
