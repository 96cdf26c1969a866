"""Back office for summary reports. Publication and the factual check happen through the
report pages (and their services), so their stamps are read-only here. A published report,
with its findings and action proposals, is read-only: the published page and its PDF must say
the same, and the PDF is final."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cities.union_search import UnionSearchMixin

from .models import ActionProposal, Finding, SummaryReport

PUBLISHED_MESSAGE = _(
    "This report is published, so it is read-only here: the web page and the final PDF must say the same."
)


def _published(report) -> bool:
    return report is not None and report.published_at is not None


class PublishedReadOnlyInlineMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not _published(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not _published(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not _published(obj)


class FindingInline(PublishedReadOnlyInlineMixin, admin.StackedInline):
    model = Finding
    extra = 0
    fields = ["criterion", "evidence", "strengths", "areas_to_develop", "good_practice"]
    raw_id_fields = ["criterion"]


class ActionProposalInline(PublishedReadOnlyInlineMixin, admin.TabularInline):
    model = ActionProposal
    extra = 0
    fields = ["number", "criterion", "title", "priority", "owner", "timeframe", "success_indicator"]
    raw_id_fields = ["criterion"]


@admin.register(SummaryReport)
class SummaryReportAdmin(UnionSearchMixin, admin.ModelAdmin):
    list_display = ["round", "host_city", "round_state", "published_at", "publication_level", "updated_at"]
    list_select_related = ["round__host_city"]
    # The readership is the host city's choice (reports.publication): shown, never edited here.
    list_filter = ["round__state", "publication_level"]
    search_fields = ["round__title", "round__host_city__name"]
    date_hierarchy = "published_at"
    raw_id_fields = ["round"]
    readonly_fields = [
        "factual_comment_by",
        "factual_comment_at",
        "published_by",
        "published_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["round"]}),
        (
            _("Texts"),
            {
                "fields": [
                    "executive_summary",
                    "key_strengths",
                    "purpose_and_scope",
                    "process_notes",
                    "next_steps",
                ]
            },
        ),
        (
            _("Factual check"),
            {"fields": ["factual_comment", "city_response", "factual_comment_by", "factual_comment_at"]},
        ),
        (_("Publication"), {"fields": ["published_by", "published_at", "updated_at"]}),
    ]
    inlines = [FindingInline, ActionProposalInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not _published(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not _published(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if _published(self.get_object(request, object_id)):
            messages.info(request, PUBLISHED_MESSAGE)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("host city"), ordering="round__host_city__name")
    def host_city(self, report: SummaryReport) -> str:
        return report.round.host_city.name

    @admin.display(description=_("status"), ordering="round__state")
    def round_state(self, report: SummaryReport) -> str:
        return report.round.get_state_display()
