"""One error model for the whole API: RFC 9457 problem+json with a safe, human message.

Internals (SQL, stack traces, exception text) are logged, never sent to the client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("heritage.errors")

PROBLEM_TYPE = "application/problem+json"


class ProblemError(Exception):
    """An error the client caused or can act on; `detail` must be safe to show."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, parameter: str | None = None, errors: list[dict] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.parameter = parameter
        self.errors = errors


class InvalidParameter(ProblemError):
    status = 400
    title = "Invalid parameter"


class NotFound(ProblemError):
    status = 404
    title = "Not found"


class Unprocessable(ProblemError):
    status = 422
    title = "Upload rejected"


class PayloadTooLarge(ProblemError):
    status = 413
    title = "Upload too large"


class ServiceUnavailable(ProblemError):
    status = 503
    title = "Service unavailable"


class UnsupportedMediaType(ProblemError):
    status = 415
    title = "Unsupported media type"


class Conflict(ProblemError):
    status = 409
    title = "Conflict"


class Unauthorized(ProblemError):
    status = 401
    title = "Unauthorized"


class Forbidden(ProblemError):
    status = 403
    title = "Forbidden"


def _domain_errors() -> dict[type[Exception], Callable[[Exception], ProblemError]]:
    """Each domain exception, raised by code that knows nothing of HTTP, and the problem it is
    for a client. Registered here once; routes let them through."""
    from psycopg.errors import CheckViolation, DataError, ForeignKeyViolation, NotNullViolation, UniqueViolation

    from .importer.vector_files import VectorFileError
    from .media.errors import MediaRejected, MediaTooLarge, UnsupportedMedia
    from .scans.register import ScanRejected
    from .surveys.ingest import SurveyRejected

    return {
        ForeignKeyViolation: _missing_reference,
        UniqueViolation: _duplicate,
        CheckViolation: _broken_rule,
        # a value PostgreSQL cannot take (a NUL character, a number out of range …): the client's
        DataError: lambda e: InvalidParameter("a value cannot be used here (invalid character or out of range)"),
        NotNullViolation: lambda e: InvalidParameter(
            "cannot be empty", parameter=getattr(getattr(e, "diag", None), "column_name", None)
        ),
        SurveyRejected: lambda e: Unprocessable(str(e), errors=[x.as_dict() for x in e.errors]),
        ScanRejected: lambda e: Unprocessable(str(e)),
        VectorFileError: lambda e: InvalidParameter(str(e), parameter="file"),
        # Starlette looks a handler up by the exception's own class first, then its bases.
        UnsupportedMedia: lambda e: UnsupportedMediaType(str(e), parameter="file"),
        MediaTooLarge: lambda e: PayloadTooLarge(str(e), parameter="file"),
        MediaRejected: lambda e: Unprocessable(str(e), parameter="file"),
    }


def _constraint_column(exc: Exception, suffix: str) -> str | None:
    """The column a violated constraint is about, from its name (<table>_<column>_fkey/_key)."""
    name = getattr(getattr(exc, "diag", None), "constraint_name", None) or ""
    table = getattr(getattr(exc, "diag", None), "table_name", None) or ""
    if name.startswith(table + "_") and name.endswith(suffix):
        return name[len(table) + 1 : -len(suffix)] or None
    return None


def _missing_reference(exc: Exception) -> ProblemError:
    column = _constraint_column(exc, "_fkey")
    return InvalidParameter("refers to a record that does not exist", parameter=column)


def _duplicate(exc: Exception) -> ProblemError:
    column = _constraint_column(exc, "_key")
    return Conflict(f"A record with the same {column or 'key'} exists already.", parameter=column)


def _broken_rule(exc: Exception) -> ProblemError:
    # Constraint names are ours (migrations), never user data: safe to show.
    name = getattr(getattr(exc, "diag", None), "constraint_name", None) or "a rule of the record"
    return InvalidParameter(f"The values break the rule '{name}'.", parameter=_constraint_column(exc, "_check"))


def problem_body(status: int, title: str, detail: str, instance: str, **extra) -> dict:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": instance}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(status: int, title: str, detail: str, instance: str, **extra) -> JSONResponse:
    body = problem_body(status, title, detail, instance, **extra)
    headers = {"WWW-Authenticate": 'Bearer realm="heritage"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError):
        return problem_response(
            exc.status, exc.title, exc.detail, request.url.path, parameter=exc.parameter, errors=exc.errors
        )

    for exc_type, to_problem in _domain_errors().items():

        async def _domain(request: Request, exc: Exception, to_problem=to_problem):
            return await _problem(request, to_problem(exc))

        app.add_exception_handler(exc_type, _domain)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        issues = []
        for err in exc.errors():
            loc = [str(part) for part in err.get("loc", ()) if part not in ("query", "body", "path")]
            issues.append({"parameter": ".".join(loc) or None, "reason": str(err.get("msg", "invalid"))})
        names = ", ".join(i["parameter"] for i in issues if i["parameter"]) or "request"
        return problem_response(
            400, "Invalid parameter", f"Invalid value for: {names}", request.url.path, errors=issues
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code < 500 else "Request failed"
        return problem_response(exc.status_code, titles.get(exc.status_code, "Error"), detail, request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(
            500, "Internal server error", "The server could not complete the request.", request.url.path
        )
