"""Who may read the audit trail and act on privacy requests: the coordinators (secretariat)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def refuse_view_audit(user) -> str:
    if getattr(user, "is_coordinator", False):
        return ""
    return _("Only the coordinators can read the audit trail.")


def refuse_handle_erasure(user) -> str:
    if getattr(user, "is_coordinator", False):
        return ""
    return _("Only the coordinators can complete erasure requests.")
