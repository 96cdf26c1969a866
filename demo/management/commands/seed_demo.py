"""`manage.py seed_demo`: a realistic demo for a first look.

Seven cities, a coordinator, host-city members and evaluators, and a round at every step of the
process, each driven through the real services (create, open, fill, submit, invite, accept, score,
agree, write the report, factual check, publish). Dates are relative to today and backdated after
the fact where the services stamp "now". The texts live in `demo.content`.

Without `--reset` the command does nothing when the demo coordinator already exists.
"""

from __future__ import annotations

import datetime
import logging
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal

from celery import current_app
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone

from cities.models import City, DeclaredConflict, EvaluatorProfile, JointProcurementUnit, Membership, User
from demo import content
from network.tallies import rebuild_tallies
from peerreview.background import run_inline
from peerreview.models import (
    AgreedScore,
    Answer,
    AssessmentDay,
    Assignment,
    Criterion,
    EvidenceFile,
    Framework,
    Indicator,
    IndicatorValue,
    Interviewee,
    Notification,
    PreReport,
    Round,
    RoundEvent,
    RoundState,
    Score,
    Session,
)
from peerreview.services.evaluator_load import rebuild_loads
from peerreview.services.framework_loader import load_default_framework
from peerreview.services.panel import (
    ensure_scores,
    invite_evaluator,
    record_agreed_score,
    respond_to_invitation,
    submit_scores,
)
from peerreview.services.prereport import add_evidence, submit_pre_report
from peerreview.services.rounds import add_months, cancel_round, create_round, transition_round
from reports import pdf_requests
from reports.models import PublicationLevel, ReportPdf, SummaryReport
from reports.publication import set_publication_level
from reports.services import (
    get_or_create_report,
    publish_report,
    record_factual_comment,
    save_action_proposals,
    save_findings,
    save_report_texts,
    send_for_factual_check,
)

DEMO_PASSWORD = "review-demo-2026"
DEMO_EMAIL_DOMAIN = "@demo.eu"
S = RoundState
LEAD, MEMBER = Assignment.Role.LEAD, Assignment.Role.MEMBER


@dataclass
class Demo:
    """What every round builder needs: today, the framework, and the people and places by key."""

    today: datetime.date
    framework: Framework
    coordinator: User
    cities: dict[str, City]
    users: dict[str, User]
    criteria: dict[str, Criterion]
    indicators: dict[str, Indicator]

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def host(self, city_key: str) -> User:
        return self.users[f"{city_key}{DEMO_EMAIL_DOMAIN}"]


# --- small helpers -----------------------------------------------------------------------


@contextmanager
def no_outgoing_mail() -> Iterator[None]:
    """While seeding, notifications are recorded but no e-mail leaves the machine: mail goes to
    Django's dummy backend and background tasks run in-process (quietly, and in this thread, so
    seeding has finished its work when it ends), so a worker never sends them."""
    previous = current_app.conf.task_always_eager
    task_log = logging.getLogger("celery.app.trace")
    previous_level = task_log.level
    current_app.conf.task_always_eager = True
    task_log.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), run_inline():
            yield
    finally:
        current_app.conf.task_always_eager = previous
        task_log.setLevel(previous_level)


@contextmanager
def pdfs_rendered_on_first_download() -> Iterator[None]:
    """Publishing asks for the final PDF's render (seconds each, in this thread while seeding). For
    the earlier demo reports nothing is asked for until someone first downloads the PDF (the
    download answers 202 and the render follows), which keeps seeding fast. Tampere's PDF is
    rendered while seeding."""
    with pdf_requests.suspended():
        yield


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """An aware datetime on `day` at `hour` o'clock, local time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def first_working_day(day: datetime.date) -> datetime.date:
    """`day`, or the next Monday–Thursday, so that two assessment days fall on working days."""
    while day.weekday() > 3:
        day += datetime.timedelta(days=1)
    return day


def schedule(opens: datetime.date, **overrides: datetime.date) -> dict[str, datetime.date]:
    """Due dates of a round that opens on `opens`: six weeks for the pre-report, then scoring,
    assessment days, the draft report and the factual check."""
    dates = {
        "opens_on": opens,
        "prereport_due": opens + datetime.timedelta(weeks=6),
        "scoring_due": opens + datetime.timedelta(weeks=10),
        "assessment_due": opens + datetime.timedelta(weeks=15),
        "report_due": opens + datetime.timedelta(weeks=21),
        "factual_check_due": opens + datetime.timedelta(weeks=24),
    }
    dates.update(overrides)
    return dates


def minimal_pdf(title: str, lines: list[str]) -> bytes:
    """A small, valid one-page PDF with a title and a few lines of text."""

    def literal(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream_lines = ["BT", "/F1 15 Tf", "56 780 Td", f"({literal(title)}) Tj", "/F1 10 Tf", "0 -28 Td"]
    for line in lines:
        stream_lines += [f"({literal(line)}) Tj", "0 -16 Td"]
    stream_lines += [
        "0 -16 Td",
        "(Demo document generated for the procurement peer-review platform.) Tj",
        "ET",
    ]
    stream = "\n".join(stream_lines).encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (" + literal(title).encode("cp1252", errors="replace") + b") /Producer (seed_demo) >>",
    ]
    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    output += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    output += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(output)


def city_text(template: str, city: City) -> str:
    """A content template filled in for `city` ({city}, {unit}, {spend})."""
    spend = f"EUR {int(city.annual_procurement_spend_eur or 0) / 1_000_000:,.0f} million"
    return template.format(city=city.name, unit=city.procurement_unit, spend=spend)


# --- building blocks of a round ----------------------------------------------------------


def new_round(demo: Demo, city_key: str, opens: datetime.date, **overrides: datetime.date) -> Round:
    """Create a round through the service and open its pre-report."""
    city = demo.cities[city_key]
    review_round = create_round(
        host_city=city,
        framework=demo.framework,
        title=f"{city.name} {opens.year}",
        language=city.report_language,  # the host city's: Finnish for Tampere, Swedish for Malmö
        actor=demo.coordinator,
        **schedule(opens, **overrides),
    )
    transition_round(review_round=review_round, to_state=S.PREREPORT_OPEN, actor=demo.coordinator)
    return review_round


def fill_prereport(
    review_round: Round, *, context: str, questions: list[str], answers: dict[str, tuple[int | None, str]]
) -> PreReport:
    """Write the pre-report as the city's editor would save it: context, guiding questions, answers."""
    prereport = review_round.prereport
    prereport.context = context
    for index, question in enumerate(questions[:3], start=1):
        setattr(prereport, f"guiding_question_{index}", question)
    prereport.save()
    rows = list(prereport.answers.select_related("criterion"))
    for answer in rows:
        if answer.criterion.code in answers:
            answer.self_score, answer.narrative = answers[answer.criterion.code]
    Answer.objects.bulk_update(rows, ["self_score", "narrative"])
    return prereport


