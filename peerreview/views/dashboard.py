"""The dashboard: one section per role the user holds, each saying what to do next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import selectors


def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    host = selectors.host_dashboard(user, today)
    evaluator = selectors.evaluator_dashboard(user, today)
    coordinator = selectors.coordinator_dashboard(today) if user.is_coordinator else None
    notifications = selectors.latest_notifications(user)
    roles = [
        name
        for name, section in (("host", host), ("evaluator", evaluator), ("coordinator", coordinator))
        if section
    ]
    context = {
        "today": today,
        "host": host,
        "evaluator": evaluator,
        "coordinator": coordinator,
        "notifications": notifications,
        "several_roles": len(roles) > 1,
        "no_role": not roles,
    }
    return render(request, "peerreview/dashboard/dashboard.html", context)
