"""Fuzz the REST API from its own OpenAPI document: no 500s, every answer matches the schema.

schemathesis generates requests for every operation in ``/api/openapi.json``
(valid and invalid ones), sends them in-process to the WSGI app signed in with a
bearer token, and checks each answer: never a server error, and the body and
status match what the document promises (the error shape included).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

#: Examples per operation: enough to reach every parameter, bounded for the suite's time.
EXAMPLES = 12
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    for result in schema.get_all_operations():
        yield result.ok()


def _fuzz(operation, headers: dict, failures: list, calls: list) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        if operation.path == "/api/session" and case.method == "DELETE":
            return  # signing out would end the token the other cases use
        response = case.call(headers=headers)
        calls.append(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as err:  # noqa: BLE001 - collected, reported together below
            failures.append(f"{case.method} {case.formatted_path}: {str(err)[:600]}")
            raise

    try:
        run()
    except (Exception, BaseExceptionGroup):  # noqa: BLE001 - already in ``failures``
        pass


def test_api_answers_every_generated_request_within_its_schema(app, api):
    token = api("zhangwei").headers
    failures: list[str] = []
    calls: list[int] = []
    operations = list(_operations(app))
    assert len(operations) > 15
    for operation in operations:
        _fuzz(operation, token, failures, calls)
    assert not failures, "\n\n".join(failures)
    assert len(calls) > 5 * len(operations)  # each operation was really exercised
    assert {200, 400, 404} <= set(calls)  # valid requests as well as refused ones