def generic_answers(
    demo: Demo, city_key: str, codes: list[str] | None = None
) -> dict[str, tuple[int | None, str]]:
    """Self-assessments of a city from the templates: every criterion, or only `codes`."""
    profile = content.CITY_PROFILES[city_key]
    city = demo.cities[city_key]
    scores = dict(zip(content.SCORED_CODES, profile["self_scores"], strict=False))
    answers = {}
    for code, template in content.GENERIC_NARRATIVES.items():
        if codes is not None and code not in codes:
            continue
        theme_code, position = code.split(".")
        narrative = city_text(template, city)
        if position == "1" and theme_code in profile["flavour"]:
            narrative = f"{narrative} {profile['flavour'][theme_code]}"
        answers[code] = (scores.get(code), narrative)
    return answers


def add_indicator_values(
    demo: Demo, prereport: PreReport, values: dict[str, tuple[tuple[float, ...], str]], last_year: int
) -> None:
    """Indicator values for the three years up to `last_year`, with their sources."""
    rows = []
    for code, (series, source) in values.items():
        first_year = last_year - len(series) + 1
        for offset, value in enumerate(series):
            rows.append(
                IndicatorValue(
                    prereport=prereport,
                    indicator=demo.indicators[code],
                    year=first_year + offset,
                    value=Decimal(str(round(value, 1))),
                    source=source,
                )
            )
    IndicatorValue.objects.bulk_create(rows)


def generic_indicators(
    city: City, city_key: str, codes: list[str] | None = None
) -> dict[str, tuple[tuple[float, ...], str]]:
    """A city's indicator series for three years, from its latest values and a yearly trend."""
    values = {}
    for index, latest in enumerate(content.CITY_INDICATOR_LATEST[city_key]):
        code = f"IND.{index + 1}"
        if codes is not None and code not in codes:
            continue
        change = content.INDICATOR_YEARLY_CHANGE[index]
        series = (max(latest - 2 * change, 0), max(latest - change, 0), latest)
        values[code] = (series, city_text(content.INDICATOR_SOURCES[code], city))
    return values


def add_pdf_evidence(
    demo: Demo, prereport: PreReport, spec: dict, user: User, uploaded: datetime.date
) -> EvidenceFile:
    """Upload a generated PDF through the evidence service (validation included)."""
    upload = SimpleUploadedFile(
        spec["filename"], minimal_pdf(spec["title"], spec["lines"]), "application/pdf"
    )
    evidence = add_evidence(
        prereport=prereport,
        upload=upload,
        user=user,
        criterion=demo.criteria.get(spec.get("criterion", "")),
        description=spec["description"],
    )
    EvidenceFile.objects.filter(pk=evidence.pk).update(uploaded_at=at(uploaded, 14))
    return evidence


def invite_panel(
    demo: Demo,
    review_round: Round,
    seats: list[tuple[str, str]],
    *,
    invited: datetime.date,
    accept: bool = True,
) -> list[Assignment]:
    """Invite evaluators (e-mail, role) and, unless `accept` is False, accept for them."""
    panel = []
    for email, role in seats:
        assignment = invite_evaluator(
            review_round=review_round,
            evaluator=demo.users[email],
            role=role,
            invited_by=demo.coordinator,
            acknowledge_warnings=True,
            due_date=invited + datetime.timedelta(days=21),
        )
        Assignment.objects.filter(pk=assignment.pk).update(invited_at=at(invited, 9))
        if accept:
            respond_to_invitation(assignment=assignment, accept=True)
            Assignment.objects.filter(pk=assignment.pk).update(
                responded_at=at(invited + datetime.timedelta(days=2))
            )
        panel.append(assignment)
    return panel


