"""Erasure at a person's request (GDPR Art. 17) by anonymisation, which keeps the rounds'
record and published reports intact. The rules, and why, are in docs/privacy.md.

- The person asks on their account page (`request_erasure`); they may withdraw while it waits.
- A coordinator other than the person completes it (`complete_erasure`): the name becomes a
  stable pseudonym ("Former member 17": the account's number, so every page, history row and
  audit row says the same), the e-mail address a placeholder under the reserved `.invalid`
  domain, the account cannot log in and every session ends. What is only about the person goes
  (two-factor devices, API tokens, calendar feeds, memberships, declared conflicts, their
  notifications, failed-login records); what they did in rounds stays, shown under the
  pseudonym (it is linked to the account, not to a copy of the name).
- Copies of the name or address kept as text (audit rows, the back office's log, other people's
  notifications and digest items: `TEXT_COPIES`) are rewritten to the pseudonym; the audit
  trail allows exactly this update (migration audit 0005) and nothing else.
- Published PDFs that name the person (the panel on the cover) are made again
  (`peerreview.services.retention.names_removed_from`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peerreview.models import Assignment, Round, RoundState
from peerreview.services.retention import names_removed_from

from .models import AuditEntry, ErasureRequest
from .services import E, record

PSEUDONYM = "Former member {number}"
PLACEHOLDER_DOMAIN = "erased.invalid"  # RFC 2606: never a deliverable address

# Rows that keep a copy of people's names or addresses as text, outside the audit trail:
# model label → fields (text or JSON). A new model that copies a name as text gets a line here.
TEXT_COPIES: dict[str, list[str]] = {
    "peerreview.Notification": ["subject", "context"],
    "reports.DigestItem": ["author_name", "excerpt"],
    "admin.LogEntry": ["object_repr", "change_message"],
}
# The audit columns that may hold a name or an address (the trigger lets erasure change these only).
AUDIT_TEXT_FIELDS = [
    "actor_email",
    "attempted_email",
    "object_repr",
    "changes",
    "changes_text",
    "serialized_data",
    "additional_data",
    "reason",
    "path",
]

# Rows that are only about the person: deleted. model label → the field pointing at them.
ONLY_ABOUT_THEM: dict[str, str] = {
    "otp_totp.TOTPDevice": "user",
    "otp_static.StaticDevice": "user",
    "cities.RecoveryCodeDevice": "user",
    "api.ApiToken": "user",
    "api.CalendarFeed": "user",
    "cities.Membership": "user",
    "cities.DeclaredConflict": "evaluator",
    "peerreview.Notification": "recipient",
    "reports.DigestItem": "recipient",
}


def pseudonym(user) -> str:
    return PSEUDONYM.format(number=user.pk)


def placeholder_email(user) -> str:
    return f"former-member-{user.pk}@{PLACEHOLDER_DOMAIN}"


# --- the person's side ---------------------------------------------------------------------------


def pending_request(user) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(person=user, status=ErasureRequest.Status.PENDING).first()


@transaction.atomic
def request_erasure(*, person, message: str = "", request=None) -> ErasureRequest:
    """The person asks to be erased; one pending request at a time. Recorded."""
    get_user_model().objects.select_for_update().filter(pk=person.pk).first()
    if person.erased_at is not None:
        raise ValidationError(_("This account has already been erased."))
    if pending_request(person) is not None:
        raise ValidationError(_("You have already asked for erasure; the coordinators will complete it."))
    erasure = ErasureRequest.objects.create(person=person, message=message.strip())
    record(
        event=E.ERASURE_REQUESTED, actor=person, request=request, instance=person, object_repr=person.email
    )
    return erasure


@transaction.atomic
def withdraw_erasure(*, person, request=None) -> bool:
    """The person changed their mind while the request waited. Returns whether one was pending."""
    erasure = (
        ErasureRequest.objects.select_for_update()
        .filter(person=person, status=ErasureRequest.Status.PENDING)
        .first()
    )
    if erasure is None:
        return False
    erasure.status = ErasureRequest.Status.WITHDRAWN
    erasure.decided_at = timezone.now()
    erasure.save(update_fields=["status", "decided_at"])
    record(
        event=E.ERASURE_WITHDRAWN, actor=person, request=request, instance=person, object_repr=person.email
    )
    return True


# --- the coordinator's side ----------------------------------------------------------------------


@dataclass
class Impact:
    """What completing the request changes, for the coordinator to read first."""

    panel_rounds: list[Round]
    rounds_in_progress: list[Round]
    published_reports: int
    audit_rows: int


def impact_of(user) -> Impact:
    rounds = list(
        Round.objects.filter(assignments__evaluator=user)
        .distinct()
        .select_related("host_city")
        .order_by("pk")
    )
    in_progress = [r for r in rounds if r.state not in (RoundState.PUBLISHED, RoundState.CANCELLED)]
    return Impact(
        panel_rounds=rounds,
        rounds_in_progress=in_progress,
        published_reports=sum(1 for r in rounds if r.state == RoundState.PUBLISHED),
        audit_rows=_audit_rows_about(user, user.full_name, user.email).count(),
    )


def refuse_complete(erasure: ErasureRequest, actor) -> str:
    """Why `actor` may not complete this request now, or ""."""
    if not getattr(actor, "is_coordinator", False):
        return _("Only the coordinators can complete erasure requests.")
    if erasure.person_id == actor.pk:
        return _("Another coordinator must complete your own erasure request.")
    if erasure.status != ErasureRequest.Status.PENDING:
        return _("This request is no longer waiting: it was completed or withdrawn.")
    return ""


@transaction.atomic
def complete_erasure(*, erasure: ErasureRequest, actor, request=None) -> ErasureRequest:
    """Anonymise the person of a pending request (see the module's doc). Raises
    ValidationError when `refuse_complete` gives a reason."""
    erasure = ErasureRequest.objects.select_for_update().select_related("person").get(pk=erasure.pk)
    if reason := refuse_complete(erasure, actor):
        raise ValidationError(reason)
    user_model = get_user_model()
    person = user_model.objects.select_for_update().get(pk=erasure.person_id)
    old_name, old_email = person.full_name, person.email
    name, email = pseudonym(person), placeholder_email(person)
    now = timezone.now()

    panel_round_ids = list(
        Assignment.objects.filter(evaluator=person).values_list("round_id", flat=True).distinct()
    )
    deleted = _delete_only_about(person)
    _forget_failed_logins(old_email)
    if hasattr(person, "evaluator_profile"):  # the home city stays: published reports show it
        person.evaluator_profile.expertise = ""
        person.evaluator_profile.languages = ""
        person.evaluator_profile.save(update_fields=["expertise", "languages"])

    person.full_name = name
    person.email = email
    person.job_title = ""
    person.is_active = False
    person.is_staff = person.is_superuser = person.is_coordinator = False
    person.mfa_enabled = False
    person.set_unusable_password()
    person.session_nonce = secrets.token_hex(16)  # every session ends
    person.erased_at = now
    person.save()
    person.groups.clear()
    person.user_permissions.clear()

    replacements = _replacements(old_name, old_email, name, email)
    rewritten = _rewrite_text_copies(person, replacements)
    audit_rows = _pseudonymise_audit_trail(person, old_name, old_email, replacements)
    names_removed_from(round_ids=panel_round_ids)

    erasure.status = ErasureRequest.Status.COMPLETED
    erasure.decided_at = now
    erasure.completed_by = actor
    erasure.message = ""  # it may name the person
    erasure.save(update_fields=["status", "decided_at", "completed_by", "message"])
    record(
        event=E.ERASURE_COMPLETED,
        actor=actor,
        request=request,
        instance=person,
        object_repr=name,
        details={
            "deleted": deleted,
            "text_copies_rewritten": rewritten,
            "audit_rows_pseudonymised": audit_rows,
            "panel_rounds": panel_round_ids,
        },
    )
    return erasure


# --- the parts -----------------------------------------------------------------------------------


def _delete_only_about(person) -> dict[str, int]:
    deleted = {}
    for label, field in ONLY_ABOUT_THEM.items():
        try:
            model = apps.get_model(label)
        except LookupError:  # an optional app that is not installed
            continue
        count, _details = model._base_manager.filter(**{field: person}).delete()
        if count:
            deleted[label] = count
    return deleted


def _forget_failed_logins(email: str) -> None:
    """django-axes' records of attempts with the address (they hold it, and IP addresses)."""
    if not apps.is_installed("axes"):
        return
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=email).delete()


