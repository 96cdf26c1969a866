"""Opening a round, its overview page, moving it to the next step and cancelling it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import selectors
from ..activity import ACTIVITY_LIMIT, recent_activity
from ..forms.rounds import CancelRoundForm, RoundDatesForm, RoundFilterForm, RoundForm, TransitionForm
from ..models import Round, RoundState
from ..paging import bounded_page
from ..permissions import require, round_access
from ..services.rounds import (
    TransitionError,
    allowed_next_states,
    cancel_round,
    change_round_dates,
    create_round,
    transition_round,
)

S = RoundState

# Steps that have their own action elsewhere, so the "move to next step" form leaves them out:
# the city submits its pre-report, the report editor sends the draft for the factual check
# (after checking the draft is complete), and the report page publishes.
NOT_OFFERED_HERE = {S.CANCELLED, S.PREREPORT_SUBMITTED, S.FACTUAL_CHECK, S.PUBLISHED}

# What moving to a step means, shown next to each choice.
TRANSITION_HELP = {
    S.PREREPORT_OPEN: gettext_lazy(
        "The host city can fill in its pre-report; an empty answer is prepared for every criterion."
    ),
    S.SCORING: gettext_lazy(
        "The evaluators score the submitted pre-report. Needs at least two accepted evaluators, one of them the lead."
    ),
    S.ASSESSMENT: gettext_lazy("Closes scoring. Needs every evaluator's scores to be submitted."),
    S.DRAFTING: gettext_lazy("The assessment days are over; the lead evaluator drafts the summary report."),
}


def _problems(error: Exception) -> list[str]:
    if isinstance(error, TransitionError):
        return [str(problem) for problem in error.problems]
    if isinstance(error, ValidationError):
        return [str(message) for message in error.messages]
    return [str(error)]


ROUNDS_PER_PAGE = 25


def round_list(request: HttpRequest) -> HttpResponse:
    """Every round of the network for coordinators: search, filters, pages (never all at once,
    never all counted: "more than 1000 rounds")."""
    if not request.user.is_coordinator:
        raise PermissionDenied(_("Only coordinators see the list of all rounds."))
    form = RoundFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    page = bounded_page(
        selectors.coordinator_round_list(filters, today), ROUNDS_PER_PAGE, request.GET.get("page")
    )
    page.object_list = selectors.with_panel_counts(page.object_list)
    for review_round in page.object_list:
        review_round.coordinator_hint = selectors.coordinator_hint(review_round)
    return render(
        request,
        "peerreview/rounds/round_list.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "filtered": bool(filters and any(filters.values())),
        },
    )


def round_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_coordinator:
        raise PermissionDenied(_("Only coordinators open new rounds."))
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_round = create_round(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for problem in _problems(error):
                form.add_error(None, problem)
        else:
            messages.success(
                request,
                _("The round “%(title)s” is open for planning. Next, invite the evaluators to its panel.")
                % {"title": review_round.title},
            )
            return redirect("peerreview:round_detail", round_id=review_round.pk)
    return render(request, "peerreview/rounds/round_form.html", {"form": form})


def round_dates(request: HttpRequest, round_id: int) -> HttpResponse:
    """A coordinator moves the round's due dates; the reminders follow (they are computed from them)."""
    access = round_access(request.user, round_id)
    require(access.refuse_edit_dates)
    review_round = access.round
    form = RoundDatesForm(request.POST or None, instance=Round.objects.get(pk=review_round.pk))
    if request.method == "POST" and form.is_valid():
        try:
            change_round_dates(
                review_round=review_round, actor=request.user, changes=form.changes(), bases=form.bases()
            )
        except ValidationError as error:
            for problem in _problems(error):
                form.add_error(None, problem)
        else:
            if form.changes():
                messages.success(
                    request,
                    _("The dates are saved. Reminders go out for the new dates; none for the old ones."),
                )
            else:
                messages.info(request, _("No date was changed."))
            return redirect("peerreview:round_detail", round_id=review_round.pk)
    return render(request, "peerreview/rounds/round_dates.html", {"review_round": review_round, "form": form})


