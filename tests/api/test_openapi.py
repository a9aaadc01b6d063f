"""The OpenAPI document is generated and valid; schemathesis finds no 5xx and no response that
breaks it (a bounded run: a few examples per operation)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Err

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_the_document_covers_every_data_endpoint(client) -> None:
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.0")
    assert {"/api/v1/datasets", "/api/v1/datasets/{dataset_id}/records",
            "/api/v1/datasets/{dataset_id}/changes", "/api/v1/subjects/{key}",
            "/api/v1/grant-requests", "/api/v1/collection-requests", "/ogc/",
            "/ogc/conformance", "/ogc/collections/{collection_id}/items",
            "/tiles/{layer}/{z}/{x}/{y}.mvt"} <= set(document["paths"])
    page = client.get("/api/docs")
    assert page.status_code == 200 and b"/api/v1/datasets" in page.data


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_break(app, shared, token) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = token("MZJ", **{"X-Purpose": "fuzz"})
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operation = result.ok()

        @settings(max_examples=15, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case) -> None:
            case.call_and_validate(headers={**headers, **(case.headers or {})}, checks=CHECKS)

        check()
