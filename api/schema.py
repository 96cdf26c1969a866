"""The OpenAPI schema's parts that drf-spectacular cannot infer: the token scheme, and the
problem-details answers every operation may give."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

PROBLEM_MEDIA_TYPES = ("application/problem+json",)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from My account → API tokens and calendar: "
            "`Authorization: Bearer prt_…`. A read-only token may only read.",
        }


class ProblemAutoSchema(AutoSchema):
    """Every operation documents its errors as RFC 9457 problem details."""

    def _get_response_bodies(self, direction="response"):
        from .serializers import ProblemSerializer

        responses = super()._get_response_bodies(direction)
        codes = ["400", "401", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["403", "409"]
        elif "{round_id}" in self.path and not self.path.startswith("/api/v1/reports"):
            codes.append("403")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ProblemSerializer, code, media_types=PROBLEM_MEDIA_TYPES, direction=direction
                )
        return responses