def fill_scores(
    assignment: Assignment, scores: dict[str, tuple[int, str]], *, submit_on: datetime.date | None
) -> None:
    """Fill an evaluator's scoring sheet and, with `submit_on`, submit it through the service."""
    rows = ensure_scores(assignment)
    for score in rows:
        if score.criterion.code in scores:
            score.level, score.comment = scores[score.criterion.code]
    Score.objects.bulk_update(rows, ["level", "comment"])
    if submit_on is not None:
        submit_scores(assignment=assignment)
        Assignment.objects.filter(pk=assignment.pk).update(scores_submitted_at=at(submit_on, 16))


def generic_scores(demo: Demo, city_key: str, seat: int) -> dict[str, tuple[int, str]]:
    """An evaluator's scores of a city: the self-score shifted by the seat's offsets, with a comment
    that says how it relates to the self-score."""
    self_scores = content.CITY_PROFILES[city_key]["self_scores"]
    offsets = content.SCORE_OFFSETS[seat % len(content.SCORE_OFFSETS)]
    city = demo.cities[city_key]
    scores = {}
    for index, code in enumerate(content.SCORED_CODES):
        level = min(max(self_scores[index] + offsets[index % len(offsets)], 0), 4)
        stance = (
            "same" if level == self_scores[index] else ("lower" if level < self_scores[index] else "higher")
        )
        variants = content.SCORE_STANCES[stance]
        note = city_text(content.GENERIC_SCORE_NOTES[code], city)
        scores[code] = (level, f"{note}. {variants[(index + seat) % len(variants)]}")
    return scores


def record_agreement(
    demo: Demo, review_round: Round, agreed: dict[str, tuple[int, str]], lead: User, on: datetime.date
) -> None:
    for code, (level, rationale) in agreed.items():
        record_agreed_score(
            review_round=review_round,
            criterion=demo.criteria[code],
            level=level,
            not_applicable=False,
            rationale=rationale,
            user=lead,
        )
    AgreedScore.objects.filter(round=review_round).update(recorded_at=at(on, 15))


def generic_agreement(demo: Demo, city_key: str, panel_size: int) -> dict[str, tuple[int, str]]:
    """The panel's agreed scores: the median (low) of the evaluators' levels, with a rationale."""
    sheets = [generic_scores(demo, city_key, seat) for seat in range(panel_size)]
    city = demo.cities[city_key]
    agreed = {}
    for code in content.SCORED_CODES:
        level = statistics.median_low([sheet[code][0] for sheet in sheets])
        note = city_text(content.GENERIC_SCORE_NOTES[code], city)
        rationale = content.GENERIC_RATIONALE.format(
            note=note, level=level, reason=content.LEVEL_REASONS[level]
        )
        agreed[code] = (level, rationale)
    return agreed


def plan_days(
    demo: Demo, review_round: Round, programme: list[dict], first_day: datetime.date, *, with_notes: bool
) -> None:
    """Assessment days with their sessions, interviewees and criteria probed."""
    city = review_round.host_city
    for day_spec in programme:
        day = AssessmentDay.objects.create(
            round=review_round,
            date=first_day + datetime.timedelta(days=day_spec["offset"]),
            location=city_text(day_spec["location"], city),
            notes=day_spec.get("notes", "") if with_notes else "",
        )
        for spec in day_spec["sessions"]:
            criteria = [demo.criteria[code] for code in spec["criteria"]]
            notes = spec.get("notes", "")
            if with_notes and not notes and criteria:
                note = city_text(content.GENERIC_SCORE_NOTES[criteria[0].code], city).lower()
                notes = content.GENERIC_SESSION_NOTES.format(note=note)
            session = Session.objects.create(
                day=day,
                start_time=datetime.time.fromisoformat(spec["start"]),
                end_time=datetime.time.fromisoformat(spec["end"]),
                topic=spec["topic"],
                notes=notes if with_notes else "",
            )
            session.criteria.set(criteria)
            Interviewee.objects.bulk_create(
                Interviewee(
                    session=session,
                    role=role,
                    name=name,
                    organisation=city_text(organisation, city),
                    consent_to_name=consent,
                )
                for role, name, organisation, consent in spec["interviewees"]
            )


def write_report(
    demo: Demo,
    review_round: Round,
    texts: dict[str, str],
    findings: dict[str, dict[str, str]],
    proposals: list[dict],
) -> SummaryReport:
    """Write the summary report through the report services, as the lead evaluator would."""
    report = get_or_create_report(review_round)
    # The demo's texts are in English, the international panel's working language: in a Finnish or
    # Swedish report they are tagged as English (lang="en" on the page, /Lang in the PDF).
    if review_round.language != "en":
        SummaryReport.objects.filter(pk=report.pk).update(text_language="en")
        report.text_language = "en"
    save_report_texts(report=report, **texts)
    by_code = {finding.criterion.code: finding.pk for finding in report.findings.select_related("criterion")}
    save_findings(
        report=report, changes={by_code[code]: fields for code, fields in findings.items() if code in by_code}
    )
    rows = [
        {**proposal, "pk": None, "criterion": demo.criteria.get(proposal["criterion"])}
        for proposal in proposals
    ]
    save_action_proposals(report=report, rows=rows)
    return report


