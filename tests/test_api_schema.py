"""The OpenAPI schema is valid (openapi-spec-validator), generated without a warning, served at
/api/v1/schema/, and documents problem details on every operation."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        out = StringIO()
        # --fail-on-warn: a view whose schema drf-spectacular had to guess fails the build
        call_command("spectacular", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    return json.loads(out.getvalue())


def test_the_schema_is_valid_openapi(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_every_operation_documents_problem_details_and_the_token(schema):
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["apiToken"]["description"],
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("400", "401", "404", "429"):
                content = operation["responses"][code]["content"]
                assert "application/problem+json" in content, (method, path, code)
            if method in ("post", "patch"):
                assert {"403", "409"} <= set(operation["responses"]), (method, path)


@pytest.mark.django_db
def test_the_schema_is_served_to_anyone(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    served = yaml.safe_load(response.content)
    validate(served)
    assert "/api/v1/rounds/{round_id}/progress/{id}/" in served["paths"]


@pytest.mark.django_db
def test_the_schema_is_built_once_and_served_the_same_in_each_format(client):
    """Each process keeps the schema per language and version, and its bytes per format: the
    second answer is the first's, the JSON stays JSON and the YAML YAML, and a language the site
    does not offer is answered without being kept."""
    from api.urls import SchemaView

    SchemaView._built.clear()
    SchemaView._written.clear()
    first = {fmt: client.get("/api/v1/schema/", {"format": fmt} if fmt else {}) for fmt in ("", "json")}
    assert len(SchemaView._written) == 2
    for fmt, response in first.items():
        again = client.get("/api/v1/schema/", {"format": fmt} if fmt else {})
        assert again.status_code == 200
        assert again.content == response.content
        assert again["Content-Type"] == response["Content-Type"]
        assert again["Content-Disposition"] == response["Content-Disposition"]
    assert json.loads(first["json"].content) == yaml.safe_load(first[""].content)
    assert first["json"]["Content-Type"].startswith("application/vnd.oai.openapi+json")
    finnish = client.get("/api/v1/schema/", {"lang": "fi"})
    assert finnish.status_code == 200 and len(SchemaView._written) == 3
    for unknown in ("xx", "zz-top"):
        assert client.get("/api/v1/schema/", {"lang": unknown}).status_code == 200
    assert len(SchemaView._written) == 3 and len(SchemaView._built) == 2