def _transition_choices(access) -> list[tuple[str, str]]:
    return [
        (state, RoundState(state).label)
        for state in allowed_next_states(access.round)
        if state not in NOT_OFFERED_HERE
        and not access.refuse_transition(state)
        # A repeat round opens with its own button, which carries the earlier proposals over.
        and not (state == RoundState.PREREPORT_OPEN and access.round.is_repeat)
    ]


def _links(access) -> list[dict]:
    """The pages of the round this user may use now, most relevant first."""
    review_round = access.round
    state = review_round.state
    pk = review_round.pk
    links: list[dict] = []

    def add(label, url_name, description, primary=False):
        links.append({"label": label, "url_name": url_name, "description": description, "primary": primary})

    # The pre-report exists from the step "pre-report open" on.
    if hasattr(review_round, "prereport"):
        if not access.refuse_edit_prereport():
            add(
                _("Fill in the pre-report"),
                "peerreview:prereport_edit",
                _("Self-assessment and self-score per criterion, evidence files and guiding questions."),
                primary=True,
            )
            add(
                _("Enter indicator values"),
                "peerreview:indicators_edit",
                _("Figures per year with their source, for the report's indicator annex."),
            )
        elif not access.refuse_view_prereport():
            add(
                _("Read the pre-report"),
                "peerreview:prereport_edit",
                _("The city's self-assessment, self-scores, evidence and guiding questions."),
                primary=state == S.SCORING and access.is_panel_member,
            )
            add(
                _("Indicator values"),
                "peerreview:indicators_edit",
                _("The city's figures per year with their source."),
            )
    if not access.refuse_edit_dates():
        add(
            _("Change the dates"),
            "peerreview:round_dates",
            _("The due date of each step; reminders follow the new dates."),
        )
    if not access.refuse_manage_panel():
        add(
            _("Manage the panel"),
            "peerreview:panel_manage",
            _("Invite evaluators from other cities; conflicts of interest are checked."),
            primary=state in (S.PLANNED, S.PREREPORT_OPEN),
        )
    if not access.refuse_score():
        add(
            _("Score the criteria"),
            "peerreview:scoring_sheet",
            _("Your score and comment per criterion; the others' scores show once you submit."),
            primary=True,
        )
    if state in (S.SCORING, S.ASSESSMENT, S.DRAFTING, S.FACTUAL_CHECK, S.PUBLISHED):
        if not access.refuse_record_agreed_scores():
            add(
                _("Record the agreed scores"),
                "peerreview:score_overview",
                _("All scores side by side; enter the panel's agreed score and rationale."),
                primary=state == S.ASSESSMENT,
            )
        elif not access.refuse_view_score_overview():
            add(
                _("Score overview"),
                "peerreview:score_overview",
                _("All scores side by side, with the spread."),
            )
    if state in (S.PREREPORT_SUBMITTED, S.SCORING, S.ASSESSMENT, S.DRAFTING, S.FACTUAL_CHECK, S.PUBLISHED):
        if not access.refuse_plan_assessment():
            add(
                _("Plan the assessment days"),
                "peerreview:assessment_planner",
                _("Days, sessions, interviewees by role and the criteria each session probes."),
            )
        elif not access.refuse_view_assessment():
            add(
                _("Assessment days"),
                "peerreview:assessment_planner",
                _("The programme of the assessment days: sessions and interviewees."),
            )
    # The report pages belong to the reports app, which checks its own rules (reports/permissions.py,
    # which this app may not import): these links follow the same steps and roles.
    if state in (S.ASSESSMENT, S.DRAFTING, S.FACTUAL_CHECK) and (access.is_lead or access.is_coordinator):
        add(
            _("Write the report"),
            "reports:report_edit",
            _("Findings, action proposals and the summary; send the draft to the city from there."),
            primary=state == S.DRAFTING,
        )
    if state == S.FACTUAL_CHECK and access.is_host_member:
        add(
            _("Check the draft report"),
            "reports:factual_check",
            _("Point out factual errors and write the city's response before the report is published."),
            primary=True,
        )
    if state == S.FACTUAL_CHECK and access.is_coordinator:
        add(
            _("Sign off and publish the report"),
            "reports:report_view",
            _("Read the draft and the city's comments, then publish; publishing schedules the repeat round."),
            primary=True,
        )
    elif state == S.FACTUAL_CHECK and access.is_panel_member:
        add(
            _("Read the draft report"),
            "reports:report_view",
            _("The draft as the city sees it during the factual check."),
        )
    if state == S.PUBLISHED:
        add(_("Read the report"), "reports:report_view", _("The published summary report."), primary=True)
    # The panel's threads (reports.permissions.refuse_view_discussion decides; never the city).
    if access.is_coordinator or (
        access.is_panel_member and (state != S.SCORING or access.assignment.has_submitted_scores)
    ):
        add(
            _("Panel discussion"),
            "reports:discussion",
            _(
                "Threads per criterion and one general thread for the panel and coordinators; the city does not see them."
            ),
        )
    if access.is_panel_member and not access.is_lead and state in (S.ASSESSMENT, S.DRAFTING, S.FACTUAL_CHECK):
        add(
            _("Suggest findings and action proposals"),
            "reports:suggestions",
            _("Your proposals for the report; the lead evaluator accepts them into it."),
        )
    for link in links:
        link["pk"] = pk
    links.sort(key=lambda link: not link["primary"])
    return links