def generic_findings(
    city: City, codes: list[str] | None = None, good_practice: dict[str, str] | None = None
) -> dict[str, dict[str, str]]:
    findings = {}
    for code, (evidence, strengths, areas) in content.GENERIC_FINDINGS.items():
        if codes is not None and code.split(".")[0] not in codes:
            continue
        findings[code] = {
            "evidence": city_text(evidence, city),
            "strengths": city_text(strengths, city),
            "areas_to_develop": city_text(areas, city),
            "good_practice": (good_practice or {}).get(code, ""),
        }
    return findings


def backdate(review_round: Round, created: datetime.date, steps: dict[str, datetime.date]) -> None:
    """Rewrite the stamps the services set to "now" so the round reads as it happened:
    its creation, each state change in the audit trail, the pre-report's submission and the
    notifications the services recorded (older ones marked read)."""
    events_before = list(RoundEvent.objects.filter(round=review_round).order_by("at", "pk"))
    Round.objects.filter(pk=review_round.pk).update(created_at=at(created, 9))
    RoundEvent.objects.filter(round=review_round, to_state=S.PLANNED).update(at=at(created, 9))
    for state, day in steps.items():
        RoundEvent.objects.filter(round=review_round, to_state=state).update(at=at(day, 11))
    if S.PREREPORT_SUBMITTED in steps:
        PreReport.objects.filter(round=review_round).update(submitted_at=at(steps[S.PREREPORT_SUBMITTED], 11))
    new_times = dict(RoundEvent.objects.filter(round=review_round).values_list("pk", "at"))
    backdate_notifications(review_round, events_before, new_times)


def backdate_notifications(
    review_round: Round, events_before: list[RoundEvent], new_times: dict[int, datetime.datetime]
) -> None:
    """Date each notification of the round like the change it tells about: an invitation when it
    was sent, "all scores in" when the last sheet was submitted, anything else at the state change
    that came just before it."""
    assignments = list(review_round.assignments.all())
    invited = {a.evaluator_id: a.invited_at for a in assignments}
    submitted = [a.scores_submitted_at for a in assignments if a.scores_submitted_at]
    recent = timezone.now() - datetime.timedelta(days=14)
    notifications = list(Notification.objects.filter(round=review_round))
    for notification in notifications:
        stamp = None
        if notification.kind == Notification.Kind.INVITATION:
            stamp = invited.get(notification.recipient_id)
        elif notification.kind == Notification.Kind.SCORES_IN and submitted:
            stamp = max(submitted)
        if stamp is None:
            earlier = [event for event in events_before if event.at <= notification.created_at]
            stamp = new_times[earlier[-1].pk] if earlier else notification.created_at
        stamp += datetime.timedelta(minutes=1)
        notification.created_at = stamp
        notification.sent_at = stamp if notification.sent_at else None
        notification.read = stamp < recent
    Notification.objects.bulk_update(notifications, ["created_at", "sent_at", "read"])


# --- the rounds ---------------------------------------------------------------------------


