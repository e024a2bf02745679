"""Property-based run over every operation of the OpenAPI document (Schemathesis), as each role that uses the
API (integration client, handler, supervisor, supervision lead, auditor, policy administrator): no input, valid or
not, may give a server error or an answer its schema does not describe.

Fixed seed (derandomized) and a bounded number of examples per operation and mode, so a run is repeatable and takes
a minute or two per database; HCP_FUZZ_EXAMPLES raises the count for a deeper run. A few evaluations (anonymous and
real-name, good and bad, so with open cases and tasks) are recorded first, and every operation that reads one
record by id is also run against those records, so answers with data are checked against their schemas too.
"""
from __future__ import annotations

import contextvars
import os
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.case.models import BadReviewCase
from app.db import db
from app.task.models import CaseTask

EXAMPLES = int(os.environ.get("HCP_FUZZ_EXAMPLES", "8"))
ROLES = {"integration": "client_c", "handler": "handler_a", "supervisor": "supervisor_a",
         "supervisor_lead": "sup_lead_a", "auditor": "auditor_c", "policy_admin": "policy_c"}
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def known_ids(client, world, clock, make_service_case) -> dict[str, int]:
    """Records evaluations through the API and returns ids of real records by path parameter name."""
    ids = {}
    for number, level in enumerate((1, 5, 2)):
        case = make_service_case()
        response = client.post("/api/v1/evaluations", headers=world.headers("client_a"), json={
            "service_case_no": case.case_no, "level": level, "channel": "qr_code", "real_name": number == 1,
            "comment": "排队太久", "evaluated_at": (clock.now() - timedelta(minutes=5)).isoformat()})
        assert response.status_code == 201, response.json
        ids["evaluation_id"] = response.json["id"]
    case = db.session.query(BadReviewCase).order_by(BadReviewCase.id).first()
    ids["case_id"] = case.id
    ids["task_id"] = db.session.query(CaseTask).filter_by(case_id=case.id).first().id
    return ids


def _can_be_invalid(operation) -> bool:
    """Whether any input can break the schema: a body, a query parameter or a typed path parameter."""
    typed_path = any(p.definition.get("schema", {}).get("type") != "string" for p in operation.path_parameters)
    return bool(len(operation.query) or len(operation.body) or typed_path)


def _known_path(operation, known: dict[str, int]) -> dict[str, int] | None:
    names = [p.name for p in operation.path_parameters]
    return {name: known[name] for name in names} if names and all(n in known for n in names) else None


def _exercise(operation, headers, failures: list[str], **strategy) -> None:
    mode = strategy.get("generation_mode", GenerationMode.POSITIVE)

    @given(case=operation.as_strategy(**strategy))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        # A fresh context per request, as in production: nothing in flask.g carries over between requests.
        response = contextvars.Context().run(case.call, headers=headers)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as failure:
            failures.append(f"{operation.label} ({mode}): {str(failure).strip()[:1500]}")

    run()


@pytest.mark.parametrize("role", ROLES)
def test_no_operation_answers_a_server_error_or_breaks_its_schema(app, world, known_ids, role):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {world.tokens[ROLES[role]]}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        _exercise(operation, headers, failures)
        if _can_be_invalid(operation):
            _exercise(operation, headers, failures, generation_mode=GenerationMode.NEGATIVE)
        if known := _known_path(operation, known_ids):
            _exercise(operation, headers, failures, path_parameters=known)
    assert not failures, f"{len(failures)} failures as {role}:\n" + "\n\n".join(failures[:20])
