"""The report's part of the round page's activity feed (``peerreview.activity``).

Each source runs one query and shows only what ``reports.permissions`` lets the viewer see:
the panel's drafting (edits of sections, findings and action proposals) and its discussion are
the panel's and the coordinators' working material, never the host city's; the city's
factual-check comments and the panel's answers are seen by everyone who reads the draft (the
city from the factual check on); the published report's PDF by everyone who may read it.
Registered from ``ReportsConfig.ready`` (``peerreview`` never imports this app).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from peerreview.activity import ActivityItem, history_items, register
from peerreview.permissions import RoundAccess
from peerreview.services.versioning import normalise

from .discussion import GENERAL
from .editing import SECTION_FIELDS
from .models import ActionProposal, FactualComment, Finding, PanelComment, ReportPdf, SummaryReport
from .permissions import refuse_view_discussion, refuse_view_history, refuse_view_report


def _history_url(access: RoundAccess, kind: str, key) -> str:
    return reverse("reports:unit_history", args=[access.round.pk, kind, key])


def _section_label(name: str) -> str:
    return str(SummaryReport._meta.get_field(name).verbose_name)


@register
def report_sections(access: RoundAccess, limit: int) -> list[ActivityItem]:
    """Saves of the report's text sections, each named by the section it changed (the rows
    are diffed with the one before, read in the same query)."""
    if refuse_view_history(access):
        return []
    rows = list(
        SummaryReport.history.filter(round_id=access.round.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit + 1]
    )
    items = []
    for index, row in enumerate(rows[:limit]):
        older = rows[index + 1] if index + 1 < len(rows) else None
        if row.history_type != "~":
            continue
        changed = [
            name
            for name in SECTION_FIELDS
            if normalise(getattr(row, name)) != normalise(getattr(older, name) if older else "")
        ]
        if not changed:
            continue  # a save of something else (the city's response, the publication level…)
        items.append(
            ActivityItem(
                at=row.history_date,
                actor=row.history_user,
                text=_("changed the report section “%(section)s”")
                % {"section": ", ".join(_section_label(name) for name in changed)},
                url=_history_url(access, "section", changed[0]),
            )
        )
    return items[:limit]


@register
def report_findings(access: RoundAccess, limit: int) -> list[ActivityItem]:
    if refuse_view_history(access):
        return []
    return history_items(
        Finding.history.filter(report__round_id=access.round.pk)
        .exclude(history_type="+")  # the empty findings made with the report
        .select_related("criterion"),
        limit,
        lambda row: _("changed the finding %(code)s") % {"code": row.criterion.code},
        url=lambda row: _history_url(access, "finding", row.id),
    )


@register
def action_proposals(access: RoundAccess, limit: int) -> list[ActivityItem]:
    if refuse_view_history(access):
        return []
    texts = {
        "+": _("added the action proposal %(ref)s “%(title)s”"),
        "~": _("changed the action proposal %(ref)s “%(title)s”"),
        "-": _("deleted the action proposal %(ref)s “%(title)s”"),
    }
    return history_items(
        ActionProposal.history.filter(report__round_id=access.round.pk),
        limit,
        lambda row: texts[row.history_type] % {"ref": f"AP-{row.number}", "title": row.title},
        url=lambda row: "" if row.history_type == "-" else _history_url(access, "proposal", row.id),
    )


@register
def panel_comments(access: RoundAccess, limit: int) -> list[ActivityItem]:
    """The panel's threads: never the city; an evaluator once their own scores are in."""
    if refuse_view_discussion(access):
        return []
    comments = (
        PanelComment.objects.filter(round_id=access.round.pk)
        .select_related("author", "criterion")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        ActivityItem(
            at=comment.created_at,
            actor=comment.author,
            text=(
                _("commented in the discussion of %(code)s") % {"code": comment.criterion.code}
                if comment.criterion_id
                else _("commented in the general discussion")
            ),
            url=reverse(
                "reports:discussion_thread",
                args=[access.round.pk, str(comment.criterion_id) if comment.criterion_id else GENERAL],
            )
            + f"?page=last#comment-{comment.pk}",
            kind="comment",
        )
        for comment in comments
    ]


def _factual_url(access: RoundAccess) -> str:
    return reverse("reports:factual_check", args=[access.round.pk]) + "#factual-comments"


@register
def factual_comments(access: RoundAccess, limit: int) -> list[ActivityItem]:
    """The city's comments on the draft: whoever reads the draft (the city from the factual check)."""
    if refuse_view_report(access):
        return []
    comments = (
        FactualComment.objects.filter(report__round_id=access.round.pk)
        .select_related("author", "finding__criterion")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        ActivityItem(
            at=comment.created_at,
            actor=comment.author,
            text=_("commented on the draft: %(part)s") % {"part": comment.section_label},
            url=_factual_url(access),
            kind="comment",
        )
        for comment in comments
    ]


@register
def factual_answers(access: RoundAccess, limit: int) -> list[ActivityItem]:
    """The panel's answers to the city's comments, which the city reads on its factual-check page."""
    if refuse_view_report(access):
        return []
    comments = (
        FactualComment.objects.filter(report__round_id=access.round.pk, resolved_at__isnull=False)
        .select_related("resolved_by", "finding__criterion")
        .order_by("-resolved_at", "-pk")[:limit]
    )
    return [
        ActivityItem(
            at=comment.resolved_at,
            actor=comment.resolved_by,
            text=_("answered the city's comment on %(part)s") % {"part": comment.section_label},
            url=_factual_url(access),
            kind="comment",
        )
        for comment in comments
    ]


@register
def published_pdf(access: RoundAccess, limit: int) -> list[ActivityItem]:
    """The published report's PDF, once it is made (rendered in the worker after publishing)."""
    if refuse_view_report(access):
        return []
    pdfs = ReportPdf.objects.filter(report__round_id=access.round.pk, is_final=True).order_by(
        "-rendered_at", "-pk"
    )[:limit]
    return [
        ActivityItem(
            at=pdf.rendered_at,
            actor=None,
            text=_("made the PDF of the published report (version %(version)s)") % {"version": pdf.version},
            url=reverse("reports:report_pdf", args=[access.round.pk]),
            kind="state",
        )
        for pdf in pdfs
    ]
