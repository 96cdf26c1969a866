"""Serialising edits against the state changes that lock them.

Submitting a pre-report or an evaluator's scores locks a row (the round, the assignment) with
``SELECT … FOR UPDATE``; every save of a unit inside takes the same lock first and checks the
state again, so a save either lands before the submission (and is part of it) or is refused
with the reason — never after it. ``Refused`` carries a message a person can act on.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _


class Refused(ValidationError):
    """An edit or action that is not possible any more; ``message`` says why (when, by whom).

    A ValidationError, so callers that already report service errors show it as they are."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="refused")
        self.message = message


def when_and_who(when: datetime.datetime, who) -> dict[str, str]:
    """``{"date": "3 Dec 2026", "time": "09:43", "who": "Anna Virtanen"}`` in the reader's language."""
    local = timezone.localtime(when)
    name = getattr(who, "full_name", "") or (str(who) if who else "") or _("a former member")
    return {
        "date": date_format(local, "DATE_FORMAT"),
        "time": time_format(local, "TIME_FORMAT"),
        "who": name,
    }


def prereport_submitted_message(prereport) -> str:
    return _("The pre-report was already submitted on %(date)s at %(time)s by %(who)s.") % when_and_who(
        prereport.submitted_at, prereport.submitted_by
    )


def scores_submitted_message(assignment) -> str:
    return _(
        "These scores were already submitted on %(date)s at %(time)s by %(who)s; they are locked."
    ) % when_and_who(assignment.scores_submitted_at, assignment.evaluator)
