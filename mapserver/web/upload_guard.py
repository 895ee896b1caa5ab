"""The gate in front of every upload route (web.body_limit.UPLOAD_ROUTES and UPLOAD_PREFIXES).

It decides from the headers alone, before a single body byte is read, so that nobody can make the
server spool a body it would refuse anyway: 401 without a valid bearer token or session cookie, 403
when the role is too low, 413 when the Content-Length is over the route's limit. Admitted bodies are
counted as they stream in and cut off with 413 the moment they pass it (chunked bodies too).

The planner is public: it needs no sign-in, only the limits. The routes keep their own checks
(require_role, spool_upload): this layer refuses early, it does not replace them.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..accounts.service import SESSION_COOKIE, user_from_token
from ..errors import Forbidden, ProblemError, Unauthorized
from .body_limit import (
    body_limit_of,
    declared_length,
    is_multipart,
    run_limited,
    send_problem,
    size_text,
    upload_route,
)


class UploadGuard:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = upload_route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # headers and cookies only: its receive is never called
        settings = request.app.state.settings
        try:
            if route.role is not None:
                await _check_user(request, route.role)
        except ProblemError as exc:
            await send_problem(send, scope, exc.status, exc.title, exc.detail)
            return
        limit = body_limit_of(scope, settings, settings.max_body_bytes)
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            if is_multipart(scope):
                file_limit = size_text(getattr(settings, route.setting))
                allowed = f"Files uploaded to {scope['path']} are limited to {file_limit}"
            else:
                allowed = f"Request bodies are limited to {size_text(limit)} here"
            await send_problem(send, scope, 413, "Upload too large", f"{allowed}; this one is {size_text(declared)}.")
            return
        await run_limited(self.app, scope, receive, send, limit)


async def _check_user(request: Request, role: str) -> None:
    """The rules of accounts.deps.current_user and require_role that the headers can settle; the
    route applies them again through its dependency, with the CSRF token of a cookie request
    (which may come as a form field, so only the route can read it)."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        origin = request.headers.get("origin")
        if token and origin and origin.rstrip("/") != str(request.base_url).rstrip("/"):
            raise Forbidden("Cross-site request refused.")
    if not token:
        raise Unauthorized("Sign in or send an API token (Authorization: Bearer …).")
    user = await user_from_token(request.app.state.pool, token)
    if user is None:
        raise Unauthorized("The token or session is invalid or has expired.")
    if not user.has_role(role):
        raise Forbidden(f"This needs the '{role}' role.")