def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    review_round = access.round
    today = timezone.localdate()
    choices = _transition_choices(access) if access.is_coordinator else []
    transition_form = TransitionForm(choices=choices) if choices else None
    context = {
        "review_round": review_round,
        "today": today,
        "access": access,
        "links": _links(access),
        "due_steps": selectors.due_steps(review_round, today),
        "due_label": selectors.due_label(review_round.state),
        "panel": selectors.panel_rows(review_round, include_all=access.is_coordinator),
        "events": selectors.round_events(review_round),
        "activity": recent_activity(access),
        "activity_limit": ACTIVITY_LIMIT,
        "reminders": selectors.round_reminders(review_round) if access.is_coordinator else [],
        "transition_form": transition_form,
        "transition_help": [(state, label, TRANSITION_HELP.get(state, "")) for state, label in choices],
        "can_cancel": not review_round.is_closed and not access.refuse_transition(S.CANCELLED),
    }
    return render(request, "peerreview/rounds/round_detail.html", context)


@require_POST
def round_transition(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the step to move the round to."))
        return redirect("peerreview:round_detail", round_id=access.round.pk)
    to_state = form.cleaned_data["to_state"]
    require(lambda: access.refuse_transition(to_state))
    if to_state == S.CANCELLED:
        return redirect("peerreview:round_cancel", round_id=access.round.pk)
    if to_state == S.FACTUAL_CHECK:
        messages.info(
            request, _("Send the draft to the city from the report editor; it checks the draft is complete.")
        )
        return redirect("reports:report_edit", round_id=access.round.pk)
    try:
        transition_round(
            review_round=access.round, to_state=to_state, actor=request.user, note=form.cleaned_data["note"]
        )
    except (TransitionError, ValidationError) as error:
        messages.error(
            request,
            _("The round could not move to “%(state)s”:") % {"state": RoundState(to_state).label},
        )
        for problem in _problems(error):
            messages.error(request, problem)
    else:
        messages.success(
            request, _("The round is now at the step “%(state)s”.") % {"state": RoundState(to_state).label}
        )
    return redirect("peerreview:round_detail", round_id=access.round.pk)


def round_cancel(request: HttpRequest, round_id: int) -> HttpResponse:
    access = round_access(request.user, round_id)
    require(lambda: access.refuse_transition(S.CANCELLED))
    review_round = access.round
    if review_round.is_closed:
        messages.info(
            request,
            _("This round is already “%(state)s”; it cannot be cancelled.")
            % {"state": review_round.get_state_display()},
        )
        return redirect("peerreview:round_detail", round_id=review_round.pk)
    form = CancelRoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel_round(review_round=review_round, reason=form.cleaned_data["reason"], actor=request.user)
        except (TransitionError, ValidationError) as error:
            for problem in _problems(error):
                form.add_error(None, problem)
        else:
            messages.success(
                request, _("The round “%(title)s” is cancelled.") % {"title": review_round.title}
            )
            return redirect("peerreview:round_detail", round_id=review_round.pk)
    return render(
        request, "peerreview/rounds/round_cancel.html", {"review_round": review_round, "form": form}
    )
