"""The history page of one versioned unit and restoring an earlier version of it.

Restoring writes the earlier values through the same versioned save as the editors (under the
same lock), so a restore is itself a new version and a stale restore is refused as a conflict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ..forms.prereport import ANSWER_FIELDS, HEADER_FIELDS
from ..history import session_history, unit_history
from ..models import AgreedScore, Answer, PreReport, Score, Session
from ..permissions import RoundAccess, require, round_access
from ..services.locking import Refused, when_and_who
from ..services.panel import save_agreed_scores, save_scores
from ..services.prereport import save_prereport_draft
from ..services.versioning import EditConflict, UnitEdit, base_digests, decode_digests, encode_digests
from .prereport import CONFLICT_STATUS

LEVEL_TOGETHER = {
    "answer": [("self_score", "not_applicable")],
    "score": [("level", "not_applicable")],
    "agreed": [("level", "not_applicable")],
}


@dataclass(frozen=True)
class UnitKind:
    """How to find, show and restore one kind of versioned unit."""

    model: type
    round_lookup: str
    fields: list[str]
    title: Callable
    back: Callable  # (access, unit) -> url of the editor
    refuse_view: Callable  # (access, unit) -> reason or ""
    refuse_restore: Callable  # (access, unit) -> reason or ""
    is_editor: Callable  # (access, unit) -> bool: may try (the service then checks the step under the lock)
    save: Callable  # (access, user, edit) -> SaveResult
    entries: Callable | None = None  # (unit) -> [HistoryEntry]; default: the unit's own fields


def _answer_fields(answer: Answer) -> list[str]:
    return ANSWER_FIELDS if answer.criterion.theme.is_scored else ["narrative"]


def _save_prereport(access, user, edit):
    return save_prereport_draft(review_round=access.round, actor=user, edits=[edit])


def _save_score(access, user, edit):
    return save_scores(assignment=access.assignment, actor=user, edits=[edit])


def _save_agreed(access, user, edit):
    edit.extra = {"recorded_by": user}
    return save_agreed_scores(review_round=access.round, actor=user, edits=[edit])


def _refuse_restore_score(access: RoundAccess, score: Score) -> str:
    if access.assignment is None or access.assignment.pk != score.assignment_id:
        return _("Only the evaluator who wrote a score can restore an earlier version of it.")
    return access.refuse_score()


def _no_restore(access, user, edit):  # pragma: no cover - refused before it is reached
    raise Http404


def _session_back(access: RoundAccess, session: Session) -> str:
    if not access.refuse_edit_session_notes():
        return reverse("peerreview:session_edit", args=[access.round.pk, session.pk])
    return reverse("peerreview:assessment_planner", args=[access.round.pk]) + f"#session-{session.pk}"


KINDS: dict[str, UnitKind] = {
    "answer": UnitKind(
        model=Answer,
        round_lookup="prereport__round",
        fields=ANSWER_FIELDS,
        title=lambda unit: f"{unit.criterion.code} {unit.criterion.title}",
        back=lambda access, unit: (
            reverse("peerreview:prereport_edit", args=[access.round.pk]) + f"#criterion-{unit.criterion_id}"
        ),
        refuse_view=lambda access, unit: access.refuse_view_prereport(),
        refuse_restore=lambda access, unit: access.refuse_edit_prereport(),
        is_editor=lambda access, unit: access.is_host_member,
        save=_save_prereport,
    ),
    "context": UnitKind(
        model=PreReport,
        round_lookup="round",
        fields=HEADER_FIELDS,
        title=lambda unit: str(gettext_lazy("Guiding questions and context")),
        back=lambda access, unit: reverse("peerreview:prereport_edit", args=[access.round.pk]) + "#intro",
        refuse_view=lambda access, unit: access.refuse_view_prereport(),
        refuse_restore=lambda access, unit: access.refuse_edit_prereport(),
        is_editor=lambda access, unit: access.is_host_member,
        save=_save_prereport,
    ),
    "score": UnitKind(
        model=Score,
        round_lookup="assignment__round",
        fields=["level", "not_applicable", "comment"],
        title=lambda unit: f"{unit.criterion.code} {unit.criterion.title} – {unit.assignment.evaluator}",
        back=lambda access, unit: (
            reverse("peerreview:scoring_sheet", args=[access.round.pk]) + f"#criterion-{unit.criterion_id}"
        ),
        refuse_view=lambda access, unit: access.refuse_view_score_history(unit.assignment),
        refuse_restore=_refuse_restore_score,
        is_editor=lambda access, unit: (
            access.assignment is not None and access.assignment.pk == unit.assignment_id
        ),
        save=_save_score,
    ),
    "agreed": UnitKind(
        model=AgreedScore,
        round_lookup="round",
        fields=["level", "not_applicable", "rationale"],
        title=lambda unit: f"{unit.criterion.code} {unit.criterion.title}",
        back=lambda access, unit: (
            reverse("peerreview:score_overview", args=[access.round.pk]) + f"#criterion-{unit.criterion_id}"
        ),
        refuse_view=lambda access, unit: access.refuse_view_score_overview(),
        refuse_restore=lambda access, unit: access.refuse_record_agreed_scores(),
        is_editor=lambda access, unit: access.is_lead,
        save=_save_agreed,
    ),
    # A session is changed on its own page (fields, criteria, interviewees at once): its history
    # is to read, with the panel's notes, so for the panel and coordinators only.
    "session": UnitKind(
        model=Session,
        round_lookup="day__round",
        fields=[],
        title=lambda unit: (
            f"{unit.topic} ({date_format(unit.day.date, 'DATE_FORMAT')}, {unit.start_time:%H:%M})"
        ),
        back=_session_back,
        refuse_view=lambda access, unit: access.refuse_read_day_notes(),
        refuse_restore=lambda access, unit: str(
            gettext_lazy("A session is changed on its own page; its history is there to read.")
        ),
        is_editor=lambda access, unit: False,
        save=_no_restore,
        entries=session_history,
    ),
}


def _load(access: RoundAccess, kind: str, unit_id: int):
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404(_("No such history."))
    queryset = spec.model.objects.filter(**{spec.round_lookup: access.round})
    if spec.model is Answer:
        queryset = queryset.select_related("criterion__theme")
    elif spec.model is Score:
        queryset = queryset.select_related("criterion", "assignment__evaluator")
    elif spec.model is AgreedScore:
        queryset = queryset.select_related("criterion")
    elif spec.model is Session:
        queryset = queryset.select_related("day")
    unit = get_object_or_404(queryset, pk=unit_id)
    return spec, unit


def _fields(spec: UnitKind, unit) -> list[str]:
    return _answer_fields(unit) if isinstance(unit, Answer) else spec.fields


@require_http_methods(["GET", "POST"])
def unit_history_view(request: HttpRequest, round_id: int, kind: str, unit_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    spec, unit = _load(access, kind, unit_id)
    require(lambda: spec.refuse_view(access, unit))
    return _render(request, access, kind, spec, unit)


@require_http_methods(["POST"])
def unit_restore(
    request: HttpRequest, round_id: int, kind: str, unit_id: int, history_id: int
) -> HttpResponse:
    access = round_access(request.user, round_id)
    spec, unit = _load(access, kind, unit_id)
    require(lambda: spec.refuse_view(access, unit))
    record = get_object_or_404(unit.history.all(), history_id=history_id)
    fields = _fields(spec, unit)
    try:
        base_version = int(request.POST.get("base_version", ""))
    except ValueError:
        base_version = -1
    edit = UnitEdit(
        key=unit.pk,
        model=spec.model,
        pk=unit.pk,
        base_version=base_version,
        base=decode_digests(request.POST.get("base_digests", "")),
        values={name: getattr(record, name) for name in fields},
        together=LEVEL_TOGETHER.get(kind),
    )
    if not spec.is_editor(access, unit):
        require(lambda: spec.refuse_restore(access, unit))
    try:
        result = spec.save(access, request.user, edit)
    except Refused as error:
        return _render(request, access, kind, spec, unit, refused=error.message, status=CONFLICT_STATUS)
    conflict: EditConflict | None = result.conflicts.get(unit.pk)
    if conflict is not None:
        return _render(
            request, access, kind, spec, conflict.current, conflict=conflict, status=CONFLICT_STATUS
        )
    moment = when_and_who(record.history_date, record.history_user)
    if result.written.get(unit.pk):
        messages.success(
            request,
            _("The version of %(date)s at %(time)s by %(who)s is restored as the newest version.") % moment,
        )
    else:
        messages.info(request, _("Nothing to restore: the text is already the same as that version."))
    return redirect("peerreview:unit_history", round_id=access.round.pk, kind=kind, unit_id=unit.pk)


def _render(
    request: HttpRequest,
    access: RoundAccess,
    kind: str,
    spec: UnitKind,
    unit,
    *,
    conflict: EditConflict | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    fields = _fields(spec, unit)
    entries = spec.entries(unit) if spec.entries else unit_history(unit, fields)
    restore_refusal = spec.refuse_restore(access, unit)
    context = {
        "review_round": access.round,
        "kind": kind,
        "unit": unit,
        "title": spec.title(unit),
        "back_url": spec.back(access, unit),
        "entries": entries,
        "can_restore": not restore_refusal and not refused,
        "restore_refusal": restore_refusal,
        "base_version": unit.version,
        "base_digests": encode_digests(base_digests(unit, fields)),
        "conflict": conflict,
        "refused": refused,
    }
    return render(request, "peerreview/history/unit.html", context, status=status)
