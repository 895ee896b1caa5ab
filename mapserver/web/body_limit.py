"""Bounded request bodies: 413 from the Content-Length alone, or as soon as the bytes received pass
the limit (chunked bodies too), before a body costs memory or disk.

JSON and form bodies get ``max_body_bytes`` on every route, the planner's JSON included; a multipart
body sent to an upload route gets that route's own limit. The table of upload routes lives here
because both this layer and the upload guard (web.upload_guard: who may upload) read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import PROBLEM_TYPE, PayloadTooLarge, problem_body

BODY_METHODS = ("POST", "PUT", "PATCH")
# Room for the multipart envelope (boundaries, part headers, the small form fields) beside the file,
# so that a file of exactly the route's limit still gets through to the route's own check.
FORM_ALLOWANCE = 64 * 1024


@dataclass(frozen=True)
class UploadRoute:
    setting: str  # the Settings field that limits the uploaded file
    role: str | None  # the least role that may upload; None: anyone may (the planner is public)


UPLOAD_ROUTES = {
    "/api/surveys": UploadRoute("survey_max_bytes", "surveyor"),
    "/api/scans": UploadRoute("scan_max_bytes", "surveyor"),
    "/api/planner/impact": UploadRoute("planner_upload_max_bytes", None),
    "/api/terrain/layers": UploadRoute("scan_max_bytes", "admin"),  # DEMs and orthophotos: as large as scans
}
# Whole subtrees, so that an upload endpoint added later (media of records) is covered from day one.
UPLOAD_PREFIXES = {"/api/media": UploadRoute("media_max_bytes", "surveyor")}


class BodyTooLarge(PayloadTooLarge):
    """Raised to the app when its body passes the limit; a ProblemError so that an app reading the
    body by hand answers 413 without logging an unexpected error."""


def upload_route(scope: Scope) -> UploadRoute | None:
    """The upload route a request writes to, if any (GET and friends never upload)."""
    if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
        return None
    # A trailing slash would only earn a redirect, but refuse it the same way before that.
    path = scope["path"].rstrip("/")
    if path in UPLOAD_ROUTES:
        return UPLOAD_ROUTES[path]
    for prefix, route in UPLOAD_PREFIXES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return route
    return None


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def is_multipart(scope: Scope) -> bool:
    return (header(scope, b"content-type") or "").lower().startswith("multipart/")


def body_limit_of(scope: Scope, settings, default: int) -> int:
    """The limit of this request's body: the route's upload limit for a multipart body sent to an
    upload route, else ``default`` (the JSON limit)."""
    route = upload_route(scope)
    if route is None or settings is None or not is_multipart(scope):
        return default
    return getattr(settings, route.setting) + FORM_ALLOWANCE


def declared_length(scope: Scope) -> int | None:
    value = header(scope, b"content-length")
    return int(value) if value is not None and value.strip().isdigit() else None


def size_text(size: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:.4g} {unit}"
    return f"{size} bytes"


async def send_problem(
    send: Send, scope: Scope, status: int, title: str, detail: str, extra_headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    """An RFC 9457 answer sent before the app ran, so the app's error handlers cannot build it.
    The connection is closed: the unread body must not be drained into the next request."""
    body = json.dumps(problem_body(status, title, detail, scope["path"])).encode()
    headers = [
        (b"content-type", PROBLEM_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *extra_headers,
    ]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="heritage"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_too_large(send: Send, scope: Scope, limit: int) -> None:
    await send_problem(send, scope, 413, "Request too large", f"Request bodies are limited to {size_text(limit)} here.")


async def run_limited(app: ASGIApp, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """Run ``app`` with its body capped at ``limit`` bytes. A declared length over the limit is
    refused before the app runs; otherwise the bytes are counted as the app reads them, and once
    the count passes the limit the app's reads fail and its answer (often a 400 "error parsing the
    body" from FastAPI, which wraps the failure) is replaced by the 413."""
    declared = declared_length(scope)
    if declared is not None and declared > limit:
        await send_too_large(send, scope, limit)
        return
    received = 0
    over = False  # the limit was passed
    app_started = False  # the app had begun its answer before that: it can no longer be replaced
    replaced = False

    async def counted_receive() -> Message:
        nonlocal received, over
        if over:
            raise BodyTooLarge(f"The body is larger than {size_text(limit)}.")
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                over = True
                raise BodyTooLarge(f"The body is larger than {size_text(limit)}.")
        return message

    async def checked_send(message: Message) -> None:
        nonlocal app_started, replaced
        if over and not app_started:
            if not replaced:
                replaced = True
                await send_too_large(send, scope, limit)
            return
        if message["type"] == "http.response.start":
            app_started = True
        await send(message)

    try:
        await app(scope, counted_receive, checked_send)
    except Exception:
        # The app gave up because its reads failed: that is the 413 below, not a server error.
        if not over or app_started:
            raise
    if over and not app_started and not replaced:
        await send_too_large(send, scope, limit)


class BodyLimit:
    """Caps every request body (see the module text); the route limits come from the app's settings."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        owner = scope.get("app")
        settings = getattr(getattr(owner, "state", None), "settings", None)
        await run_limited(self.app, scope, receive, send, body_limit_of(scope, settings, self.max_bytes))
