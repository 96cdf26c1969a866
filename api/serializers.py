"""What the API shows of each resource. Serializers only shape data: which rows a caller may
see is decided in the views, through peerreview.permissions and reports.permissions."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cities.models import City
from peerreview.models import (
    AgreedScore,
    Assignment,
    Criterion,
    Framework,
    Indicator,
    IndicatorValue,
    LevelDescriptor,
    Round,
    Theme,
)
from reports.models import ActionProgress, ActionProposal, Finding, SummaryReport

from .models import ApiToken


class StrictInputMixin:
    """A field the resource does not have is an error, not silently dropped (a typo in
    "evidence" must not look like a saved change)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - {name for name, field in self.fields.items() if not field.read_only})
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            _("Unknown field. This resource accepts: %(fields)s.")
                            % {
                                "fields": ", ".join(
                                    sorted(n for n, f in self.fields.items() if not f.read_only)
                                )
                            }
                        ]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details: every error of the API has this shape."""

    type = serializers.CharField(
        help_text="A URI for the kind of problem; about:blank means: see the status."
    )
    title = serializers.CharField(help_text="The status in words.")
    status = serializers.IntegerField()
    detail = serializers.CharField(
        help_text="What went wrong, for a person to read, in the caller's language."
    )
    errors = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Invalid input: one entry per field and message.",
    )
    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait (429).")


# --- cities and frameworks ---------------------------------------------------------------


class CityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = City
        fields = ["id", "name", "country"]


class CitySerializer(serializers.ModelSerializer):
    country_name = serializers.CharField(source="get_country_display", read_only=True)

    class Meta:
        model = City
        fields = [
            "id",
            "name",
            "country",
            "country_name",
            "region",
            "population",
            "procurement_unit",
            "languages",
            "timezone",
            "updated_at",
        ]


class LevelDescriptorSerializer(serializers.ModelSerializer):
    class Meta:
        model = LevelDescriptor
        fields = ["level", "text"]


class CriterionSerializer(serializers.ModelSerializer):
    descriptors = LevelDescriptorSerializer(many=True, read_only=True)

    class Meta:
        model = Criterion
        fields = ["id", "code", "title", "guidance", "order", "descriptors"]


class ThemeSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Theme
        fields = ["id", "code", "title", "description", "is_scored", "order", "criteria"]


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "unit", "order"]


class FrameworkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Framework
        fields = ["id", "slug", "name", "version", "description", "is_active", "created_at", "updated_at"]


class FrameworkDetailSerializer(FrameworkSerializer):
    themes = ThemeSerializer(many=True, read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta(FrameworkSerializer.Meta):
        fields = [*FrameworkSerializer.Meta.fields, "themes", "indicators"]


class FrameworkRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Framework
        fields = ["id", "slug", "name", "version"]


class CriterionRefSerializer(serializers.ModelSerializer):
    theme = serializers.CharField(source="theme.code", read_only=True)

    class Meta:
        model = Criterion
        fields = ["id", "theme", "code", "title"]


# --- rounds ------------------------------------------------------------------------------


class PanelMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="evaluator.full_name", read_only=True)
    home_city = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = ["name", "home_city", "role", "state"]

    @extend_schema_field(CityRefSerializer(allow_null=True))
    def get_home_city(self, assignment: Assignment):
        profile = getattr(assignment.evaluator, "evaluator_profile", None)
        return CityRefSerializer(profile.home_city).data if profile else None


class RoundSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    host_city = CityRefSerializer(read_only=True)
    framework = FrameworkRefSerializer(read_only=True)
    current_due = serializers.DateField(source="current_due_date", read_only=True, allow_null=True)
    panel = PanelMemberSerializer(source="api_panel", many=True, read_only=True)

    class Meta:
        model = Round
        fields = [
            "id",
            "title",
            "state",
            "state_label",
            "language",
            "host_city",
            "framework",
            "previous_round",
            "opens_on",
            "prereport_due",
            "scoring_due",
            "assessment_due",
            "report_due",
            "factual_check_due",
            "current_due",
            "published_at",
            "repeat_interval_months",
            "panel",
            "created_at",
            "updated_at",
        ]


class RoundRefSerializer(serializers.ModelSerializer):
    host_city = CityRefSerializer(read_only=True)

    class Meta:
        model = Round
        fields = ["id", "title", "state", "host_city"]


# --- published reports -------------------------------------------------------------------


class ActionProposalSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    criterion = CriterionRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ActionProposal
        fields = [
            "id",
            "reference",
            "number",
            "criterion",
            "title",
            "description",
            "priority",
            "owner",
            "timeframe",
            "success_indicator",
        ]


class ActionProposalListSerializer(ActionProposalSerializer):
    """An action proposal with the round whose published report it belongs to."""

    round = RoundRefSerializer(source="report.round", read_only=True)

    class Meta(ActionProposalSerializer.Meta):
        fields = [*ActionProposalSerializer.Meta.fields, "round"]


class ScoreLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField(allow_null=True, min_value=0, max_value=4)
    not_applicable = serializers.BooleanField()


class FindingSerializer(serializers.ModelSerializer):
    criterion = CriterionRefSerializer(read_only=True)
    self_score = serializers.SerializerMethodField()
    agreed_score = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "criterion",
            "evidence",
            "strengths",
            "areas_to_develop",
            "good_practice",
            "self_score",
            "agreed_score",
        ]

    def _scores(self, finding):
        return self.context.get("scores", {}).get(finding.criterion_id)

    @extend_schema_field(ScoreLevelSerializer(allow_null=True))
    def get_self_score(self, finding) -> dict | None:
        scores = self._scores(finding)
        if scores is None:
            return None
        return {"level": scores.self_score, "not_applicable": scores.self_not_applicable}

    @extend_schema_field(ScoreLevelSerializer(allow_null=True))
    def get_agreed_score(self, finding) -> dict | None:
        scores = self._scores(finding)
        if scores is None or scores.agreed is None:
            return None
        return {"level": scores.agreed.level, "not_applicable": scores.agreed.not_applicable}


class IndicatorValueSerializer(serializers.ModelSerializer):
    indicator = IndicatorSerializer(read_only=True)

    class Meta:
        model = IndicatorValue
        fields = ["id", "indicator", "year", "value", "source"]


class AgreedScoreSerializer(serializers.ModelSerializer):
    criterion = CriterionRefSerializer(read_only=True)

    class Meta:
        model = AgreedScore
        fields = ["id", "criterion", "level", "not_applicable", "rationale", "recorded_at"]


class FollowUpSerializer(serializers.Serializer):
    """An action proposal of the earlier review and the city's progress on it (repeat rounds)."""

    proposal = ActionProposalSerializer()
    status = serializers.CharField(allow_blank=True, help_text="Empty when the city reported nothing.")
    evidence = serializers.CharField(allow_blank=True)


