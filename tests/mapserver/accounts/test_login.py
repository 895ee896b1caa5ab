"""Signing in under attack, over HTTP against the real app and database: argon2 off the event loop,
the same time for unknown and known names, lockouts with exponential back-off shared through
PostgreSQL, and login CSRF."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from mapserver.app import create_app
from tests.conftest import make_settings
from tests.live_server import LiveServer

from .helpers import PASSWORD, clear_throttle, login_form_token, make_users, post_login

CONCURRENT_LOGINS = 16
HEALTHZ_LIMIT_SECONDS = 0.5


@pytest.fixture(scope="module")
def users(module_dsn):
    return make_users(module_dsn, ("lg-surveyor", "surveyor"), ("lg-other", "surveyor"))


@pytest.fixture(autouse=True)
def no_earlier_failures(module_dsn):
    clear_throttle(module_dsn)


def test_concurrent_wrong_logins_do_not_stall_the_server(live_server, users):
    client = httpx.Client(base_url=live_server.url, timeout=60)
    token = login_form_token(client)
    cookies = dict(client.cookies)
    names = ["lg-surveyor"] * 4 + [f"nobody-{i}" for i in range(CONCURRENT_LOGINS - 4)]

    def wrong(name: str) -> int:
        with httpx.Client(base_url=live_server.url, timeout=60, cookies=cookies) as c:
            return c.post("/login", data={"name": name, "password": "wrong password!", "csrf_token": token}).status_code

    with ThreadPoolExecutor(CONCURRENT_LOGINS) as pool:
        started = time.perf_counter()
        futures = [pool.submit(wrong, name) for name in names]
        time.sleep(0.1)  # the sign-ins are now being checked
        delays = []
        while not all(f.done() for f in futures):
            t = time.perf_counter()
            assert live_server.client.get("/healthz").status_code == 200
            delays.append(time.perf_counter() - t)
            time.sleep(0.05)
        statuses = [f.result() for f in futures]
        logins_seconds = time.perf_counter() - started
    delays.sort()
    p90 = delays[int(len(delays) * 0.9)]
    print(
        f"\n{CONCURRENT_LOGINS} wrong sign-ins took {logins_seconds:.2f} s; /healthz meanwhile: {len(delays)} "
        f"requests, median {statistics.median(delays) * 1000:.1f} ms, 90th percentile {p90 * 1000:.1f} ms, "
        f"max {delays[-1] * 1000:.1f} ms"
    )
    assert statuses == [401] * CONCURRENT_LOGINS
    # On the event loop every /healthz of the burst waited seconds (4.2 s in issue 13). The 90th
    # percentile, not the maximum: a loaded test machine alone gives single slow requests.
    assert len(delays) >= 5 and p90 < HEALTHZ_LIMIT_SECONDS and statistics.median(delays) < 0.2
    client.close()


def _login_seconds(client, token, name) -> float:
    t = time.perf_counter()
    r = client.post("/login", data={"name": name, "password": "not the password", "csrf_token": token})
    elapsed = time.perf_counter() - t
    assert r.status_code == 401
    return elapsed


def test_unknown_names_take_as_long_as_known_ones(live_server, users, module_dsn):
    client = httpx.Client(base_url=live_server.url, timeout=30)
    token = login_form_token(client)
    known, unknown = [], []
    for i in range(7):
        clear_throttle(module_dsn)  # seven tries of each must not lock anything out
        known.append(_login_seconds(client, token, "lg-surveyor"))
        unknown.append(_login_seconds(client, token, f"no-such-user-{i}"))
    k, u = statistics.median(known), statistics.median(unknown)
    print(f"\nwrong password: known name median {k * 1000:.1f} ms, unknown name median {u * 1000:.1f} ms")
    assert 0.67 < k / u < 1.5
    assert min(known + unknown) > 0.02  # argon2 did run for both
    client.close()


def test_five_failures_lock_the_account_even_for_the_right_password(live_server, users):
    client = httpx.Client(base_url=live_server.url, timeout=30, follow_redirects=False)
    token = login_form_token(client)
    for _ in range(5):
        assert post_login(client, "lg-surveyor", "wrong password!", token).status_code == 401
    sixth = post_login(client, "lg-surveyor", "wrong password!", token)
    assert sixth.status_code == 429 and 1 <= int(sixth.headers["retry-after"]) <= 30
    assert "Too many failed sign-ins" in sixth.text
    right = post_login(client, "lg-surveyor", PASSWORD, token)
    assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
    assert "heritage_session" not in right.cookies
    # another account from the same address is not locked (the address limit is 20)
    assert post_login(client, "lg-other", PASSWORD, token).status_code == 303
    client.close()


def test_a_success_resets_the_account_count(live_server, users):
    client = httpx.Client(base_url=live_server.url, timeout=30, follow_redirects=False)
    token = login_form_token(client)
    for _ in range(4):
        assert post_login(client, "lg-other", "wrong password!", token).status_code == 401
    assert post_login(client, "lg-other", PASSWORD, token).status_code == 303
    token = login_form_token(client)  # a sign-in uses up the form's token
    for _ in range(4):
        assert post_login(client, "lg-other", "wrong password!", token).status_code == 401
    assert post_login(client, "lg-other", PASSWORD, token).status_code == 303
    client.close()


def test_login_csrf_is_refused(live_server, users):
    client = httpx.Client(base_url=live_server.url, timeout=30, follow_redirects=False)
    data = {"name": "lg-surveyor", "password": PASSWORD}
    # a foreign page posting the form: no token, or a token but none of our cookies
    assert client.post("/login", data=data).status_code == 403
    forged = client.post("/login", data={**data, "csrf_token": "x" * 43})
    assert forged.status_code == 403 and "heritage_session" not in forged.cookies
    token = login_form_token(client)
    assert client.post("/login", data={**data, "csrf_token": token[::-1]}).status_code == 403
    foreign = client.post("/login", data={**data, "csrf_token": token}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    ok = client.post("/login", data={**data, "csrf_token": token})
    assert ok.status_code == 303 and "heritage_session" in ok.cookies
    client.close()


@pytest.fixture
def quick_server(fresh_dsn, tmp_path):
    """An app with lower limits: 3 failures per account, 6 per address (lockouts of 30 s, 60 s …)."""
    settings = make_settings(fresh_dsn, tmp_path).model_copy(
        update={"login_max_failures": 3, "login_address_max_failures": 6}
    )
    server = LiveServer(create_app(settings))
    server.start()
    make_users(fresh_dsn, ("q-user", "surveyor"))
    yield server
    server.stop()


def let_lockout_pass(dsn: str, key: str) -> None:
    """What waiting for Retry-After does, without the wait (and without a slow machine's races)."""
    with psycopg.connect(dsn) as conn:
        conn.execute("UPDATE login_attempts SET locked_until = now() WHERE key = %s AND locked_until > now()", (key,))


def test_back_off_doubles_then_passes(quick_server, fresh_dsn):
    client = httpx.Client(base_url=quick_server.url, timeout=30, follow_redirects=False)
    token = login_form_token(client)
    for _ in range(3):
        assert post_login(client, "q-user", "wrong password!", token).status_code == 401
    locked = post_login(client, "q-user", PASSWORD, token)
    assert locked.status_code == 429 and 20 <= int(locked.headers["retry-after"]) <= 30
    let_lockout_pass(fresh_dsn, "account:q-user")
    assert post_login(client, "q-user", "wrong password!", token).status_code == 401  # the 4th: 60 s now
    doubled = post_login(client, "q-user", PASSWORD, token)
    assert doubled.status_code == 429 and 50 <= int(doubled.headers["retry-after"]) <= 60
    let_lockout_pass(fresh_dsn, "account:q-user")
    assert post_login(client, "q-user", PASSWORD, token).status_code == 303
    with psycopg.connect(fresh_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM login_attempts WHERE key = 'account:q-user'").fetchone()[0] == 0
        address = conn.execute("SELECT failures FROM login_attempts WHERE key = 'address:127.0.0.1'").fetchone()
    assert address == (4,)  # the address keeps its failures: 4 wrong, the successful attempt taken back
    client.close()


def test_an_address_guessing_many_names_is_locked(quick_server, fresh_dsn):
    client = httpx.Client(base_url=quick_server.url, timeout=30, follow_redirects=False)
    token = login_form_token(client)
    for i in range(6):
        assert post_login(client, f"guess-{i}", "wrong password!", token).status_code == 401
    refused = post_login(client, "q-user", PASSWORD, token)  # a name never tried, from that address
    assert refused.status_code == 429 and 20 <= int(refused.headers["retry-after"]) <= 30
    let_lockout_pass(fresh_dsn, "address:127.0.0.1")
    assert post_login(client, "q-user", PASSWORD, token).status_code == 303
    with psycopg.connect(fresh_dsn) as conn:
        # the success took its count back and did not extend the address's lockout
        row = conn.execute(
            "SELECT failures, locked_until > now() FROM login_attempts WHERE key = 'address:127.0.0.1'"
        ).fetchone()
    assert row == (6, False)
    client.close()


def test_names_no_user_can_have_are_just_wrong(live_server, users):
    client = httpx.Client(base_url=live_server.url, timeout=30, follow_redirects=False)
    token = login_form_token(client)
    for name in ("lg-\x00surveyor", "x" * 500, "ü"):
        assert post_login(client, name, PASSWORD, token).status_code == 401
    client.close()
