"""CSRF tokens (the check itself is accounts.deps.check_csrf, the one place every cookie write meets).

* Signed in: a synchronizer token bound to the session, HMAC-SHA-256 keyed with the session token.
  The session token is 256 random bits held in an HttpOnly cookie, so no other site can compute
  it, and it needs no server secret: every app server derives the same token. It is sent as the
  hidden form field ``csrf_token`` by the server-rendered forms and as the ``X-CSRF-Token``
  header by the survey page's scripts. Bearer-token requests (API clients) need none: a browser
  never adds an Authorization header on its own.
* Signing in (no session yet): a double-submit cookie. GET /login sets a random value in the
  cookie ``heritage_login_csrf`` and the same value in the form; POST /login needs both equal, so a
  foreign page cannot sign a victim in to the attacker's account (login CSRF).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOGIN_CSRF_COOKIE = "heritage_login_csrf"
LOGIN_CSRF_SECONDS = 2 * 3600
_PURPOSE = b"heritage-map csrf v1"
MAX_TOKEN_CHARS = 200


def session_csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), _PURPOSE, hashlib.sha256).hexdigest()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def well_formed(value: object) -> bool:
    return isinstance(value, str) and 20 <= len(value) <= MAX_TOKEN_CHARS and value.isascii()


def matches(given: object, expected: str | None) -> bool:
    """Constant-time comparison; anything missing or malformed never matches."""
    return well_formed(given) and well_formed(expected) and hmac.compare_digest(given.encode(), expected.encode())
