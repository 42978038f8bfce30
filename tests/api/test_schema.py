"""The OpenAPI 3.1 schema (drf-spectacular) validates, describes every endpoint's parameters, errors and an
example, and the interactive docs are served from the vendored Swagger UI (drf-spectacular-sidecar), no CDN."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture
def schema(issue_token) -> dict:
    response = issue_token("Support").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3.1.0")


def test_every_operation_documents_its_errors_and_parameters(schema):
    assert schema["openapi"] == "3.1.0"
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert {path for path, _, _ in operations} >= {
        "/api/v1/orders/",
        "/api/v1/orders/{order_id}/",
        "/api/v1/payouts/",
        "/api/v1/payouts/{payout_order_id}/",
    }
    for path, method, op in operations:
        assert op.get("summary") and op.get("description"), (path, method)
        for code in ("401", "403", "429"):
            problem = op["responses"][code]["content"]["application/problem+json"]
            assert problem["schema"]["$ref"].endswith("/Problem") and problem["examples"], (path, method, code)
        for param in op.get("parameters", []):
            assert param.get("description"), (path, param["name"])
    params = {p["name"] for p in schema["paths"]["/api/v1/orders/"]["get"]["parameters"]}
    assert {"q", "status", "period", "created_from", "created_to", "sort", "merchant", "cursor", "page_size"} <= params
    assert schema["paths"]["/api/v1/orders/"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]


def test_money_is_documented_as_a_string_amount_with_a_currency(schema):
    money = schema["components"]["schemas"]["Money"]
    assert money["properties"]["amount"]["type"] == "string"
    assert money["properties"]["currency"]["type"] == "string"


def test_both_authentications_are_described(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token, created on /account/tokens/ (shown once).",
    }
    assert "cookieAuth" in schemes


def test_the_schema_needs_a_signed_in_caller(db):
    response = Client().get("/api/schema/")
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"


def test_the_docs_page_serves_vendored_swagger_ui_to_signed_in_people(client_as, db):
    assert Client().get("/api/docs/").status_code == 302  # a page: anonymous people are sent to sign in
    client = client_as("Support")
    page = client.get("/api/docs/")
    assert page.status_code == 200
    body = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in s for s in sources)
    assert all(s.startswith("/") for s in sources), sources  # nothing from another host (no CDN)
    assert "<style" not in body and not re.search(r"<script>(?!</script>)", body)  # CSP without unsafe-inline
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