def seed_tampere(demo: Demo) -> Round:
    """Tampere: published, with a complete report; publishing planned the repeat round."""
    opens = demo.day(-450)
    review_round = new_round(demo, "tampere", opens)
    host = demo.host("tampere")
    prereport = fill_prereport(
        review_round,
        context=content.TAMPERE_CONTEXT,
        questions=content.TAMPERE_GUIDING_QUESTIONS,
        answers=content.TAMPERE_ANSWERS,
    )
    for index, spec in enumerate(content.TAMPERE_EVIDENCE):
        add_pdf_evidence(demo, prereport, spec, host, opens + datetime.timedelta(days=20 + index * 7))
    add_indicator_values(demo, prereport, content.TAMPERE_INDICATORS, last_year=opens.year - 1)
    seats = [("eva.lund@demo.eu", LEAD), ("jan.devries@demo.eu", MEMBER), ("sofie.peeters@demo.eu", MEMBER)]
    panel = invite_panel(demo, review_round, seats, invited=opens + datetime.timedelta(days=10))

    submitted, scoring = opens + datetime.timedelta(days=40), opens + datetime.timedelta(days=42)
    submit_pre_report(review_round=review_round, user=host)
    transition_round(review_round=review_round, to_state=S.SCORING, actor=demo.coordinator)
    for seat, assignment in enumerate(panel):
        sheet = {code: levels[seat] for code, levels in content.TAMPERE_SCORES.items()}
        fill_scores(assignment, sheet, submit_on=scoring + datetime.timedelta(days=18 + seat * 3))

    assessment = scoring + datetime.timedelta(days=27)
    transition_round(review_round=review_round, to_state=S.ASSESSMENT, actor=demo.coordinator)
    first_day = first_working_day(assessment + datetime.timedelta(days=14))
    plan_days(demo, review_round, content.TAMPERE_DAYS, first_day, with_notes=True)
    lead = panel[0].evaluator
    record_agreement(demo, review_round, content.TAMPERE_AGREED, lead, first_day + datetime.timedelta(days=1))

    drafting = first_day + datetime.timedelta(days=3)
    transition_round(review_round=review_round, to_state=S.DRAFTING, actor=lead)
    report = write_report(
        demo, review_round, content.TAMPERE_REPORT, content.TAMPERE_FINDINGS, content.TAMPERE_PROPOSALS
    )
    factual_check = drafting + datetime.timedelta(days=45)
    send_for_factual_check(review_round=review_round, actor=lead)
    record_factual_comment(
        report=report,
        comment=content.TAMPERE_FACTUAL_COMMENT,
        city_response=content.TAMPERE_CITY_RESPONSE,
        user=host,
    )
    # The city shares its report with the whole network; the coordinator publishes with that choice.
    set_publication_level(report=report, level=PublicationLevel.NETWORK, actor=host)
    published = factual_check + datetime.timedelta(days=26)
    publish_report(review_round=review_round, actor=demo.coordinator, repeat_interval_months=18)

    backdate(
        review_round,
        created=opens - datetime.timedelta(days=20),
        steps={
            S.PREREPORT_OPEN: opens,
            S.PREREPORT_SUBMITTED: submitted,
            S.SCORING: scoring,
            S.ASSESSMENT: assessment,
            S.DRAFTING: drafting,
            S.FACTUAL_CHECK: factual_check,
            S.PUBLISHED: published,
        },
    )
    Round.objects.filter(pk=review_round.pk).update(published_at=at(published, 12))
    SummaryReport.objects.filter(pk=report.pk).update(
        published_at=at(published, 12),
        factual_comment_at=at(factual_check + datetime.timedelta(days=9), 15),
        publication_level_set_at=at(factual_check + datetime.timedelta(days=9), 15),
        updated_at=at(published, 12),
    )
    # The repeat round planned by publication opens 18 months after the backdated publication.
    repeat = review_round.repeat_rounds.get()
    opens_again = add_months(published, review_round.repeat_interval_months)
    repeat.title = repeat.title.replace(str(repeat.opens_on.year), str(opens_again.year))
    repeat.opens_on = opens_again
    repeat.save(update_fields=["title", "opens_on", "updated_at"])
    Round.objects.filter(pk=repeat.pk).update(created_at=at(published, 12))
    return review_round


def seed_espoo(demo: Demo) -> Round:
    """Espoo: pre-report open and about 40% written, due in three weeks; two invitations pending."""
    opens = demo.day(-21)
    review_round = new_round(demo, "espoo", opens)
    profile = content.CITY_PROFILES["espoo"]
    answers = generic_answers(demo, "espoo", codes=content.SCORED_CODES[:10])
    answers["HOW.4"] = (None, answers["HOW.4"][1])  # written, but no self-score chosen yet
    prereport = fill_prereport(
        review_round, context=profile["context"], questions=profile["guiding_questions"], answers=answers
    )
    add_pdf_evidence(demo, prereport, content.CITY_EVIDENCE["espoo"], demo.host("espoo"), demo.day(-6))
    add_indicator_values(
        demo,
        prereport,
        generic_indicators(demo.cities["espoo"], "espoo", codes=["IND.1", "IND.2", "IND.3", "IND.5"]),
        last_year=demo.today.year - 1,
    )
    seats = [("eva.lund@demo.eu", LEAD), ("jan.devries@demo.eu", MEMBER)]
    invite_panel(demo, review_round, seats, invited=demo.day(-3), accept=False)
    backdate(review_round, created=opens - datetime.timedelta(days=14), steps={S.PREREPORT_OPEN: opens})
    return review_round


def complete_prereport(demo: Demo, review_round: Round, city_key: str, uploaded: datetime.date) -> PreReport:
    """A whole pre-report from the templates, with one evidence file and indicator values."""
    profile = content.CITY_PROFILES[city_key]
    prereport = fill_prereport(
        review_round,
        context=profile["context"],
        questions=profile["guiding_questions"],
        answers=generic_answers(demo, city_key),
    )
    add_pdf_evidence(demo, prereport, content.CITY_EVIDENCE[city_key], demo.host(city_key), uploaded)
    city = demo.cities[city_key]
    add_indicator_values(
        demo, prereport, generic_indicators(city, city_key), last_year=review_round.opens_on.year - 1
    )
    return prereport


def seed_malmo(demo: Demo) -> Round:
    """Malmö: pre-report submitted, a panel of two has accepted; scoring is next."""
    opens = demo.day(-55)
    review_round = new_round(demo, "malmo", opens, scoring_due=demo.day(21))
    complete_prereport(demo, review_round, "malmo", opens + datetime.timedelta(days=30))
    seats = [("ana.sousa@demo.eu", LEAD), ("karin.lindqvist@demo.eu", MEMBER)]
    invite_panel(demo, review_round, seats, invited=opens + datetime.timedelta(days=14))
    submit_pre_report(review_round=review_round, user=demo.host("malmo"))
    backdate(
        review_round,
        created=opens - datetime.timedelta(days=14),
        steps={S.PREREPORT_OPEN: opens, S.PREREPORT_SUBMITTED: demo.day(-15)},
    )
    return review_round


