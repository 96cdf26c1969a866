"""/api/v1/: the REST API, its OpenAPI schema and its documentation page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from . import docs, views

app_name = "api"

router = SimpleRouter()
router.register("cities", views.CityViewSet, basename="city")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("rounds", views.RoundViewSet, basename="round")
router.register(r"rounds/(?P<round_id>[0-9]+)/progress", views.ActionProgressViewSet, basename="progress")
router.register(
    r"rounds/(?P<round_id>[0-9]+)/indicator-values", views.IndicatorValueViewSet, basename="indicator-value"
)
router.register(
    r"rounds/(?P<round_id>[0-9]+)/agreed-scores", views.AgreedScoreViewSet, basename="agreed-score"
)
router.register("reports", views.ReportViewSet, basename="report")
router.register("action-proposals", views.ActionProposalViewSet, basename="action-proposal")
router.register("me/invitations", views.InvitationViewSet, basename="invitation")
router.register("me/tasks", views.TaskViewSet, basename="task")


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema: public, like the documentation of any API (it holds no data)."""

    permission_classes = [AllowAny]
    authentication_classes = []


# The API answers for itself (401 with problem details); Django's login redirect is for pages.
resource_urls = router.urls
for pattern in resource_urls:
    login_not_required(pattern.callback)

urlpatterns = [
    path("me/", login_not_required(views.MeView.as_view()), name="me"),
    path("schema/", login_not_required(SchemaView.as_view()), name="schema"),
    # The documentation is a page of the site: signed in, so that “Try it out” uses the session.
    path("docs/", docs.docs, name="docs"),
    *resource_urls,
]
