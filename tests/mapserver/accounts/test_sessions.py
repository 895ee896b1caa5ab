"""Revocation: signing out ends the session in the database, tokens expire, an administrator lists,
revokes and disables through `heritage users …` (typer's CliRunner on the live server's database)."""

from __future__ import annotations

import re

import httpx
import psycopg
import pytest
from typer.testing import CliRunner

from mapserver.accounts.cli import users_app

from .helpers import PASSWORD, Browser, clear_throttle, make_users, post_login


@pytest.fixture(scope="module")
def tokens(module_dsn):
    return make_users(module_dsn, ("ss-surveyor", "surveyor"), ("ss-expired", "surveyor"), ("ss-gone", "surveyor"))


@pytest.fixture(autouse=True)
def no_earlier_failures(module_dsn):
    clear_throttle(module_dsn)


def session_count(dsn: str, name: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT count(*) FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.name = %s AND kind = 'session'",
            (name,),
        ).fetchone()[0]


def test_sign_out_deletes_the_session(live_server, tokens, module_dsn):
    browser = Browser(live_server.url, "ss-surveyor")
    assert browser.client.get("/api/scans").status_code == 200
    assert session_count(module_dsn, "ss-surveyor") == 1
    # without the CSRF token a foreign page cannot sign anyone out either
    assert browser.client.post("/logout").status_code == 403
    out = browser.client.post("/logout", data={"csrf_token": browser.csrf})
    assert out.status_code == 303 and session_count(module_dsn, "ss-surveyor") == 0
    # the old cookie, kept by a thief or replayed, is worth nothing now
    replay = httpx.get(f"{live_server.url}/api/scans", cookies={"heritage_session": browser.session})
    assert replay.status_code == 401
    browser.close()


def test_expired_api_token_is_refused(live_server, tokens, module_dsn):
    auth = {"Authorization": f"Bearer {tokens['ss-expired']}"}
    assert live_server.client.get("/api/scans", headers=auth).status_code == 200
    with psycopg.connect(module_dsn) as conn:
        expires = conn.execute(
            "SELECT t.expires_at - t.created_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.name = %s",
            ("ss-expired",),
        ).fetchone()[0]
        assert expires.days == 365  # API tokens expire (HERITAGE_API_TOKEN_DAYS)
        conn.execute(
            "UPDATE api_tokens SET expires_at = now() - interval '1 second' "
            "WHERE user_id = (SELECT id FROM users WHERE name = 'ss-expired')"
        )
    refused = live_server.client.get("/api/scans", headers=auth)
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")


def test_cli_tokens_revoke_disable_enable(live_server, tokens, module_dsn, monkeypatch, tmp_path):
    monkeypatch.setenv("HERITAGE_DATABASE_URL", module_dsn)
    monkeypatch.setenv("HERITAGE_VAR_DIR", str(tmp_path))
    runner = CliRunner()
    made = runner.invoke(users_app, ["add", "ss-cli", "--role", "surveyor", "--password-stdin"], input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    first = made.stdout.strip().splitlines()[-1]
    assert first.startswith("hrt_") and re.search(r"expires \d{4}-\d\d-\d\d", made.output)
    assert runner.invoke(users_app, ["add", "ss-cli", "--role", "surveyor"]).exit_code == 1

    def works(token: str) -> bool:
        return live_server.client.get("/api/scans", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    browser = Browser(live_server.url, "ss-cli")
    listed = runner.invoke(users_app, ["tokens", "ss-cli"])
    assert listed.exit_code == 0 and "api" in listed.stdout and "session" in listed.stdout
    ids = [int(m) for m in re.findall(r"^\W*(\d+)\s", listed.stdout, re.MULTILINE)]
    assert len(ids) == 2 and works(first)

    # revoke one token: the API token stops working, the browser session goes on
    api_id = ids[0]
    one = runner.invoke(users_app, ["revoke", "ss-cli", "--token-id", str(api_id)])
    assert one.exit_code == 0 and f"revoked 1 token(s) of ss-cli: {api_id}" in one.stdout
    assert not works(first) and browser.client.get("/api/scans").status_code == 200
    assert runner.invoke(users_app, ["revoke", "ss-cli", "--token-id", str(api_id)]).exit_code == 1

    # revoke all: the session ends too
    everything = runner.invoke(users_app, ["revoke", "ss-cli"])
    assert everything.exit_code == 0 and "revoked 1 token(s)" in everything.stdout
    assert browser.client.get("/api/scans").status_code == 401

    # disable: the user's API token is refused and signing in fails; enable brings the token back
    gone = tokens["ss-gone"]
    assert works(gone)
    assert runner.invoke(users_app, ["disable", "ss-gone"]).exit_code == 0
    assert not works(gone)
    signin = httpx.Client(base_url=live_server.url, follow_redirects=False)
    assert post_login(signin, "ss-gone").status_code == 401
    assert runner.invoke(users_app, ["enable", "ss-gone"]).stdout.strip() == "user ss-gone enabled"
    assert works(gone) and post_login(signin, "ss-gone").status_code == 303
    assert runner.invoke(users_app, ["disable", "nobody-at-all"]).exit_code == 1
    with psycopg.connect(module_dsn) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE entity = 'user' ORDER BY id")]
    assert {"revoke", "disable", "enable"} <= set(actions)
    signin.close()
    browser.close()


def test_disabling_ends_browser_sessions(live_server, tokens, module_dsn, monkeypatch, tmp_path):
    monkeypatch.setenv("HERITAGE_DATABASE_URL", module_dsn)
    monkeypatch.setenv("HERITAGE_VAR_DIR", str(tmp_path))
    browser = Browser(live_server.url, "ss-surveyor")
    assert browser.client.get("/api/scans").status_code == 200
    assert CliRunner().invoke(users_app, ["disable", "ss-surveyor"]).exit_code == 0
    assert browser.client.get("/api/scans").status_code == 401 and session_count(module_dsn, "ss-surveyor") == 0
    assert CliRunner().invoke(users_app, ["enable", "ss-surveyor"]).exit_code == 0
    browser.close()
