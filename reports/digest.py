"""Digest e-mails instead of one e-mail per comment.

A comment queues a `DigestItem` for each person who should hear of it (in the comment's
transaction). The periodic job `send_digests` gives each person with waiting items one
notification (the existing Notification/mail machinery sends it after commit) and stamps the
items with it, so each comment is in exactly one digest. Two jobs at once cannot both take
the same items: the rows are locked (`skip_locked`) and stamped in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from peerreview.models import Notification, Round
from peerreview.services.notifications import notify

from .models import DigestItem

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 600
MAX_ITEMS_PER_DIGEST = 50  # more waiting items go in the next digest


def queue(
    *,
    review_round: Round,
    recipients: Iterable,
    source: str,
    kind: str,
    author,
    where: str,
    text: str,
    path: str,
    mentioned_ids: Iterable[int] = (),
) -> list[DigestItem]:
    """Queue an item for each recipient (never the author). A mention is queued as a mention
    even if the person follows the thread anyway: one item per person and source."""
    mentioned = set(mentioned_ids)
    excerpt = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
    items = []
    for recipient in {user.pk: user for user in recipients}.values():
        if author is not None and recipient.pk == author.pk:
            continue
        item_kind = DigestItem.Kind.MENTION if recipient.pk in mentioned else kind
        try:
            with transaction.atomic():
                item, created = DigestItem.objects.get_or_create(
                    recipient=recipient,
                    source=source,
                    defaults={
                        "round": review_round,
                        "kind": item_kind,
                        "author_name": getattr(author, "full_name", "") or "",
                        "where": where[:300],
                        "excerpt": excerpt,
                        "path": path,
                    },
                )
        except IntegrityError:  # the same source queued at the same moment by another request
            continue
        if not created and item_kind == DigestItem.Kind.MENTION and item.kind != item_kind:
            DigestItem.objects.filter(pk=item.pk, notification__isnull=True).update(kind=item_kind)
        items.append(item)
    return items


def send_digests() -> list[Notification]:
    """One digest notification per person with waiting items; returns the notifications made."""
    recipients = (
        DigestItem.objects.filter(notification__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
    made = []
    for recipient_id in list(recipients):
        notification = _send_digest_to(recipient_id)
        if notification is not None:
            made.append(notification)
    return made


def _send_digest_to(recipient_id: int) -> Notification | None:
    with transaction.atomic():
        items = list(
            DigestItem.objects.select_for_update(skip_locked=True)
            .filter(recipient_id=recipient_id, notification__isnull=True)
            .select_related("round", "recipient")
            .order_by("created_at", "pk")[:MAX_ITEMS_PER_DIGEST]
        )
        if not items:
            return None
        recipient = items[0].recipient
        context = {
            "count": len(items),
            "mentions": sum(1 for item in items if item.kind == DigestItem.Kind.MENTION),
            "items": [
                {
                    "round": item.round.title,
                    "kind": item.kind,
                    "author": item.author_name,
                    "where": item.where,
                    "excerpt": item.excerpt,
                    "path": item.path,
                }
                for item in items
            ],
            "path": items[0].path,
        }
        created = notify(
            kind=Notification.Kind.DIGEST,
            recipients=[recipient],
            review_round=items[0].round if len({item.round_id for item in items}) == 1 else None,
            event_key=f"items-{items[0].pk}-{items[-1].pk}",
            context=context,
        )
        notification = (
            created[0]
            if created
            else Notification.objects.get(
                dedupe_key=f"{Notification.Kind.DIGEST}:items-{items[0].pk}-{items[-1].pk}:{recipient.pk}"
            )
        )
        DigestItem.objects.filter(pk__in=[item.pk for item in items]).update(notification=notification)
    logger.info("Digest %s to user %s with %d items", notification.pk, recipient_id, len(items))
    return notification if created else None
