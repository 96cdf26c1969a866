"""The panel's discussion of a round (threads per criterion and one general thread) and the
non-lead evaluators' suggestions for the report.

Who may read and write is decided in `reports.permissions` (the city never sees a thread).
A comment is created once per form token; it queues a digest item for the panel members and
for everyone it @-mentions (coordinators included), never an e-mail per comment.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import User
from peerreview.models import Criterion, Round
from peerreview.services.notifications import coordinators, panel_members
from peerreview.services.versioning import base_digests

from . import digest
from .editing import FINDING_FIELDS, create_action_proposal, lock_report_for_edit, save_unit
from .models import DigestItem, Finding, PanelComment, Suggestion, SummaryReport

GENERAL = "general"
MAX_COMMENT_CHARS = 10_000


def participants(review_round: Round) -> list[User]:
    """Who takes part in the discussion and can be @-mentioned: the panel and the coordinators."""
    people = {user.pk: user for user in [*panel_members(review_round), *coordinators()]}
    return sorted(people.values(), key=lambda user: (user.full_name or user.email).lower())


def find_mentions(text: str, people: list[User]) -> list[User]:
    """People named in the text as @Full Name or @e-mail (case-insensitive)."""
    lowered = text.lower()
    found = []
    for person in people:
        names = [person.email.lower()]
        if person.full_name:
            names.append(person.full_name.lower())
        for name in names:
            if re.search(r"(?<![\w@])@" + re.escape(name) + r"(?![\w])", lowered):
                found.append(person)
                break
    return found


def thread_criterion(review_round: Round, thread: str) -> Criterion | None:
    """The criterion of a thread key ("general" → None); ValueError for a key not in the round."""
    if thread == GENERAL:
        return None
    if thread.isdigit():
        criterion = (
            Criterion.objects.filter(pk=int(thread), theme__framework_id=review_round.framework_id)
            .select_related("theme")
            .first()
        )
        if criterion is not None:
            return criterion
    raise ValueError(thread)


def thread_label(criterion: Criterion | None) -> str:
    if criterion is None:
        return str(_("General discussion"))
    return f"{criterion.code} {criterion.title}"


@dataclass
class ThreadSummary:
    key: str
    label: str
    count: int
    last_at: object


def thread_summaries(review_round: Round) -> list[ThreadSummary]:
    """The general thread, then one per criterion in framework order, with counts (two queries)."""
    stats = {
        row["criterion_id"]: row
        for row in PanelComment.objects.filter(round=review_round)
        .values("criterion_id")
        .annotate(count=Count("pk"), last_at=Max("created_at"))
    }
    general = stats.get(None, {})
    threads = [ThreadSummary(GENERAL, thread_label(None), general.get("count", 0), general.get("last_at"))]
    for criterion in Criterion.objects.filter(theme__framework_id=review_round.framework_id).order_by(
        "theme__order", "order"
    ):
        row = stats.get(criterion.pk, {})
        threads.append(
            ThreadSummary(str(criterion.pk), thread_label(criterion), row.get("count", 0), row.get("last_at"))
        )
    return threads


def add_comment(
    *,
    review_round: Round,
    criterion: Criterion | None,
    text: str,
    author,
    form_token: uuid.UUID | str | None,
) -> tuple[PanelComment, bool]:
    """Write a comment in a thread, once per form token. Returns (comment, created)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationError(
            {"text": _("A comment is at most %(max)d characters.") % {"max": MAX_COMMENT_CHARS}}
        )
    with transaction.atomic():
        Round.objects.select_for_update().filter(pk=review_round.pk).first()  # one creation per token
        if form_token:
            existing = PanelComment.objects.filter(form_token=form_token).first()
            if existing is not None:
                if existing.round_id != review_round.pk:
                    raise ValidationError(_("This form belongs to another round."))
                return existing, False
        comment = PanelComment.objects.create(
            round=review_round, criterion=criterion, text=text, author=author, form_token=form_token or None
        )
        people = participants(review_round)
        mentioned = find_mentions(text, people)
        comment.mentions.set(mentioned)
        thread = str(criterion.pk) if criterion else GENERAL
        digest.queue(
            review_round=review_round,
            recipients=[*panel_members(review_round), *mentioned],
            source=f"panel-comment-{comment.pk}",
            kind=DigestItem.Kind.COMMENT,
            author=author,
            where=thread_label(criterion),
            text=text,
            path=reverse("reports:discussion_thread", args=[review_round.pk, thread])
            + f"#comment-{comment.pk}",
            mentioned_ids=[person.pk for person in mentioned],
        )
    return comment, True


