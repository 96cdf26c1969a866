"""The back office keeps the rules the pages keep: a published report (findings and action
proposals included) is read-only; a framework used by a round is read-only down to its level
descriptors, and a new version is the way to change it; rounds are never deleted."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from peerreview.models import Criterion, Framework, LevelDescriptor, Round, Theme
from reports.models import ActionProposal, SummaryReport
from reports.services import get_or_create_report
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(factories.CoordinatorFactory(is_superuser=True))
    return client


def _report(personas, *, published: bool) -> SummaryReport:
    report = get_or_create_report(personas.review_round)
    report.executive_summary = "As published."
    report.published_at = timezone.now() if published else None
    report.save()
    ActionProposal.objects.create(report=report, number=1, title="Adopt indicators")
    return report


def test_published_report_is_read_only(admin_client, personas):
    report = _report(personas, published=True)
    url = reverse("admin:reports_summaryreport_change", args=[report.pk])

    page = admin_client.get(url)

    content = page.content.decode()
    assert page.status_code == 200
    assert 'name="executive_summary"' not in content and 'name="_save"' not in content
    assert "action_proposals-0-title" not in content
    assert "This report is published, so it is read-only here" in content
    response = admin_client.post(url, {"executive_summary": "Changed in the back office."})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.executive_summary == "As published."
    assert (
        admin_client.post(reverse("admin:reports_summaryreport_delete", args=[report.pk])).status_code == 403
    )
    assert SummaryReport.objects.filter(pk=report.pk).exists()


def test_draft_report_is_still_editable(admin_client, personas):
    report = _report(personas, published=False)
    page = admin_client.get(reverse("admin:reports_summaryreport_change", args=[report.pk]))
    content = page.content.decode()
    assert 'name="executive_summary"' in content and "action_proposals-0-title" in content


def test_framework_in_use_is_read_only_down_to_its_descriptors(admin_client, personas):
    framework = personas.review_round.framework
    theme = Theme.objects.filter(framework=framework).first()
    criterion = Criterion.objects.filter(theme=theme).first()
    name = framework.name

    page = admin_client.get(reverse("admin:peerreview_framework_change", args=[framework.pk]))
    content = page.content.decode()
    assert 'name="name_en"' not in content and 'name="themes-0-title_en"' not in content
    assert 'name="is_active"' in content  # still offered or withdrawn for new rounds
    assert "Copy as a new version" in content
    for url_name, obj in (
        ("admin:peerreview_theme_change", theme),
        ("admin:peerreview_criterion_change", criterion),
    ):
        url = reverse(url_name, args=[obj.pk])
        shown = admin_client.get(url).content.decode()
        assert "read-only" in shown and 'name="_save"' not in shown, url_name
        assert admin_client.post(url, {"title_en": "Changed"}).status_code == 403, url_name
    # the theme and criterion add forms offer no framework/theme in use
    # (asked of the form's choices: the page's HTML has other values, such as MAX_NUM_FORMS="1000")
    add_theme = admin_client.get(reverse("admin:peerreview_theme_add"))
    assert not add_theme.context["adminform"].form.fields["framework"].queryset.filter(pk=framework.pk)
    assert f'<option value="{framework.pk}"' not in add_theme.content.decode()
    add_criterion = admin_client.get(reverse("admin:peerreview_criterion_add"))
    assert not add_criterion.context["adminform"].form.fields["theme"].queryset.filter(pk=theme.pk)
    assert f'<option value="{theme.pk}"' not in add_criterion.content.decode()
    # a change of the framework's name is not applied
    admin_client.post(
        reverse("admin:peerreview_framework_change", args=[framework.pk]),
        {"name_en": "Renamed", "is_active": "on"},
    )
    framework.refresh_from_db()
    assert framework.name == name


def test_a_new_version_is_a_full_editable_copy(admin_client, personas):
    framework = personas.review_round.framework
    response = admin_client.post(
        reverse("admin:peerreview_framework_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [framework.pk]},
        follow=True,
    )
    assert "is created" in response.content.decode()
    new = Framework.objects.get(slug=framework.slug, version=framework.version + 1)
    assert not new.is_active
    assert Theme.objects.filter(framework=new).count() == Theme.objects.filter(framework=framework).count()
    assert (
        Criterion.objects.filter(theme__framework=new).count()
        == Criterion.objects.filter(theme__framework=framework).count()
    )
    assert LevelDescriptor.objects.filter(criterion__theme__framework=new).count() == (
        LevelDescriptor.objects.filter(criterion__theme__framework=framework).count()
    )
    page = admin_client.get(reverse("admin:peerreview_framework_change", args=[new.pk])).content.decode()
    assert 'name="name_en"' in page and 'name="_save"' in page
    theme = Theme.objects.filter(framework=new).first()
    assert (
        'name="_save"'
        in admin_client.get(reverse("admin:peerreview_theme_change", args=[theme.pk])).content.decode()
    )


def test_rounds_are_never_deleted(admin_client, personas):
    review_round = personas.review_round
    changelist = admin_client.get(reverse("admin:peerreview_round_changelist")).content.decode()
    assert "delete_selected" not in changelist
    url = reverse("admin:peerreview_round_delete", args=[review_round.pk])
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    change = admin_client.get(
        reverse("admin:peerreview_round_change", args=[review_round.pk])
    ).content.decode()
    assert f"/{review_round.pk}/delete/" not in change
    assert Round.objects.filter(pk=review_round.pk).exists()
