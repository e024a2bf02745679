"""Every path README documents, and every operation of the OpenAPI document, is served by the app; every API route
is in the OpenAPI document. Removing an endpoint the documents promise fails here."""
from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app.settings import PROJECT_ROOT

_BACKTICKED = re.compile(r"`(?:(GET|POST|PUT|PATCH|DELETE) )?(/[^`\s]*)`")
_PLACEHOLDER = re.compile(r"<[^>]+>|\{[^}]+\}")
UNDOCUMENTED_API = {"/api/v1/openapi.json"}


def readme_paths() -> list[tuple[str | None, str]]:
    """(method or None, path) for every backticked path of README; ``/unclaim`` after
    ``/api/v1/tasks/{id}/claim`` on one line is read as ``/api/v1/tasks/{id}/unclaim``."""
    found = []
    for line in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        previous = None
        for method, path in _BACKTICKED.findall(line):
            if previous and path.count("/") == 1 and previous.startswith("/api/"):
                path = previous.rsplit("/", 1)[0] + path
            found.append((method or None, path))
            previous = path
    return found


def _served(adapter, path: str, method: str | None) -> bool:
    try:
        adapter.match(_PLACEHOLDER.sub("1", path), method=method or "GET")
    except MethodNotAllowed:
        return method is None  # the path exists, with other methods
    except (NotFound, RequestRedirect):
        return False
    return True


def test_readme_documents_paths_at_all():
    paths = {path for _, path in readme_paths()}
    assert {"/login", "/tasks", "/api/v1/evaluations/batch", "/api/v1/models"} <= paths


@pytest.mark.parametrize(("method", "path"), sorted(set(readme_paths()), key=lambda p: (p[1], p[0] or "")))
def test_each_path_readme_documents_is_served(app, method, path):
    adapter = app.url_map.bind("localhost")
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    family = method is None and path.startswith("/api/") and any(r.startswith(path.rstrip("/") + "/") for r in rules)
    assert _served(adapter, path, method) or family, f"README documents {method or ''} {path}; no route serves it"


def test_each_openapi_operation_is_served_and_each_api_route_is_documented(app, client):
    spec = client.get("/api/v1/openapi.json").json
    adapter = app.url_map.bind("localhost")
    for path, operations in spec["paths"].items():
        for method in operations.keys() & {"get", "post", "put", "patch", "delete"}:
            assert _served(adapter, path, method.upper()), f"OpenAPI documents {method.upper()} {path}"
    documented = {re.sub(r"\{[^}]+\}", "<>", path) for path in spec["paths"]}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.rule not in UNDOCUMENTED_API:
            assert re.sub(r"<[^>]+>", "<>", rule.rule) in documented, f"{rule.rule} is missing from OpenAPI"
