"""The REST API, /api/v1/. Thin views: each fetches what the caller may see through the one
permissions module (`Round.objects.visible_to`, `round_access` and its `refuse_*` rules,
`reports.permissions.readable_reports`) and calls the existing services to change anything.
An object the caller may not see is a 404; an action they may not take is a 403 with the reason."""

from __future__ import annotations

import hashlib
import json

import django_filters
from auditlog.context import set_actor
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cities.models import City
from peerreview import selectors
from peerreview.models import (
    AgreedScore,
    Assignment,
    Framework,
    IndicatorValue,
    LevelDescriptor,
    Round,
    Theme,
)
from peerreview.models import Criterion as CriterionModel
from peerreview.permissions import RoundAccess, require, round_access
from peerreview.services.panel import respond_to_invitation
from reports.document import report_document
from reports.models import ActionProgress, ActionProposal, PublicationLevel, SummaryReport
from reports.permissions import readable_reports, refuse_report_progress, refuse_view_progress
from reports.repeat import save_action_progress

from . import serializers as s
from .filters import UpdatedSinceFilterSet
from .language import activate_for
from .models import ApiToken
from .permissions import SignedIn, TokenScope

ROUND_ID = OpenApiParameter(
    "round_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The round's id."
)


class ApiViewMixin:
    """What every API view shares: the caller's language, Vary, ETags on single objects."""

    permission_classes = [TokenScope, SignedIn]
    lookup_value_regex = "[0-9]+"

    def initial(self, request, *args, **kwargs):
        activate_for(request)  # an authentication error is in the Accept-Language already
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request):
        super().perform_authentication(request)
        # Before the permission checks, so that a refusal is in the person's language too.
        activate_for(request, request.user)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        patch_vary_headers(response, ["Accept-Language", "Authorization", "Cookie"])
        return response

    def respond_with_etag(self, request, data) -> Response:
        """A single object with a strong ETag of its content (in this language); If-None-Match
        with the same tag is a 304 without a body."""
        body = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
        digest = hashlib.sha256(f"{translation.get_language()}:{body}".encode()).hexdigest()[:40]
        etag = f'"{digest}"'
        response = Response(data)
        response["ETag"] = etag
        return get_conditional_response(request._request, etag=etag, response=response)


