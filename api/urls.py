"""/api/v1/: the REST API, its OpenAPI schema and its documentation page."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
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
    """The OpenAPI 3 schema: public, like the documentation of any API (it holds no data).

    The schema is the code's: each process builds it once per language and version, and writes
    it once per format, then serves the same bytes. Building and writing it took 90 ms (JSON) to
    165 ms (YAML) of every request, for anyone who asked, signed in or not."""

    permission_classes = [AllowAny]
    authentication_classes = []
    _built: ClassVar[dict[tuple, Response]] = {}
    _written: ClassVar[dict[tuple, tuple[bytes, str]]] = {}

    def _key(self, request) -> tuple | None:
        """(language, version); None, not kept, for a language the site does not offer, so that
        `?lang=` cannot fill the memory. Called in the schema's language."""
        language = translation.get_language()
        if language not in dict(settings.LANGUAGES):
            return None
        return (language, self.api_version or request.version or self._get_version_parameter(request))

    def _get_schema_response(self, request):
        key = self._key(request)
        if key is None:
            return super()._get_schema_response(request)
        if key not in self._built:
            self._built[key] = super()._get_schema_response(request)
        built = self._built[key]
        response = Response(data=built.data, headers=dict(built.headers))
        response.schema_key = key
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(response, "schema_key", None)
        if key is not None and response.status_code == 200:
            key = (*key, response.accepted_media_type)
            if key not in self._written:
                response.render()
                self._written[key] = (response.content, response["Content-Type"])
            else:
                response.content, response["Content-Type"] = self._written[key]
        return response


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