def seed_utrecht(demo: Demo) -> Round:
    """Utrecht: scoring, overdue; the lead has submitted, the other evaluator is still drafting."""
    opens = demo.day(-100)
    review_round = new_round(demo, "utrecht", opens, scoring_due=demo.day(-6), assessment_due=demo.day(35))
    complete_prereport(demo, review_round, "utrecht", opens + datetime.timedelta(days=25))
    seats = [("sofie.peeters@demo.eu", LEAD), ("karin.lindqvist@demo.eu", MEMBER)]
    lead, member = invite_panel(demo, review_round, seats, invited=opens + datetime.timedelta(days=12))
    submit_pre_report(review_round=review_round, user=demo.host("utrecht"))
    transition_round(review_round=review_round, to_state=S.SCORING, actor=demo.coordinator)
    fill_scores(lead, generic_scores(demo, "utrecht", 0), submit_on=demo.day(-12))
    drafted = dict(list(generic_scores(demo, "utrecht", 1).items())[:12])
    fill_scores(member, drafted, submit_on=None)
    backdate(
        review_round,
        created=opens - datetime.timedelta(days=10),
        steps={S.PREREPORT_OPEN: opens, S.PREREPORT_SUBMITTED: demo.day(-60), S.SCORING: demo.day(-57)},
    )
    return review_round


def seed_ghent(demo: Demo) -> Round:
    """Ghent: assessment days; all scores are in and two days are planned ahead."""
    first_day = first_working_day(demo.day(8))
    opens = demo.day(-110)
    review_round = new_round(demo, "ghent", opens, assessment_due=first_day + datetime.timedelta(days=7))
    complete_prereport(demo, review_round, "ghent", opens + datetime.timedelta(days=30))
    seats = [("eva.lund@demo.eu", LEAD), ("ana.sousa@demo.eu", MEMBER), ("mikko.virtanen@demo.eu", MEMBER)]
    panel = invite_panel(demo, review_round, seats, invited=opens + datetime.timedelta(days=10))
    submit_pre_report(review_round=review_round, user=demo.host("ghent"))
    transition_round(review_round=review_round, to_state=S.SCORING, actor=demo.coordinator)
    for seat, assignment in enumerate(panel):
        fill_scores(assignment, generic_scores(demo, "ghent", seat), submit_on=demo.day(-45 + seat * 2))
    transition_round(review_round=review_round, to_state=S.ASSESSMENT, actor=demo.coordinator)
    plan_days(demo, review_round, content.GENERIC_PROGRAMME, first_day, with_notes=False)
    backdate(
        review_round,
        created=opens - datetime.timedelta(days=10),
        steps={
            S.PREREPORT_OPEN: opens,
            S.PREREPORT_SUBMITTED: demo.day(-70),
            S.SCORING: demo.day(-66),
            S.ASSESSMENT: demo.day(-38),
        },
    )
    return review_round


# When the steps of a round happen, in days after it opens (the generic rounds that got further).
STEP_DAYS = {S.PREREPORT_SUBMITTED: 40, S.SCORING: 43, S.ASSESSMENT: 68}
FIRST_ASSESSMENT_DAY = 95


def scored_and_assessed(
    demo: Demo, city_key: str, opens: datetime.date, seats: list[tuple[str, str]], **dates: datetime.date
) -> tuple[Round, list[Assignment], dict[str, datetime.date]]:
    """A round taken through submission, scoring and assessment days (in the past) to report
    drafting, with agreed scores. Returns the round, its panel and the dates of its steps."""
    review_round = new_round(demo, city_key, opens, **dates)
    complete_prereport(demo, review_round, city_key, opens + datetime.timedelta(days=28))
    panel = invite_panel(demo, review_round, seats, invited=opens + datetime.timedelta(days=10))
    submit_pre_report(review_round=review_round, user=demo.host(city_key))
    transition_round(review_round=review_round, to_state=S.SCORING, actor=demo.coordinator)
    for seat, assignment in enumerate(panel):
        submitted = opens + datetime.timedelta(days=60 + seat * 3)
        fill_scores(assignment, generic_scores(demo, city_key, seat), submit_on=submitted)
    transition_round(review_round=review_round, to_state=S.ASSESSMENT, actor=demo.coordinator)
    first_day = first_working_day(opens + datetime.timedelta(days=FIRST_ASSESSMENT_DAY))
    plan_days(demo, review_round, content.GENERIC_PROGRAMME, first_day, with_notes=True)
    agreed = generic_agreement(demo, city_key, len(panel))
    record_agreement(demo, review_round, agreed, panel[0].evaluator, first_day + datetime.timedelta(days=1))
    transition_round(review_round=review_round, to_state=S.DRAFTING, actor=panel[0].evaluator)
    steps = {
        S.PREREPORT_OPEN: opens,
        **{state: opens + datetime.timedelta(days=n) for state, n in STEP_DAYS.items()},
    }
    steps[S.DRAFTING] = first_day + datetime.timedelta(days=4)
    return review_round, panel, steps


def seed_porto(demo: Demo) -> Round:
    """Porto: report drafting; agreed scores recorded, the report partly written."""
    opens = demo.day(-130)
    seats = [
        ("jan.devries@demo.eu", LEAD),
        ("mikko.virtanen@demo.eu", MEMBER),
        ("karin.lindqvist@demo.eu", MEMBER),
    ]
    review_round, _panel, steps = scored_and_assessed(demo, "porto", opens, seats, report_due=demo.day(11))
    write_report(
        demo,
        review_round,
        content.PORTO_REPORT,
        generic_findings(demo.cities["porto"], codes=list(content.PORTO_WRITTEN_THEMES)),
        content.PORTO_PROPOSALS,
    )
    backdate(review_round, created=opens - datetime.timedelta(days=10), steps=steps)
    return review_round


