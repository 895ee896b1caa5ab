"""Signing in the way a browser does (the login form's CSRF token, then the session's from a page)."""

from __future__ import annotations

import re

import httpx
import psycopg

PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def make_users(dsn: str, *people: tuple[str, str]) -> dict[str, str]:
    """{name: API token} of new users (name, role), all with PASSWORD."""
    from mapserver.accounts.service import create_user

    with psycopg.connect(dsn) as conn:
        return {name: create_user(conn, name, role, PASSWORD)[1] for name, role in people}


def login_form_token(client: httpx.Client) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    return CSRF_FIELD.search(page.text).group(1)


def post_login(client: httpx.Client, name: str, password: str = PASSWORD, token: str | None = None, **extra):
    data = {"name": name, "password": password, "next": "/staff", **extra}
    data["csrf_token"] = token if token is not None else login_form_token(client)
    return client.post("/login", data=data)


class Browser:
    """An httpx client holding a signed-in session and the session's CSRF token."""

    def __init__(self, base_url: str, name: str):
        self.client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
        r = post_login(self.client, name)
        assert r.status_code == 303, r.text
        self.csrf = CSRF_FIELD.search(self.client.get("/staff").text).group(1)  # the sign-out form's
        self.session = self.client.cookies["heritage_session"]

    def close(self) -> None:
        self.client.close()


def clear_throttle(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("DELETE FROM login_attempts")
