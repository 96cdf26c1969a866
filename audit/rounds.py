"""Which round a piece of round data belongs to, so the audit trail can be filtered per round.

ROUND_DATA maps each audited model to the path from it to its round id. The audit app
registers exactly these models with django-auditlog (see `apps.AuditConfig.ready`); a new
model that holds round data gets a line here.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

# model label → attribute path ending in the round id
ROUND_DATA: dict[str, str] = {
    "peerreview.Round": "pk",
    "peerreview.PreReport": "round_id",
    "peerreview.Answer": "prereport.round_id",
    "peerreview.EvidenceFile": "prereport.round_id",
    "peerreview.IndicatorValue": "prereport.round_id",
    "peerreview.Assignment": "round_id",
    "peerreview.Score": "assignment.round_id",
    "peerreview.AgreedScore": "round_id",
    "peerreview.AssessmentDay": "round_id",
    "peerreview.Session": "day.round_id",
    "peerreview.Interviewee": "session.day.round_id",
    "reports.SummaryReport": "round_id",
    "reports.Finding": "report.round_id",
    "reports.ActionProposal": "report.round_id",
    "reports.ActionProgress": "round_id",
    "reports.ReportPdf": "report.round_id",
}

# Personal data of people who are not users (interviewees): the trail says a value changed,
# never what it was, so retention's erasure is not undone by the audit trail.
MASKED_FIELDS: dict[str, list[str]] = {
    "peerreview.Interviewee": ["name", "email", "organisation"],
}


def round_id_of(instance: models.Model) -> int | None:
    """The id of the round `instance` belongs to, or None (not round data, or its parent is gone)."""
    path = ROUND_DATA.get(instance._meta.label)
    if path is None:
        return None
    value = instance
    try:
        for part in path.split("."):
            value = getattr(value, part)
            if value is None:
                return None
    except ObjectDoesNotExist:
        return None
    return int(value)