def seed_gothenburg(demo: Demo) -> Round:
    """Gothenburg: the complete draft report is with the city for its factual check."""
    opens = demo.day(-160)
    seats = [("sofie.peeters@demo.eu", LEAD), ("mikko.virtanen@demo.eu", MEMBER)]
    review_round, panel, steps = scored_and_assessed(
        demo, "gothenburg", opens, seats, factual_check_due=demo.day(6)
    )
    write_report(
        demo,
        review_round,
        content.GOTHENBURG_REPORT,
        generic_findings(demo.cities["gothenburg"], good_practice=content.GOTHENBURG_GOOD_PRACTICE),
        content.GOTHENBURG_PROPOSALS,
    )
    send_for_factual_check(review_round=review_round, actor=panel[0].evaluator)
    steps[S.FACTUAL_CHECK] = demo.day(-14)
    backdate(review_round, created=opens - datetime.timedelta(days=10), steps=steps)
    return review_round


def seed_earlier_published(demo: Demo, city_key: str) -> Round:
    """A city's first review, published about two years ago to the level the city chose: the
    library's content. The city's current round is its next review, so the repeat round that
    publishing plans is not kept."""
    spec = content.EARLIER_PUBLISHED[city_key]
    opens = demo.day(spec["opens"])
    review_round, panel, steps = scored_and_assessed(demo, city_key, opens, spec["seats"])
    city = demo.cities[city_key]
    report = write_report(
        demo,
        review_round,
        spec["report"],
        generic_findings(city, good_practice=spec["good_practice"]),
        spec["proposals"],
    )
    send_for_factual_check(review_round=review_round, actor=panel[0].evaluator)
    set_publication_level(report=report, level=spec["level"], actor=demo.host(city_key))
    publish_report(review_round=review_round, actor=demo.coordinator, repeat_interval_months=18)
    review_round.repeat_rounds.all().delete()
    steps[S.FACTUAL_CHECK] = opens + datetime.timedelta(days=170)
    steps[S.PUBLISHED] = published = opens + datetime.timedelta(days=195)
    backdate(review_round, created=opens - datetime.timedelta(days=10), steps=steps)
    Round.objects.filter(pk=review_round.pk).update(published_at=at(published, 12))
    SummaryReport.objects.filter(pk=report.pk).update(
        published_at=at(published, 12),
        publication_level_set_at=at(published - datetime.timedelta(days=10), 12),
        updated_at=at(published, 12),
    )
    return review_round


def seed_earlier_rounds(demo: Demo) -> list[Round]:
    return [seed_earlier_published(demo, city_key) for city_key in content.EARLIER_PUBLISHED]


def seed_cancelled(demo: Demo) -> Round:
    """An earlier round cancelled at the city's request, with the reason."""
    spec = content.CANCELLED_ROUND
    opens = demo.day(-600)
    review_round = new_round(demo, spec["city"], opens)
    cancel_round(review_round=review_round, reason=spec["reason"], actor=demo.coordinator)
    cancelled = opens + datetime.timedelta(days=40)
    backdate(
        review_round,
        created=opens - datetime.timedelta(days=20),
        steps={S.PREREPORT_OPEN: opens, S.CANCELLED: cancelled},
    )
    return review_round


# The library's earlier reports: their PDFs are rendered on first download, not while seeding.
PDF_ON_FIRST_DOWNLOAD = {seed_earlier_rounds}

ROUND_BUILDERS = [
    seed_earlier_rounds,
    seed_cancelled,
    seed_tampere,
    seed_gothenburg,
    seed_porto,
    seed_ghent,
    seed_utrecht,
    seed_malmo,
    seed_espoo,
]


# --- people and places ----------------------------------------------------------------------


def demo_city_filter() -> Q:
    condition = Q(pk__in=[])
    for spec in content.CITIES.values():
        condition |= Q(name=spec["name"], country=spec["country"])
    return condition