class ETagRetrieveMixin:
    """GET of one object, with an ETag (see `ApiViewMixin.respond_with_etag`)."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return self.respond_with_etag(request, self.get_serializer(instance).data)


# --- cities and frameworks -----------------------------------------------------------------


class CityFilter(UpdatedSinceFilterSet):
    country = django_filters.CharFilter(help_text="Two-letter country code, e.g. FI.")

    class Meta:
        model = City
        fields = ["country"]


@extend_schema_view(
    list=extend_schema(summary="Cities of the network", tags=["cities and frameworks"]),
    retrieve=extend_schema(summary="One city", tags=["cities and frameworks"]),
)
class CityViewSet(ApiViewMixin, ETagRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    """Every signed-in person sees the cities of the network (as in the web app)."""

    serializer_class = s.CitySerializer
    filterset_class = CityFilter
    queryset = City.objects.order_by("name", "pk")


class FrameworkFilter(UpdatedSinceFilterSet):
    updated_fields = ("updated_at", "created_at")

    class Meta:
        model = Framework
        fields = ["slug", "is_active"]


@extend_schema_view(
    list=extend_schema(summary="Evaluation frameworks (every version)", tags=["cities and frameworks"]),
    retrieve=extend_schema(
        summary="A framework with its themes, criteria, level descriptors and indicators",
        description="Texts are in the language of Accept-Language (en, fi, sv), English where untranslated.",
        tags=["cities and frameworks"],
    ),
)
class FrameworkViewSet(ApiViewMixin, ETagRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    filterset_class = FrameworkFilter

    def get_queryset(self):
        frameworks = Framework.objects.order_by("slug", "-version", "pk")
        if self.action == "retrieve":
            frameworks = frameworks.prefetch_related(
                Prefetch(
                    "themes",
                    queryset=Theme.objects.order_by("order", "pk").prefetch_related(
                        Prefetch(
                            "criteria",
                            queryset=CriterionModel.objects.order_by("order", "pk").prefetch_related(
                                Prefetch("descriptors", queryset=LevelDescriptor.objects.order_by("level"))
                            ),
                        )
                    ),
                ),
                "indicators",
            )
        return frameworks

    def get_serializer_class(self):
        return s.FrameworkDetailSerializer if self.action == "retrieve" else s.FrameworkSerializer


# --- rounds --------------------------------------------------------------------------------


class RoundFilter(UpdatedSinceFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Round._meta.get_field("state").choices)
    host_city = django_filters.NumberFilter(field_name="host_city_id")
    country = django_filters.CharFilter(field_name="host_city__country")
    is_repeat = django_filters.BooleanFilter(field_name="previous_round", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Round
        fields = ["state", "host_city", "country", "framework", "is_repeat"]

    def updated_since_q(self, value) -> Q:
        """The round itself, or its panel (an invitation sent or answered)."""
        panel_changed = Assignment.objects.filter(round=OuterRef("pk")).filter(
            Q(invited_at__gte=value) | Q(responded_at__gte=value)
        )
        return Q(updated_at__gte=value) | Q(Exists(panel_changed))


@extend_schema_view(
    list=extend_schema(
        summary="The rounds you may see",
        description="Coordinators: every round. Host-city members: their city's rounds. Evaluators: the rounds "
        "whose invitation they accepted. The panel lists accepted evaluators; coordinators also see open "
        "and declined invitations.",
        tags=["rounds"],
    ),
    retrieve=extend_schema(summary="One round (404 when you may not see it)", tags=["rounds"]),
)
class RoundViewSet(ApiViewMixin, ETagRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.RoundSerializer
    filterset_class = RoundFilter
    lookup_url_kwarg = "round_id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Round.objects.none()
        user = self.request.user
        panel = Assignment.objects.select_related("evaluator__evaluator_profile__home_city").order_by(
            "role", "pk"
        )
        if not user.is_coordinator:
            panel = panel.filter(state=Assignment.State.ACCEPTED)
        return (
            Round.objects.visible_to(user)
            .select_related("host_city", "framework")
            .prefetch_related(Prefetch("assignments", queryset=panel, to_attr="api_panel"))
            .order_by("-created_at", "-pk")
        )

    def get_object(self):
        # The same fetch as every round page: 404 for a round the caller may not see.
        access = round_access(self.request.user, self.kwargs["round_id"])
        return get_object_or_404(self.get_queryset(), pk=access.round.pk)


class RoundScopedMixin(ApiViewMixin):
    """A resource inside one round: the round is fetched with `round_access` (404 when the
    caller may not see it) and the view's rule (`refuse_*`) must allow reading (403 with why)."""

    def read_rule(self, access: RoundAccess) -> str:
        raise NotImplementedError

    @property
    def access(self) -> RoundAccess:
        if not hasattr(self, "_access"):
            if not self.request.user.is_authenticated:
                raise NotAuthenticated()
            self._access = round_access(self.request.user, self.kwargs["round_id"])
            require(lambda: self.read_rule(self._access))
        return self._access


# --- published reports and action proposals ------------------------------------------------


class ReportFilter(UpdatedSinceFilterSet):
    host_city = django_filters.NumberFilter(field_name="round__host_city_id")
    country = django_filters.CharFilter(field_name="round__host_city__country")
    publication_level = django_filters.ChoiceFilter(choices=PublicationLevel.choices)
    language = django_filters.CharFilter(field_name="round__language")
    updated_fields = ("updated_at", "published_at", "publication_level_set_at")

    class Meta:
        model = SummaryReport
        fields = ["host_city", "country", "publication_level", "language"]