# --- suggestions by panel members ------------------------------------------------------------


def suggest(
    *,
    report: SummaryReport,
    kind: str,
    values: dict,
    author,
    form_token: uuid.UUID | str | None,
) -> tuple[Suggestion, bool]:
    """A panel member proposes a finding text or an action proposal, once per form token."""
    text = (values.get("text") or "").strip()
    if kind == Suggestion.Kind.FINDING:
        if values.get("criterion") is None:
            raise ValidationError({"criterion": _("Choose the criterion of the finding.")})
        if values.get("finding_field") not in FINDING_FIELDS:
            raise ValidationError({"finding_field": _("Choose the part of the finding.")})
        if not text:
            raise ValidationError({"text": _("Write the text you propose.")})
    elif kind == Suggestion.Kind.ACTION:
        if not (values.get("title") or "").strip():
            raise ValidationError({"title": _("Give the proposal a title.")})
    else:
        raise ValidationError(_("Unknown kind of suggestion."))
    criterion = values.get("criterion")
    if criterion is not None and criterion.theme.framework_id != report.round.framework_id:
        raise ValidationError({"criterion": _("Choose a criterion of this round's framework.")})
    with transaction.atomic():
        locked = lock_report_for_edit(report.pk)
        if form_token:
            existing = Suggestion.objects.filter(form_token=form_token).first()
            if existing is not None:
                return existing, False
        suggestion = Suggestion.objects.create(
            report=locked,
            kind=kind,
            criterion=criterion,
            finding_field=values.get("finding_field") or "" if kind == Suggestion.Kind.FINDING else "",
            title=(values.get("title") or "").strip()[:300],
            text=text,
            priority=values.get("priority") or Suggestion._meta.get_field("priority").default,
            proposed_by=author,
            form_token=form_token or None,
        )
    return suggestion, True


def decide(*, suggestion: Suggestion, accept: bool, actor) -> Suggestion:
    """Accept a suggestion into the report (a finding's text is appended to that part of the
    finding through the versioned save; an action proposal is created with the next number),
    or decline it. Decided once: a second decision is refused."""
    report = suggestion.report
    with transaction.atomic():
        lock_report_for_edit(report.pk)
        claimed = Suggestion.objects.filter(pk=suggestion.pk, status=Suggestion.Status.PROPOSED).update(
            status=Suggestion.Status.ACCEPTED if accept else Suggestion.Status.DECLINED,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        if claimed != 1:
            raise ValidationError(_("This suggestion has already been decided."))
        if accept and suggestion.kind == Suggestion.Kind.FINDING:
            finding = Finding.objects.get(report=report, criterion=suggestion.criterion)
            name = suggestion.finding_field
            current = getattr(finding, name)
            merged = f"{current.rstrip()}\n\n{suggestion.text}" if current.strip() else suggestion.text
            save_unit(
                report=report,
                model=Finding,
                pk=finding.pk,
                base_version=finding.version,
                base=base_digests(finding, [name]),
                values={name: merged},
                actor=actor,
            )
        elif accept:
            proposal, _created = create_action_proposal(
                report=report,
                form_token=suggestion.form_token,
                values={
                    "criterion": suggestion.criterion,
                    "title": suggestion.title,
                    "description": suggestion.text,
                    "priority": suggestion.priority,
                },
                actor=actor,
            )
            Suggestion.objects.filter(pk=suggestion.pk).update(action_proposal=proposal)
    suggestion.refresh_from_db()
    return suggestion


def suggestions_for_page(report: SummaryReport, *, status: str | None = None):
    queryset = report.suggestions.select_related("criterion", "proposed_by", "decided_by", "action_proposal")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-proposed_at", "-pk")


def waiting_suggestions(report: SummaryReport) -> int:
    return report.suggestions.filter(Q(status=Suggestion.Status.PROPOSED)).count()
