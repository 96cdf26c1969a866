"""Back office for the secretariat. A round's state changes only through the round pages
(the state machine in `services.rounds`), so the state and the audit trail are read-only here.
Rounds are never deleted (a round is cancelled instead). A framework used by a round is
read-only with everything in it: a change is made in a new version ("Copy as a new version")."""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline

from cities.admin_widgets import PlaceholderAutocompleteMixin
from cities.union_search import UnionSearchMixin

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
from .services.framework_versions import copy_as_new_version, is_in_use

IN_USE_MESSAGE = _(
    "This framework is used by a round, so it and its themes, criteria, level descriptors and "
    "indicators are read-only: a round keeps the version it started with. To change the "
    "framework, select it in the list of frameworks and choose the action “Copy as a new "
    "version”, edit the copy, then offer it for new rounds."
)


def _framework_id(obj) -> int | None:
    """The framework an admin object (framework, theme, criterion) belongs to."""
    if isinstance(obj, Framework):
        return obj.pk
    if isinstance(obj, Theme):
        return obj.framework_id
    if isinstance(obj, Criterion):
        return obj.theme.framework_id
    return None


class FrameworkContentMixin:
    """Read-only (no change, add or delete) while the object's framework is used by a round."""

    def _locked(self, obj) -> bool:
        return obj is not None and is_in_use(_framework_id(obj))

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not self._locked(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self._locked(obj)


class LockedInlineMixin(FrameworkContentMixin):
    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not self._locked(obj)


class FrameworkPartAdmin(FrameworkContentMixin, TranslationAdmin):
    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if self._locked(obj):
            messages.info(request, IN_USE_MESSAGE)
        return super().change_view(request, object_id, form_url, extra_context)


class ThemeInline(LockedInlineMixin, TranslationStackedInline):
    model = Theme
    extra = 0
    show_change_link = True


class IndicatorInline(LockedInlineMixin, TranslationTabularInline):
    model = Indicator
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(TranslationAdmin):
    """A framework in use may still be offered or withdrawn for new rounds (is_active);
    everything else in it is read-only."""

    list_display = ["name", "slug", "version", "is_active", "in_use", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    inlines = [ThemeInline, IndicatorInline]
    actions = ["copy_as_new_version"]

    @admin.display(description=_("used by a round"), boolean=True)
    def in_use(self, framework: Framework) -> bool:
        return is_in_use(framework.pk)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and is_in_use(obj.pk):
            return [
                field.name
                for field in obj._meta.concrete_fields
                if field.editable and not field.primary_key and field.name != "is_active"
            ]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and is_in_use(obj.pk))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and is_in_use(obj.pk):
            messages.info(request, IN_USE_MESSAGE)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Copy as a new version"))
    def copy_as_new_version(self, request, queryset) -> None:
        for framework in queryset:
            new = copy_as_new_version(framework=framework)
            self.message_user(
                request,
                gettext(
                    "“%(name)s” version %(version)s is created; it is offered for new rounds once you turn that on."
                )
                % {"name": new.name, "version": new.version},
                messages.SUCCESS,
            )


class CriterionInline(LockedInlineMixin, TranslationStackedInline):
    model = Criterion
    extra = 0
    show_change_link = True


def _unused_frameworks():
    return Framework.objects.exclude(pk__in=Round.objects.values("framework_id"))


@admin.register(Theme)
class ThemeAdmin(PlaceholderAutocompleteMixin, FrameworkPartAdmin):
    list_display = ["code", "title", "framework", "is_scored", "order"]
    list_filter = ["framework"]
    list_select_related = ["framework"]
    search_fields = ["code", "title", "framework__name"]
    autocomplete_fields = ["framework"]
    inlines = [CriterionInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "framework":  # no new theme in a framework in use
            kwargs["queryset"] = _unused_frameworks()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LevelDescriptorInline(LockedInlineMixin, TranslationTabularInline):
    model = LevelDescriptor
    extra = 0


@admin.register(Criterion)
class CriterionAdmin(PlaceholderAutocompleteMixin, FrameworkPartAdmin):
    list_display = ["code", "title", "theme"]
    list_filter = ["theme__framework"]
    list_select_related = ["theme"]
    search_fields = ["code", "title"]
    autocomplete_fields = ["theme"]
    inlines = [LevelDescriptorInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "theme":  # no new criterion in a framework in use
            kwargs["queryset"] = Theme.objects.filter(framework__in=_unused_frameworks())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
class RoundAdmin(PlaceholderAutocompleteMixin, UnionSearchMixin, admin.ModelAdmin):
    list_display = ["title", "host_city", "state", "framework", "opens_on", "published_at"]
    list_filter = ["state", "host_city__country"]
    list_select_related = ["host_city", "framework"]
    search_fields = ["title", "host_city__name"]
    # Searched or typed, never a dropdown of every city, framework version or round.
    autocomplete_fields = ["host_city", "framework"]
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

    def has_delete_permission(self, request, obj=None) -> bool:
        """Never: a round is cancelled (on its page), and its record is kept."""
        return False


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
    raw_id_fields = ["round", "criterion", "recorded_by"]


class SessionInline(admin.StackedInline):
    model = Session
    extra = 0
    autocomplete_fields = ["criteria"]


@admin.register(AssessmentDay)
class AssessmentDayAdmin(PlaceholderAutocompleteMixin, admin.ModelAdmin):
    list_display = ["round", "date", "location"]
    list_select_related = ["round"]
    autocomplete_fields = ["round"]
    inlines = [SessionInline]


@admin.register(Interviewee)
class IntervieweeAdmin(admin.ModelAdmin):
    list_display = ["role", "name", "organisation", "consent_to_name", "anonymised_at"]
    list_filter = ["role", "consent_to_name"]
    raw_id_fields = ["session"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a filtered page counts its matches, not every notification again
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