class ReportSerializer(serializers.ModelSerializer):
    round = RoundRefSerializer(read_only=True)
    language = serializers.CharField(source="round.language", read_only=True)
    framework = FrameworkRefSerializer(source="round.framework", read_only=True)

    class Meta:
        model = SummaryReport
        fields = ["id", "round", "language", "framework", "published_at", "publication_level", "updated_at"]


class ReportDetailSerializer(ReportSerializer):
    panel = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    action_proposals = serializers.SerializerMethodField()
    indicator_values = serializers.SerializerMethodField()
    follow_ups = serializers.SerializerMethodField()
    previous_round = serializers.IntegerField(
        source="round.previous_round_id", read_only=True, allow_null=True
    )

    class Meta(ReportSerializer.Meta):
        fields = [
            *ReportSerializer.Meta.fields,
            "executive_summary",
            "key_strengths",
            "purpose_and_scope",
            "process_notes",
            "next_steps",
            "city_response",
            "panel",
            "findings",
            "action_proposals",
            "indicator_values",
            "previous_round",
            "follow_ups",
        ]

    @property
    def _document(self):
        return self.context["document"]

    @extend_schema_field(PanelMemberSerializer(many=True))
    def get_panel(self, report):
        return PanelMemberSerializer(self._document.panel, many=True).data

    @extend_schema_field(FindingSerializer(many=True))
    def get_findings(self, report):
        entries = [entry for section in self._document.themes for entry in section.entries]
        scores = {entry.finding.criterion_id: entry.scores for entry in entries if entry.scores}
        return FindingSerializer(
            [entry.finding for entry in entries], many=True, context={"scores": scores}
        ).data

    @extend_schema_field(ActionProposalSerializer(many=True))
    def get_action_proposals(self, report):
        return ActionProposalSerializer(self._document.action_proposals, many=True).data

    @extend_schema_field(IndicatorValueSerializer(many=True))
    def get_indicator_values(self, report):
        return IndicatorValueSerializer(self._document.indicator_values, many=True).data

    @extend_schema_field(FollowUpSerializer(many=True))
    def get_follow_ups(self, report):
        return [
            {
                "proposal": ActionProposalSerializer(follow_up.proposal).data,
                "status": follow_up.status,
                "evidence": follow_up.evidence,
            }
            for follow_up in self._document.follow_ups
        ]


# --- progress on action proposals (repeat rounds) ----------------------------------------


class ActionProgressSerializer(StrictInputMixin, serializers.ModelSerializer):
    proposal = ActionProposalSerializer(read_only=True)
    status = serializers.ChoiceField(choices=ActionProgress.Status.choices, required=False)
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    updated_by = serializers.CharField(
        source="updated_by.full_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ActionProgress
        fields = ["id", "proposal", "status", "evidence", "updated_at", "updated_by"]
        read_only_fields = ["id", "updated_at"]


# --- the caller ----------------------------------------------------------------------------


class InvitationSerializer(serializers.ModelSerializer):
    round = RoundRefSerializer(read_only=True)
    framework = FrameworkRefSerializer(source="round.framework", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "round",
            "framework",
            "role",
            "state",
            "due_date",
            "invited_at",
            "responded_at",
            "decline_reason",
        ]


class DeclineSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class EmptySerializer(StrictInputMixin, serializers.Serializer):
    pass


TASK_ROLES = [
    ("host_member", "host_member"),
    ("evaluator", "evaluator"),
    ("lead_evaluator", "lead_evaluator"),
]


class TaskSerializer(serializers.Serializer):
    """Something the caller should do next, as on their dashboard."""

    round = RoundRefSerializer()
    role = serializers.ChoiceField(choices=TASK_ROLES)
    action = serializers.CharField(help_text="What to do, in the caller's language.")
    url = serializers.URLField(help_text="The page of the web app where it is done.")
    due = serializers.DateField(allow_null=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.EmailField()
    language = serializers.CharField()
    is_coordinator = serializers.BooleanField()
    cities = CityRefSerializer(many=True)
    evaluator_home_city = CityRefSerializer(allow_null=True)
    token = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_token(self, data) -> dict | None:
        token = data.get("token")
        if not isinstance(token, ApiToken):
            return None
        return {"name": token.name, "scope": token.scope, "expires_at": token.expires_at}
