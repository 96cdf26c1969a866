"""Back office for the secretariat. A round's state changes only through the round pages
(the state machine in `services.rounds`), so the state and the audit trail are read-only here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline

from .models import (
    AgreedScore,
    AssessmentDay,
    Assignment,
    Criterion,
    Framework,
    Indicator,
    Interviewee,
    LevelDescriptor,
    Notification,
    PreReport,
    Reminder,
    Round,
    RoundEvent,
    Session,
    Theme,
)


class ThemeInline(TranslationStackedInline):
    model = Theme
    extra = 0
    show_change_link = True


class IndicatorInline(TranslationTabularInline):
    model = Indicator
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(TranslationAdmin):
    list_display = ["name", "slug", "version", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    inlines = [ThemeInline, IndicatorInline]


class CriterionInline(TranslationStackedInline):
    model = Criterion
    extra = 0
    show_change_link = True


@admin.register(Theme)
class ThemeAdmin(TranslationAdmin):
    list_display = ["code", "title", "framework", "is_scored", "order"]
    list_filter = ["framework"]
    inlines = [CriterionInline]


class LevelDescriptorInline(TranslationTabularInline):
    model = LevelDescriptor
    extra = 0


@admin.register(Criterion)
class CriterionAdmin(TranslationAdmin):
    list_display = ["code", "title", "theme"]
    list_filter = ["theme__framework"]
    search_fields = ["code", "title"]
    inlines = [LevelDescriptorInline]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["evaluator", "role", "state", "due_date", "responded_at", "scores_submitted_at"]
    readonly_fields = ["responded_at", "scores_submitted_at"]
    raw_id_fields = ["evaluator"]


class RoundEventInline(admin.TabularInline):
    model = RoundEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_state", "to_state", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["title", "host_city", "state", "framework", "opens_on", "published_at"]
    list_filter = ["state", "host_city__country"]
    list_select_related = ["host_city", "framework"]
    search_fields = ["title", "host_city__name"]
    raw_id_fields = ["previous_round"]
    readonly_fields = ["state", "published_at", "cancellation_reason", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["title", "host_city", "framework", "language", "previous_round", "state"]}),
        (
            _("Due dates"),
            {
                "fields": [
                    "opens_on",
                    "prereport_due",
                    "scoring_due",
                    "assessment_due",
                    "report_due",
                    "factual_check_due",
                ]
            },
        ),
        (_("Repeat round"), {"fields": ["repeat_interval_months", "repeat_with_newest_framework"]}),
        (_("Record"), {"fields": ["published_at", "cancellation_reason", "created_by", "created_at"]}),
    ]
    inlines = [AssignmentInline, RoundEventInline]


@admin.register(PreReport)
class PreReportAdmin(admin.ModelAdmin):
    list_display = ["round", "submitted_at", "updated_at"]
    list_select_related = ["round"]
    readonly_fields = ["submitted_at", "submitted_by"]
    raw_id_fields = ["round"]


@admin.register(AgreedScore)
class AgreedScoreAdmin(admin.ModelAdmin):
    list_display = ["round", "criterion", "level", "not_applicable", "recorded_by"]
    list_select_related = ["round", "criterion", "recorded_by"]
    raw_id_fields = ["round", "criterion"]


class SessionInline(admin.StackedInline):
    model = Session
    extra = 0
    filter_horizontal = ["criteria"]


@admin.register(AssessmentDay)
class AssessmentDayAdmin(admin.ModelAdmin):
    list_display = ["round", "date", "location"]
    list_select_related = ["round"]
    inlines = [SessionInline]


@admin.register(Interviewee)
class IntervieweeAdmin(admin.ModelAdmin):
    list_display = ["role", "name", "organisation", "consent_to_name", "anonymised_at"]
    list_filter = ["role", "consent_to_name"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "round", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["recipient", "round"]
    readonly_fields = [field.name for field in Notification._meta.fields]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["round", "step", "due_date", "kind", "days", "recipients", "sent_at"]
    list_filter = ["kind", "step"]
    list_select_related = ["round"]
    readonly_fields = [field.name for field in Reminder._meta.fields]
