"""Who may read a report once it is published: the host city's choice of publication level.

The city chooses from the factual check on (nothing is shared before publishing, so it may
change its mind freely); once the report is published the level can only be widened, because
people may already have read, cited or downloaded it. Who may do this is decided in
`reports.permissions`; this module only keeps the rule on the values.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerreview.models import RoundState

from .models import PublicationLevel, SummaryReport
from .signals import publication_level_changed

CHOOSABLE_STATES = (RoundState.FACTUAL_CHECK, RoundState.PUBLISHED)


def wider_or_equal_levels(report: SummaryReport) -> list[str]:
    """The levels the city may choose now: any before publishing, the current one or wider after."""
    if not report.is_published:
        return list(PublicationLevel.values)
    floor = PublicationLevel.rank(report.publication_level)
    return [level for level in PublicationLevel.values if PublicationLevel.rank(level) >= floor]


@transaction.atomic
def set_publication_level(*, report: SummaryReport, level: str, actor) -> SummaryReport:
    """Record the city's choice of who may read the published report. Raises ValidationError
    for an unknown level, outside the factual check or publication, or when it would narrow
    the readership of a published report (checked on the locked row, so two people widening
    and narrowing at once cannot undo a widening)."""
    report = SummaryReport.objects.select_for_update().select_related("round").get(pk=report.pk)
    if level not in PublicationLevel.values:
        raise ValidationError({"publication_level": _("Choose one of the levels shown.")})
    if report.round.state not in CHOOSABLE_STATES:
        raise ValidationError(
            _(
                "The city chooses who may read the report from the factual check on; this round is at “%(state)s”."
            )
            % {"state": RoundState(report.round.state).label}
        )
    if level not in wider_or_equal_levels(report):
        raise ValidationError(
            {
                "publication_level": _(
                    "The report is published to “%(current)s”: its readership can be widened, never narrowed, "
                    "because people may already have read or downloaded it."
                )
                % {"current": PublicationLevel(report.publication_level).label}
            }
        )
    if level != report.publication_level or report.publication_level_set_at is None:
        previous = report.publication_level
        report.publication_level = level
        report.publication_level_set_by = actor
        report.publication_level_set_at = timezone.now()
        # The report's content is unchanged: `updated_at` (its last edit) stays as it is.
        report.save(
            update_fields=["publication_level", "publication_level_set_by", "publication_level_set_at"]
        )
        if report.is_published and level != previous:
            publication_level_changed.send(sender=SummaryReport, report=report, previous=previous)
    return report


LEVEL_DESCRIPTIONS = {
    PublicationLevel.ROUND: gettext_lazy(
        "Your city's members, the round's evaluators and the network's coordinators. "
        "Nobody else can open the report or find it in the library."
    ),
    PublicationLevel.NETWORK: gettext_lazy(
        "Everyone signed in from any city of the network, and every evaluator, can read the report and "
        "its PDF and find its findings, good practice and action proposals in the library. "
        "It is not public."
    ),
    PublicationLevel.PUBLIC: gettext_lazy(
        "Anyone with the link can read the report and download its PDF without signing in; "
        "the network finds it in the library as well."
    ),
}
