"""Scoring: the evaluator's scoring sheet and the panel's score overview."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ..forms.scoring import AgreedScoreForm, ScoreForm
from ..models import AgreedScore, Answer, EvidenceFile, LevelDescriptor, Score
from ..permissions import require, round_access
from ..services import panel as panel_service
from ..services.locking import Refused
from ..services.panel import (
    DISAGREEMENT_SPREAD,
    ensure_scores,
    find_previous_agreed,
    previous_agreed_scores,
    save_agreed_scores,
    save_scores,
    submit_scores,
    visible_scores_for,
)
from .prereport import CONFLICT_STATUS, unsaved_items


@dataclass
class SheetItem:
    """One criterion of the scoring sheet with everything shown beside it."""

    score: Score
    form: ScoreForm | None
    descriptors: dict[int, str]
    answer: Answer | None = None
    evidence: list[EvidenceFile] = field(default_factory=list)
    others: list[Score] = field(default_factory=list)
    previous_agreed: AgreedScore | None = None

    @property
    def criterion(self):
        return self.score.criterion

    @property
    def chosen_descriptor(self) -> str:
        return self.descriptors.get(self.score.level, "") if self.score.level is not None else ""


def scoring_sheet(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    if not access.is_panel_member:
        raise PermissionDenied(access.refuse_score())
    review_round = access.round
    assignment = access.assignment
    assignment.round = review_round  # already loaded: spares ensure_scores a query
    scores = ensure_scores(assignment)
    refusal = access.refuse_score()

    descriptors: dict[int, dict[int, str]] = defaultdict(dict)
    for descriptor in LevelDescriptor.objects.filter(
        criterion__theme__framework_id=review_round.framework_id, criterion__theme__is_scored=True
    ):
        descriptors[descriptor.criterion_id][descriptor.level] = descriptor.text

    submit_problems: list[str] = []
    score_forms: list[ScoreForm] | None = None
    refused = ""
    unsaved: list[dict] = []
    status = 200
    if request.method == "POST":
        if not access.is_panel_member:
            require(access.refuse_score)
        score_forms = [
            ScoreForm(request.POST, score=score, descriptors=descriptors[score.criterion_id])
            for score in scores
        ]
        if all([form.is_valid() for form in score_forms]):
            edits = [form.edit() for form in score_forms]
            try:
                result = save_scores(assignment=assignment, actor=request.user, edits=edits)
                if not result.conflicts and request.POST.get("action") == "submit":
                    submit_scores(assignment=assignment)
            except Refused as error:
                # Submitted meanwhile (another tab) or the round moved on: say so, keep the text.
                refused, unsaved, status = error.message, unsaved_items(edits), CONFLICT_STATUS
                score_forms = None
                assignment.refresh_from_db()
                review_round.refresh_from_db()
                refusal = error.message
                scores = ensure_scores(assignment)
            except ValidationError as error:
                submit_problems = error.messages
                scores = _rebase(score_forms, result)
                _mark_incomplete(score_forms)
            else:
                if result.conflicts:
                    status = CONFLICT_STATUS
                    scores = _rebase(score_forms, result)
                    submit_problems = [
                        _(
                            "A score you changed was changed meanwhile in another window: compare the two versions at the criterion, then save again. Everything else is saved."
                        )
                    ]
                elif request.POST.get("action") == "submit":
                    messages.success(
                        request,
                        _(
                            "Your scores are submitted and locked. You now see the other evaluators' submitted scores."
                        ),
                    )
                    return redirect("peerreview:scoring_sheet", round_id=review_round.pk)
                else:
                    messages.success(
                        request, _("Your draft is saved. You can come back to it until you submit.")
                    )
                    return redirect("peerreview:scoring_sheet", round_id=review_round.pk)
        else:
            submit_problems = [
                _("Some answers could not be read; check the marked fields. Nothing was saved.")
            ]
    elif not refusal:
        score_forms = [
            ScoreForm(score=score, descriptors=descriptors[score.criterion_id]) for score in scores
        ]

    items = [
        SheetItem(
            score=score,
            form=score_forms[index] if score_forms else None,
            descriptors=descriptors[score.criterion_id],
        )
        for index, score in enumerate(scores)
    ]
    by_criterion = {item.score.criterion_id: item for item in items}

    can_read_prereport = not access.refuse_view_prereport()
    general_evidence: list[EvidenceFile] = []
    if can_read_prereport:
        prereport = review_round.prereport
        for answer in prereport.answers.all():
            if answer.criterion_id in by_criterion:
                by_criterion[answer.criterion_id].answer = answer
        for evidence in prereport.evidence_files.all():
            if evidence.criterion_id in by_criterion:
                by_criterion[evidence.criterion_id].evidence.append(evidence)
            elif evidence.criterion_id is None:
                general_evidence.append(evidence)

    # Others' scores only once this evaluator has submitted (the service returns none before).
    if assignment.has_submitted_scores:
        others = visible_scores_for(assignment).select_related(
            "assignment__evaluator__evaluator_profile__home_city"
        )
        for other in others.order_by("assignment__role", "assignment_id"):
            if other.criterion_id in by_criterion:
                by_criterion[other.criterion_id].others.append(other)

    previous = previous_agreed_scores(review_round)
    for item in items:
        item.previous_agreed = find_previous_agreed(previous, item.criterion)

    complete = sum(1 for item in items if item.score.is_complete())
    return render(
        request,
        "peerreview/scoring/sheet.html",
        {
            "review_round": review_round,
            "assignment": assignment,
            "items": items,
            "general_evidence": general_evidence,
            "can_edit": not refusal,
            "refusal": refusal,
            "refused": refused,
            "unsaved": unsaved,
            "can_read_prereport": can_read_prereport,
            "prereport_refusal": access.refuse_view_prereport(),
            "submit_problems": submit_problems,
            "complete_count": complete,
            "total_count": len(items),
            "complete_percent": round(100 * complete / len(items)) if items else 0,
            "is_repeat": review_round.is_repeat,
        },
        status=status,
    )


def _rebase(score_forms: list[ScoreForm], result) -> list[Score]:
    """After a partial save: each form keeps the typed text and takes its score as saved now
    as its base; a conflicting form shows both versions. Returns the scores as saved now."""
    scores = []
    for form in score_forms:
        key = form.score.criterion_id
        conflict = result.conflicts.get(key)
        current = conflict.current if conflict else result.saved.get(key, form.score)
        current.criterion = form.score.criterion
        form.conflict = conflict
        if conflict:
            form.rebase_on_conflict(conflict)
        else:
            form.rebase_on(current)
        form.score = current
        scores.append(current)
    return scores


def _mark_incomplete(score_forms: list[ScoreForm]) -> None:
    """Show at each criterion what the submit check found missing (the typed values stay)."""
    for form in score_forms:
        score = form.score
        if not (score.not_applicable or score.level is not None):
            form.add_error("level", _("Choose a score, or N/A."))
        if not score.comment.strip():
            form.add_error("comment", _("Write a comment."))


def score_overview(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(access.refuse_view_score_overview)
    review_round = access.round
    overview = panel_service.score_overview(review_round)
    record_refusal = access.refuse_record_agreed_scores()
    can_record = not record_refusal

    agreed_forms: list[AgreedScoreForm] | None = None
    form_errors = False
    conflict_count = 0
    refused = ""
    unsaved: list[dict] = []
    status = 200
    if request.method == "POST":
        if not access.is_lead:
            require(access.refuse_record_agreed_scores)
        agreed_forms = [
            AgreedScoreForm(request.POST, criterion=row.criterion, agreed=row.agreed) for row in overview.rows
        ]
        if all([form.is_valid() for form in agreed_forms]):
            to_record = [form for form in agreed_forms if form.to_record]
            edits = [form.edit(request.user) for form in to_record]
            try:
                result = save_agreed_scores(review_round=review_round, actor=request.user, edits=edits)
            except Refused as error:
                refused, unsaved, status = error.message, unsaved_items(edits), CONFLICT_STATUS
                review_round.refresh_from_db()
                record_refusal, can_record, agreed_forms = error.message, False, None
            else:
                if result.conflicts:
                    status = CONFLICT_STATUS
                    conflict_count = len(result.conflicts)
                    for form in to_record:
                        conflict = result.conflicts.get(form.criterion.pk)
                        form.conflict = conflict
                        current = conflict.current if conflict else result.saved.get(form.criterion.pk)
                        if conflict is not None:
                            form.rebase_on_conflict(conflict)
                        elif current is not None:
                            form.rebase_on(current)
                else:
                    # Every filled-in row is recorded now, by this save or already (the page saves
                    # each row as the lead types): saying "nothing to record" would read as lost.
                    if to_record:
                        messages.success(
                            request,
                            _("Agreed scores recorded for: %(codes)s.")
                            % {"codes": ", ".join(form.criterion.code for form in to_record)},
                        )
                    else:
                        messages.info(
                            request, _("Nothing to record: no agreed score was entered or changed.")
                        )
                    return redirect("peerreview:score_overview", round_id=review_round.pk)
        else:
            form_errors = True
    elif can_record:
        agreed_forms = [AgreedScoreForm(criterion=row.criterion, agreed=row.agreed) for row in overview.rows]

    rows = [
        {"summary": row, "form": agreed_forms[index] if agreed_forms else None}
        for index, row in enumerate(overview.rows)
    ]
    # Accepted evaluators whose scores are not in yet (their columns are not shown).
    waiting = list(
        review_round.assignments.accepted()
        .filter(scores_submitted_at__isnull=True)
        .select_related("evaluator")
        .order_by("pk")
    )
    column_count = (
        6 + len(overview.assignments) + (1 if review_round.is_repeat else 0) + (1 if can_record else 0)
    )
    return render(
        request,
        "peerreview/scoring/overview.html",
        {
            "review_round": review_round,
            "assignments": overview.assignments,
            "rows": rows,
            "waiting": waiting,
            "can_record": can_record,
            "record_refusal": record_refusal,
            "form_errors": form_errors,
            "conflict_count": conflict_count,
            "refused": refused,
            "unsaved": unsaved,
            "is_repeat": review_round.is_repeat,
            "column_count": column_count,
            "disagreement_spread": DISAGREEMENT_SPREAD,
            "is_lead": access.is_lead,
        },
        status=status,
    )
