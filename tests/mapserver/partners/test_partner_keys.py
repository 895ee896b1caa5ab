"""Partner keys over HTTP: a key's requests are counted and limited per minute across app servers
(two apps on one database share the limit), refusals are 429 with Retry-After, usage counts are
right, unknown and revoked keys are 401, and only administrators see the usage."""

from __future__ import annotations

import psycopg
import pytest

from mapserver.accounts.service import create_user
from mapserver.app import create_app
from mapserver.partners import service
from tests.conftest import make_settings
from tests.live_server import LiveServer


@pytest.fixture(scope="module")
def keys(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        admin = create_user(conn, "pk-admin", "admin")[1]
        editor = create_user(conn, "pk-editor", "editor")[1]
        small = service.issue(conn, "so-du-lich", "it@example.org", 3, "test")
        big = service.issue(conn, "cong-dich-vu-cong", None, 1000, "test")
    return {"admin": admin, "editor": editor, "small": small, "big": big}


def test_requests_are_limited_per_minute_across_two_servers(live_server, module_dsn, keys, tmp_path):
    second = LiveServer(create_app(make_settings(module_dsn, tmp_path)))
    second.start()
    try:
        header = {"X-API-Key": keys["small"]}
        answers = [live_server.client.get("/api/vocabulary", headers=header)]
        answers.append(second.client.get("/api/vocabulary", headers=header))
        answers.append(live_server.client.get("/api/vocabulary", headers=header))
        refused = second.client.get("/api/vocabulary", headers=header)
    finally:
        second.stop()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0"]
    assert answers[0].headers["ratelimit-limit"] == "3"
    if refused.status_code == 200:  # the minute turned between the requests: the count starts again
        pytest.skip("a new minute began during the test")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "3 requests a minute" in refused.json()["detail"]


def test_usage_counts_are_shown_to_administrators_only(live_server, keys):
    c = live_server.client
    for _ in range(5):
        assert c.get("/api/sites", params={"limit": 1}, headers={"X-API-Key": keys["big"]}).status_code == 200
    usage = c.get("/api/partners", headers={"Authorization": f"Bearer {keys['admin']}"})
    assert usage.status_code == 200
    rows = {r["name"]: r for r in usage.json()["partners"]}
    assert rows["cong-dich-vu-cong"]["today"] == 5 and rows["cong-dich-vu-cong"]["refused_30_days"] == 0
    assert rows["cong-dich-vu-cong"]["last_used_at"] is not None
    assert c.get("/api/partners", headers={"Authorization": f"Bearer {keys['editor']}"}).status_code == 403
    assert c.get("/api/partners").status_code == 401


def test_unknown_and_revoked_keys_are_refused(live_server, module_dsn, keys):
    c = live_server.client
    assert c.get("/api/vocabulary", headers={"X-API-Key": "hpk_not-a-key"}).status_code == 401
    assert c.get("/api/vocabulary", headers={"X-API-Key": "x" * 5000}).status_code == 401
    with psycopg.connect(module_dsn) as conn:
        key = service.issue(conn, "tam-thoi", None, 100, "test")
        assert c.get("/api/vocabulary", headers={"X-API-Key": key}).status_code == 200
        service.revoke(conn, "tam-thoi", "test")
        with pytest.raises(service.PartnerError):
            service.issue(conn, "so-du-lich", None, 10, "test")
        with pytest.raises(service.PartnerError):
            service.issue(conn, "x", None, 10, "test")
        audited = conn.execute("SELECT count(*) FROM audit_log WHERE entity = 'partner_key'").fetchone()[0]
    refused = c.get("/api/vocabulary", headers={"X-API-Key": key})
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert audited >= 4  # issued ×3 in this module, one revocation
    # Without a key nothing changes: no rate-limit headers.
    assert "ratelimit-limit" not in c.get("/api/vocabulary").headers
