"""The rate limit of partner keys, before any route runs: a request carrying ``X-API-Key`` is
counted against its key; an unknown or revoked key is a 401, a key over its limit a 429 with
``Retry-After``. Answers to counted requests carry ``RateLimit-Limit`` / ``RateLimit-Remaining`` /
``RateLimit-Reset``. Requests without a key are not touched here."""

from __future__ import annotations

import math

import psycopg
from psycopg_pool import PoolTimeout
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..web.body_limit import send_problem
from .service import KEY_HEADER, count_request

_KEY_HEADER = KEY_HEADER.encode()
MAX_KEY_CHARS = 200


class PartnerKeys:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key_of(scope) if scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        if len(key) > MAX_KEY_CHARS:
            await send_problem(send, scope, 401, "Unknown API key", "This API key is not valid.")
            return
        try:
            verdict = await count_request(scope["app"].state.pool, key)
        except (psycopg.OperationalError, PoolTimeout):
            await send_problem(send, scope, 503, "Service unavailable", "The database is not reachable; try again.")
            return
        if verdict is None:
            await send_problem(send, scope, 401, "Unknown API key", "This API key is not valid or was revoked.")
            return
        reset = str(max(1, math.ceil(verdict.reset_seconds)))
        limits = (
            (b"ratelimit-limit", str(verdict.per_minute).encode()),
            (b"ratelimit-remaining", str(verdict.remaining).encode()),
            (b"ratelimit-reset", reset.encode()),
        )
        if not verdict.allowed:
            detail = f"This key may make {verdict.per_minute} requests a minute; try again in {reset} s."
            await send_problem(
                send, scope, 429, "Too many requests", detail, (*limits, (b"retry-after", reset.encode()))
            )
            return

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in limits:
                    headers.append(name.decode(), value.decode())
            await send(message)

        await self.app(scope, receive, send_with_limits)


def _key_of(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _KEY_HEADER:
            return value.decode("latin-1").strip()
    return None