@extend_schema_view(
    list=extend_schema(
        summary="Published reports you may read",
        description="Public reports for anyone (no token needed); reports shared with the network for its "
        "members and evaluators; every report of a round you take part in; coordinators all.",
        tags=["reports"],
    ),
    retrieve=extend_schema(
        summary="A published report with findings, action proposals, indicator values and follow-ups",
        parameters=[ROUND_ID],
        tags=["reports"],
    ),
)
class ReportViewSet(ApiViewMixin, ETagRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [TokenScope]  # public reports need no account, as on the web
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilter
    lookup_field = "round_id"
    lookup_url_kwarg = "round_id"

    def get_queryset(self):
        return (
            readable_reports(self.request.user)
            .select_related("round__host_city", "round__framework")
            .order_by("-published_at", "-pk")
        )

    def retrieve(self, request, *args, **kwargs):
        report = self.get_object()
        document = report_document(report.round)
        data = s.ReportDetailSerializer(report, context={"document": document, "request": request}).data
        return self.respond_with_etag(request, data)

    def get_serializer_class(self):
        return s.ReportDetailSerializer if self.action == "retrieve" else s.ReportSerializer


class ActionProposalFilter(UpdatedSinceFilterSet):
    priority = django_filters.ChoiceFilter(choices=ActionProposal.Priority.choices)
    host_city = django_filters.NumberFilter(field_name="report__round__host_city_id")
    country = django_filters.CharFilter(field_name="report__round__host_city__country")
    round = django_filters.NumberFilter(field_name="report__round_id")
    criterion = django_filters.CharFilter(
        field_name="criterion__code", help_text="A criterion code, e.g. HOW.3."
    )
    updated_fields = ("updated_at", "report__published_at")

    class Meta:
        model = ActionProposal
        fields = ["priority", "host_city", "country", "round", "criterion"]


@extend_schema_view(
    list=extend_schema(summary="Action proposals of the published reports you may read", tags=["reports"]),
    retrieve=extend_schema(summary="One action proposal", tags=["reports"]),
)
class ActionProposalViewSet(ApiViewMixin, ETagRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [TokenScope]
    serializer_class = s.ActionProposalListSerializer
    filterset_class = ActionProposalFilter

    def get_queryset(self):
        return (
            ActionProposal.objects.filter(report__in=readable_reports(self.request.user).values("pk"))
            .select_related("report__round__host_city", "criterion__theme")
            .order_by("-report__published_at", "report_id", "number")
        )

    def rows_to_page(self, queryset):
        """The same rows, saying again on the joined report that it is published (readable
        reports are): PostgreSQL then walks report_published_newest in the list's order and
        stops at the page, where a DESC order would put NULLs first and sort every proposal.
        Only the page is read so: the count stays without that join (docs/performance.md)."""
        return queryset.filter(report__published_at__isnull=False)


# --- inside one round ----------------------------------------------------------------------


class ProgressFilter(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=ActionProgress.Status.choices)

    class Meta:
        model = ActionProgress
        fields = ["status"]


@extend_schema_view(
    list=extend_schema(
        summary="Progress on the earlier action proposals (a repeat round)",
        parameters=[ROUND_ID],
        tags=["progress"],
    ),
    retrieve=extend_schema(
        summary="Progress on one action proposal", parameters=[ROUND_ID], tags=["progress"]
    ),
    partial_update=extend_schema(
        summary="Report progress on one action proposal (a host-city member, while the pre-report is open)",
        parameters=[ROUND_ID],
        tags=["progress"],
    ),
)
class ActionProgressViewSet(
    RoundScopedMixin,
    ETagRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.ActionProgressSerializer
    filterset_class = ProgressFilter
    http_method_names = ["get", "patch", "head", "options"]

    def read_rule(self, access: RoundAccess) -> str:
        return refuse_view_progress(access)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ActionProgress.objects.none()
        return (
            ActionProgress.objects.filter(round=self.access.round)
            .select_related("proposal__criterion__theme", "updated_by")
            .order_by("proposal__number", "pk")
        )

    def partial_update(self, request, *args, **kwargs):
        access = self.access
        require(lambda: refuse_report_progress(access))
        item = self.get_object()
        serializer = self.get_serializer(item, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        change = {
            "status": serializer.validated_data.get("status", item.status),
            "evidence": serializer.validated_data.get("evidence", item.evidence),
        }
        with set_actor(actor=request.user):
            save_action_progress(review_round=access.round, changes={item.pk: change}, user=request.user)
        item = self.get_queryset().get(pk=item.pk)
        return self.respond_with_etag(request, self.get_serializer(item).data)


class IndicatorValueFilter(UpdatedSinceFilterSet):
    indicator = django_filters.CharFilter(field_name="indicator__code")
    year = django_filters.NumberFilter()

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "year"]

    def updated_since_q(self, value) -> Q:
        # Every save of a value writes a row of its edit history.
        return Q(Exists(IndicatorValue.history.filter(id=OuterRef("pk"), history_date__gte=value)))


@extend_schema_view(
    list=extend_schema(
        summary="The indicator values of a round's pre-report",
        description="Who reads the pre-report reads them: the host city, coordinators, and the panel once it "
        "is submitted. A published report also carries them (its indicator annex).",
        parameters=[ROUND_ID],
        tags=["rounds"],
    )
)
class IndicatorValueViewSet(RoundScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.IndicatorValueSerializer
    filterset_class = IndicatorValueFilter

    def read_rule(self, access: RoundAccess) -> str:
        return access.refuse_view_prereport()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return IndicatorValue.objects.none()
        return (
            IndicatorValue.objects.filter(prereport__round=self.access.round)
            .select_related("indicator")
            .order_by("indicator__order", "year", "pk")
        )


class AgreedScoreFilter(UpdatedSinceFilterSet):
    criterion = django_filters.CharFilter(field_name="criterion__code")

    class Meta:
        model = AgreedScore
        fields = ["criterion"]

    def updated_since_q(self, value) -> Q:
        return Q(Exists(AgreedScore.history.filter(id=OuterRef("pk"), history_date__gte=value)))


@extend_schema_view(
    list=extend_schema(
        summary="The panel's agreed scores in a round",
        description="Who sees the score overview sees them: coordinators, and evaluators on the panel once "
        "they submitted their own scores. A published report also carries them (its findings).",
        parameters=[ROUND_ID],
        tags=["rounds"],
    )
)
class AgreedScoreViewSet(RoundScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AgreedScoreSerializer
    filterset_class = AgreedScoreFilter

    def read_rule(self, access: RoundAccess) -> str:
        return access.refuse_view_score_overview()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AgreedScore.objects.none()
        return (
            AgreedScore.objects.filter(round=self.access.round)
            .select_related("criterion__theme")
            .order_by("criterion__theme__order", "criterion__order", "pk")
        )


# --- the caller ----------------------------------------------------------------------------


class InvitationFilter(UpdatedSinceFilterSet):
    state = django_filters.ChoiceFilter(choices=Assignment.State.choices)
    updated_fields = ("invited_at", "responded_at", "scores_submitted_at")

    class Meta:
        model = Assignment
        fields = ["state"]


@extend_schema_view(
    list=extend_schema(summary="Your invitations to panels (open, accepted and declined)", tags=["you"]),
    retrieve=extend_schema(summary="One of your invitations", tags=["you"]),
)
class InvitationViewSet(ApiViewMixin, ETagRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    """Only the invited person finds an invitation: for anyone else it does not exist (404)."""

    serializer_class = s.InvitationSerializer
    filterset_class = InvitationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        return (
            Assignment.objects.filter(evaluator=self.request.user)
            .select_related("round__host_city", "round__framework")
            .order_by("-invited_at", "-pk")
        )

    def _respond(self, request, *, accept: bool, reason: str = "") -> Response:
        assignment = self.get_object()
        with set_actor(actor=request.user):
            respond_to_invitation(assignment=assignment, accept=accept, reason=reason)
        assignment = self.get_queryset().get(pk=assignment.pk)
        return self.respond_with_etag(request, s.InvitationSerializer(assignment).data)

    @extend_schema(
        summary="Accept an invitation",
        request=s.EmptySerializer,
        responses=s.InvitationSerializer,
        tags=["you"],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        s.EmptySerializer(data=request.data or {}).is_valid(raise_exception=True)
        return self._respond(request, accept=True)

    @extend_schema(
        summary="Decline an invitation, optionally with a reason",
        request=s.DeclineSerializer,
        responses=s.InvitationSerializer,
        tags=["you"],
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        serializer = s.DeclineSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        return self._respond(request, accept=False, reason=serializer.validated_data["reason"])


class TaskFilter(UpdatedSinceFilterSet):
    class Meta:
        model = Round
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="What you should do next, as on your dashboard",
        description="Your host city's next step in each current round, open invitations, rounds to score and "
        "the lead evaluator's next steps. `updated_since` keeps tasks of rounds changed since then.",
        tags=["you"],
    )
)
class TaskViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.TaskSerializer
    filterset_class = TaskFilter
    is_list = True

    def get_queryset(self):
        return Round.objects.none()  # for the filter's parameters; the tasks come from the dashboards

    def list(self, request, *args, **kwargs):
        filterset = TaskFilter(request.query_params, queryset=Round.objects.none(), request=request)
        self.filter_queryset(Round.objects.none())  # the same checks of the query as every list
        since = filterset.form.cleaned_data.get("updated_since") if filterset.is_valid() else None
        tasks = [task for task in _tasks(request) if since is None or task["round"].updated_at >= since]
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(s.TaskSerializer(page, many=True).data)


def _tasks(request) -> list[dict]:
    user = request.user
    today = timezone.localdate()
    tasks: list[dict] = []
    host = selectors.host_dashboard(user, today)
    if host is not None:
        for row in host.current:
            if row.action is not None and row.action.primary:
                tasks.append(
                    _task(
                        request,
                        row.review_round,
                        "host_member",
                        row.action,
                        row.review_round.current_due_date,
                    )
                )
    evaluator = selectors.evaluator_dashboard(user, today)
    if evaluator is not None:
        for assignment in evaluator.invitations:
            url = reverse("peerreview:invitation_respond", args=[assignment.pk])
            tasks.append(
                _task(
                    request,
                    assignment.round,
                    "evaluator",
                    selectors.NextAction(_("Answer the invitation"), url),
                    assignment.due_date,
                )
            )
        for assignment in evaluator.to_score:
            if assignment.is_lead:
                continue  # the lead's next actions below say it
            url = reverse("peerreview:scoring_sheet", args=[assignment.round_id])
            tasks.append(
                _task(
                    request,
                    assignment.round,
                    "evaluator",
                    selectors.NextAction(_("Submit your own scores"), url),
                    assignment.round.scoring_due,
                )
            )
        for assignment, actions in evaluator.leading:
            for next_action in actions:
                if next_action.primary:
                    tasks.append(
                        _task(
                            request,
                            assignment.round,
                            "lead_evaluator",
                            next_action,
                            assignment.round.current_due_date,
                        )
                    )
    return sorted(tasks, key=lambda task: (task["due"] is None, task["due"] or today, task["round"].pk))


def _task(request, review_round: Round, role: str, next_action, due) -> dict:
    return {
        "round": review_round,
        "role": role,
        "action": str(next_action.label),
        "url": request.build_absolute_uri(next_action.url),
        "due": due,
    }


class MeView(ApiViewMixin, APIView):
    """The caller: the person the token or session belongs to."""

    @extend_schema(summary="Who you are to the API", responses=s.MeSerializer, tags=["you"])
    def get(self, request):
        user = request.user
        profile = getattr(user, "evaluator_profile", None)
        data = s.MeSerializer(
            {
                "id": user.pk,
                "full_name": user.full_name,
                "email": user.email,
                "language": user.language,
                "is_coordinator": user.is_coordinator,
                "cities": [m.city for m in user.memberships.select_related("city").order_by("city__name")],
                "evaluator_home_city": profile.home_city if profile else None,
                "token": request.auth if isinstance(request.auth, ApiToken) else None,
            }
        ).data
        return self.respond_with_etag(request, data)