@transaction.atomic
def seed_people(framework: Framework, today: datetime.date) -> Demo:
    """Cities, the joint procurement unit, the coordinator, host members, evaluators and a declared conflict."""
    cities = {key: City.objects.create(**spec) for key, spec in content.CITIES.items()}
    unit = JointProcurementUnit.objects.create(name=content.JOINT_UNIT["name"])
    unit.cities.set([cities[key] for key in content.JOINT_UNIT["cities"]])

    password = make_password(DEMO_PASSWORD)  # hashed once: the same password for every demo account
    coordinator = User.objects.create(
        **content.COORDINATOR, password=password, is_coordinator=True, is_staff=True, is_superuser=True
    )
    users = {coordinator.email: coordinator}
    for email, full_name, job_title, language, city_key, role in content.HOST_MEMBERS:
        user = User.objects.create(
            email=email, full_name=full_name, job_title=job_title, language=language, password=password
        )
        Membership.objects.create(user=user, city=cities[city_key], role=role)
        users[email] = user
    for email, full_name, job_title, language, city_key, expertise, languages in content.EVALUATORS:
        user = User.objects.create(
            email=email, full_name=full_name, job_title=job_title, language=language, password=password
        )
        EvaluatorProfile.objects.create(
            user=user, home_city=cities[city_key], expertise=expertise, languages=languages
        )
        users[email] = user
    for email, city_key in content.SECOND_ROLE_MEMBERSHIPS:
        Membership.objects.create(user=users[email], city=cities[city_key], role=Membership.Role.MEMBER)
    conflict = content.DECLARED_CONFLICT
    DeclaredConflict.objects.create(
        evaluator=users[conflict["evaluator"]], city=cities[conflict["city"]], reason=conflict["reason"]
    )
    return Demo(
        today=today,
        framework=framework,
        coordinator=coordinator,
        cities=cities,
        users=users,
        criteria={c.code: c for c in Criterion.objects.filter(theme__framework=framework)},
        indicators={i.code: i for i in Indicator.objects.filter(framework=framework)},
    )


@transaction.atomic
def delete_demo_data() -> None:
    """Remove the demo: rounds of the demo cities (newest repeat rounds first, evidence files and
    report PDFs included), the demo accounts, the cities and the joint procurement unit.
    The framework stays."""
    cities = City.objects.filter(demo_city_filter())
    rounds = Round.objects.filter(host_city__in=cities)
    stored_files = [
        *EvidenceFile.objects.filter(prereport__round__in=rounds),
        *ReportPdf.objects.filter(report__round__in=rounds),
    ]
    for stored in stored_files:
        stored.file.delete(save=False)
    while rounds.exists():
        # A round protects its repeat rounds' link to it: delete the last of each chain first.
        Round.objects.filter(host_city__in=cities, repeat_rounds__isnull=True).delete()
    demo_users = User.objects.filter(email__endswith=DEMO_EMAIL_DOMAIN)
    Assignment.objects.filter(evaluator__in=demo_users).delete()
    demo_users.delete()
    cities.delete()
    JointProcurementUnit.objects.filter(name=content.JOINT_UNIT["name"]).delete()


# --- the command ------------------------------------------------------------------------------


class Command(BaseCommand):
    help = f"Create demo cities, accounts and a round at every step (password: {DEMO_PASSWORD})."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo data first, then create it again."
        )

    def handle(self, *args, reset: bool = False, **options) -> None:
        started = time.monotonic()
        if reset:
            delete_demo_data()
            self.stdout.write("Deleted the previous demo data.")
        elif User.objects.filter(email=content.COORDINATOR["email"]).exists():
            self.stdout.write("demo data already present (use --reset to create it again)")
            return
        framework = load_default_framework()
        rounds = []
        with no_outgoing_mail():
            demo = seed_people(framework, timezone.localdate())
            for builder in ROUND_BUILDERS:
                deferred = (
                    pdfs_rendered_on_first_download() if builder in PDF_ON_FIRST_DOWNLOAD else nullcontext()
                )
                with deferred, transaction.atomic():
                    built = builder(demo)
                    rounds.extend(built if isinstance(built, list) else [built])
        rebuild_tallies()  # the rounds above were published partly by direct updates
        rebuild_loads()  # and invited partly in the past by direct updates
        self.write_rounds(rounds)
        self.write_accounts(demo)
        self.stdout.write(self.style.SUCCESS(f"Demo data created in {time.monotonic() - started:.1f} s."))

    def write_rounds(self, rounds: list[Round]) -> None:
        self.stdout.write("\nRounds:")
        repeat_rounds = Round.objects.filter(previous_round__in=rounds)
        for review_round in [*Round.objects.filter(pk__in=[r.pk for r in rounds]), *repeat_rounds]:
            due = review_round.current_due_date
            due_text = f"due {due:%Y-%m-%d}" if due else ""
            self.stdout.write(f"  {review_round.title:<32} {review_round.get_state_display():<28} {due_text}")

    def write_accounts(self, demo: Demo) -> None:
        """The demo accounts: e-mail, roles and city."""
        users = (
            User.objects.filter(email__endswith=DEMO_EMAIL_DOMAIN)
            .select_related("evaluator_profile__home_city")
            .prefetch_related("memberships__city")
            .order_by("-is_coordinator", "email")
        )
        rows = []
        for user in users:
            roles, places = [], []
            if user.is_coordinator:
                roles.append(content.ROLE_LABELS["coordinator"])
            for membership in user.memberships.all():
                roles.append(content.ROLE_LABELS["member"])
                places.append(membership.city.name)
            profile = getattr(user, "evaluator_profile", None)
            if profile is not None:
                roles.append(content.ROLE_LABELS["evaluator"])
                places.append(profile.home_city.name)
            rows.append((user.email, ", ".join(roles), ", ".join(dict.fromkeys(places)) or "—"))
        width = max(len(row[0]) for row in rows)
        role_width = max(len(row[1]) for row in rows)
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        self.stdout.write(f"  {'e-mail':<{width}}  {'roles':<{role_width}}  city")
        for email, roles, city in rows:
            self.stdout.write(f"  {email:<{width}}  {roles:<{role_width}}  {city}")