Replacements = list[tuple[str, str]]


def _replacements(old_name: str, old_email: str, name: str, email: str) -> Replacements:
    """(old, new) pairs: the address (also as it appears in a URL) and the name."""
    pairs = [(old_email, email), (quote(old_email), quote(email))]
    if len(old_name.strip()) >= 4:  # a name shorter than this would match inside other words
        pairs.append((old_name.strip(), name))
    return [(old, new) for old, new in pairs if old]


def _replace(value: Any, replacements: Replacements) -> Any:
    """`value` with every old text replaced, case-insensitively, inside strings, lists and dicts."""
    if isinstance(value, str):
        for old, new in replacements:
            value = re.sub(re.escape(old), lambda _match, new=new: new, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, list):
        return [_replace(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, replacements) for key, item in value.items()}
    return value


def _text_match(fields: list[str], replacements: Replacements) -> Q:
    query = Q()
    for field in fields:
        for old, _new in replacements:
            query |= Q(**{f"{field}__icontains": old})
    return query


def _rewrite(queryset: models.QuerySet, fields: list[str], replacements: Replacements) -> int:
    changed = []
    for row in queryset.iterator(chunk_size=500):
        before = [getattr(row, field) for field in fields]
        after = [_replace(value, replacements) for value in before]
        if after != before:
            for field, value in zip(fields, after, strict=True):
                setattr(row, field, value)
            changed.append(row)
    if changed:
        queryset.model._base_manager.bulk_update(changed, fields, batch_size=500)
    return len(changed)


def _rewrite_text_copies(person, replacements: Replacements) -> dict[str, int]:
    rewritten = {}
    for label, fields in TEXT_COPIES.items():
        model = apps.get_model(label)
        count = _rewrite(model._base_manager.filter(_text_match(fields, replacements)), fields, replacements)
        if count:
            rewritten[label] = count
    return rewritten


def _audit_rows_about(person, old_name: str, old_email: str) -> models.QuerySet[AuditEntry]:
    user_type = ContentType.objects.get_for_model(get_user_model())
    query = (
        Q(actor_id=person.pk)
        | Q(content_type=user_type, object_id=person.pk)
        | Q(actor_email__iexact=old_email)
        | Q(attempted_email__iexact=old_email)
    )
    return AuditEntry.objects.filter(
        query | _text_match(AUDIT_TEXT_FIELDS, _replacements(old_name, old_email, "", ""))
    )


def _pseudonymise_audit_trail(person, old_name: str, old_email: str, replacements: Replacements) -> int:
    """Rewrite the audit rows' copies of the name and address; the trigger allows this update
    only with `audit.pseudonymise` on, and only of those columns."""
    rows = _audit_rows_about(person, old_name, old_email)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL audit.pseudonymise = 'on'")
    try:
        return _rewrite(rows, AUDIT_TEXT_FIELDS, replacements)
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL audit.pseudonymise = 'off'")
