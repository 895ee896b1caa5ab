"""The error answers of every operation in /openapi.json, written once for the whole app.

FastAPI documents a 200 and a 422 "Validation Error" for each route. Neither tells the truth about
errors here: validation errors are answered 400 (errors.py), and every error is an RFC 9457
``application/problem+json``. ``document_errors(app)`` post-processes ``app.openapi()``: each
operation gets the statuses it can answer, derived from what the route is made of, each with the
problem schema:

* 400: the operation takes parameters, a body or the raw request (a malformed value, an unknown
  parameter, a body that does not parse);
* 401: it reads the user (an invalid or expired token or session);
* 403: it needs a role, or writes on behalf of a signed-in browser (CSRF and origin checks);
* 404: its path names a record (and a few lookups of their own: ``NOT_FOUND_TOO``);
* 409: it writes (a duplicate key, a record not in the state the action needs);
* 413: it takes a body (bodies and uploads have size limits);
* 415: the OGC items POST, which takes a form or JSON only, and media uploads (sniffed content);
* 422: it takes an upload (a file whose content is rejected, nothing stored);
* 503: it needs the database (down or overloaded: retry).

429 is answered by the sign-in form only, which is not part of the API document. Statuses a route
documents itself (e.g. /healthz's 503 body) are kept; missing problem bodies are added to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, routing

from ..errors import PROBLEM_TYPE

DESCRIPTIONS = {
    400: "Invalid parameter or body; 'parameter' names it",
    401: "Not signed in, or the token or session is invalid or has expired",
    403: "The user's role does not allow it, or a cross-site or CSRF-less browser write",
    404: "No such record (or the public may not see it)",
    409: "Conflicts with the stored data (a duplicate, or a record in another state)",
    413: "The body or upload is too large",
    415: "The body is not of an accepted media type",
    422: "The upload was read but rejected; nothing was stored",
    503: "The database is not reachable right now; retry shortly",
}
PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details. Internals (SQL, stack traces) are never included.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "parameter": {"type": "string", "description": "The parameter or body field at fault"},
        "errors": {
            "type": "array",
            "description": "Every problem found (a parameter and reason, or a row, column and reason)",
            "items": {"type": "object"},
        },
    },
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SAFE_METHODS = ("get", "head", "options")
# POSTs that only read: a search, a report, a page of features with a long filter.
READ_ONLY_POSTS = ("/api/sites/search", "/api/planner/impact", "/ogc/collections/{collection_id}/items")
NOT_FOUND_TOO = (("get", "/api/boundary"),)  # answers 404 while no province outline is loaded
MEDIA_TYPE_CHECKED = (("post", "/ogc/collections/{collection_id}/items"), ("post", "/api/media"))
VALIDATION_REF = "#/components/schemas/HTTPValidationError"


def document_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and so /openapi.json and /docs) include the error responses."""
    plain = app.openapi
    documented: list[dict] = []  # the schema object already post-processed (FastAPI caches it)

    def openapi() -> dict[str, Any]:
        schema = plain()
        if not documented or documented[0] is not schema:
            add_error_responses(schema, route_traits(app))
            documented[:] = [schema]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def route_traits(app: FastAPI) -> dict[tuple[str, str], set[str]]:
    """(method, path) → what the route depends on: "user", "role", "database", "request"."""
    traits: dict[tuple[str, str], set[str]] = {}
    for path, methods, route in _api_routes(app):
        found = set()
        for call in _calls(route.dependant):
            name = getattr(call, "__qualname__", "")
            if name == "current_user":
                found |= {"user", "database"}
            elif name.startswith("require_role."):
                found |= {"user", "role", "database"}
            elif name == "get_pool":
                found.add("database")
        if route.dependant.request_param_name:
            found |= {"request", "database"}
        for method in methods:
            traits[(method.lower(), path)] = found
    return traits


def _api_routes(app: FastAPI) -> Iterator[tuple[str, set[str], routing.APIRoute]]:
    contexts = getattr(routing, "iter_route_contexts", None)
    if contexts is None:  # FastAPI before included routers became contexts
        for route in app.routes:
            if isinstance(route, routing.APIRoute) and route.include_in_schema:
                yield route.path_format, route.methods, route
        return
    for context in contexts(app.routes):
        route = context.original_route
        if isinstance(route, routing.APIRoute) and context.include_in_schema:
            yield context.path_format, context.methods, route


def _calls(dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def statuses(method: str, path: str, operation: dict, traits: set[str]) -> set[int]:
    """The error statuses one operation can answer."""
    out: set[int] = {503} if "database" in traits else set()
    writes = method not in SAFE_METHODS
    if operation.get("parameters") or "requestBody" in operation or "request" in traits or writes:
        out.add(400)
    if "user" in traits:
        out.add(401)
        if "role" in traits or writes:
            out.add(403)
    if "{" in path or (method, path) in NOT_FOUND_TOO:
        out.add(404)
    if writes:
        out.add(413)
        if path not in READ_ONLY_POSTS:
            out.add(409)
    if (method, path) in MEDIA_TYPE_CHECKED:
        out.add(415)
    if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
        out.add(422)
    return out


def add_error_responses(schema: dict, traits: dict[tuple[str, str], set[str]]) -> dict:
    """Add the error responses to every operation of ``schema`` (in place; returned too)."""
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if _is_fastapi_validation(responses.get("422")):
                del responses["422"]  # validation errors are answered 400 (errors.py)
            for status in sorted(statuses(method, path, operation, traits.get((method, path), set()))):
                entry = responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
                entry.setdefault("content", {PROBLEM_TYPE: {"schema": PROBLEM_REF}})
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    if VALIDATION_REF not in repr(schema.get("paths")):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema


def _is_fastapi_validation(response: dict | None) -> bool:
    return bool(response) and VALIDATION_REF in repr(response.get("content", {}))
