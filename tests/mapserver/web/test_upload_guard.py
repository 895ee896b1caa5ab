"""The upload gate over HTTP (real app, real files): refusals decided from the headers before the
body is read, bodies cut off with 413 as they stream past the limit, RFC 9457 answers throughout,
and nothing spooled to disk or memory for a refused body."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.mapserver.surveys.test_surveys import CHECK_E, CHECK_N

MiB = 1 << 20
SURVEY_FORM = {"site_id": "bach-dinh", "crs": "EPSG:5899", "heights": "normal"}
BOUNDARY = "heritage-test-boundary"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank"
    assert {"title", "detail", "instance"} <= set(body)
    return body


def sparse_file(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def multipart_stream(fields: dict, file_name: str, size: int):
    """A multipart body produced block by block (httpx sends it chunked, with no Content-Length)."""
    for name, value in fields.items():
        yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    block = b"1,2,3,4\n" * (MiB // 8)
    for _ in range(size // MiB):
        yield block
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def memory(field: str) -> int:
    """A VmRSS/VmHWM figure of this process, in bytes: the live server runs in it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from the current RSS
        return True
    except OSError:
        return False


def test_anonymous_upload_is_refused_before_its_body(live_server, tmp_path, spool_dir):
    big = sparse_file(tmp_path / "big.las", 50 * MiB)
    started = time.monotonic()
    with open(big, "rb") as fh:
        r = live_server.client.post(
            "/api/scans", data={"site_id": "bach-dinh"}, files={"file": ("big.las", fh, "application/octet-stream")}
        )
    elapsed = time.monotonic() - started
    body = assert_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer") and body["instance"] == "/api/scans"
    assert elapsed < 3, elapsed
    assert live_server.app.read["/api/scans"] == 0  # not one body byte taken
    assert list(spool_dir.iterdir()) == []


@pytest.mark.parametrize("path", ["/api/surveys", "/api/scans", "/api/media", "/api/media/photos/1"])
def test_every_upload_route_needs_a_valid_token(live_server, path):
    files = {"file": ("a.csv", b"1,2,3", "text/csv")}
    assert_problem(live_server.client.post(path, files=files), 401)
    bad = live_server.client.post(path, files=files, headers={"Authorization": "Bearer hrt_nope"})
    assert "invalid" in assert_problem(bad, 401)["detail"]


def test_session_cookie_from_another_site_is_refused(live_server, surveyor):
    c = live_server.client
    try:
        # API tokens and sessions are looked up alike: the token serves as a session cookie here.
        c.cookies.set("heritage_session", surveyor)
        files = {"file": ("a.csv", b"1,2,3", "text/csv")}
        foreign = c.post("/api/surveys", data=SURVEY_FORM, files=files, headers={"Origin": "http://evil.example"})
        assert "Cross-site" in assert_problem(foreign, 403)["detail"]
        # From our own pages the guard lets it through; the route's own CSRF check decides then.
        same = c.post("/api/surveys", data=SURVEY_FORM, files=files, headers={"Origin": live_server.url})
        assert same.status_code != 401 and "Cross-site" not in same.text, same.text
    finally:
        c.cookies.clear()


def test_upload_over_the_limit_is_refused_from_its_length(small_server, surveyor, tmp_path, spool_dir):
    auth = {"Authorization": f"Bearer {surveyor}"}
    big = sparse_file(tmp_path / "big.csv", 20 * MiB)
    started = time.monotonic()
    with open(big, "rb") as fh:
        r = small_server.client.post("/api/surveys", data=SURVEY_FORM, files={"file": ("big.csv", fh)}, headers=auth)
    body = assert_problem(r, 413)
    assert (
        body["title"] == "Upload too large"
        and "this one is 20 MiB" in body["detail"]
        and "limited to 1 MiB" in body["detail"]
    )
    assert time.monotonic() - started < 3 and small_server.app.read["/api/surveys"] == 0
    # Within the limit the guard lets the upload through to the route.
    text = f"G2,{CHECK_N},{CHECK_E},1\n".encode()
    ok = small_server.client.post(
        "/api/surveys", data=SURVEY_FORM, files={"file": ("ok.csv", text, "text/csv")}, headers=auth
    )
    assert ok.status_code == 201, ok.text


def test_chunked_upload_is_cut_off_at_the_limit(small_server, surveyor, spool_dir):
    headers = {**MULTIPART, "Authorization": f"Bearer {surveyor}"}
    r = small_server.client.post(
        "/api/surveys", content=multipart_stream(SURVEY_FORM, "p.csv", 8 * MiB), headers=headers
    )
    assert r.request.headers["transfer-encoding"] == "chunked" and "content-length" not in r.request.headers
    assert_problem(r, 413)
    # Cut off just past the 1 MiB limit (one block of slack), not after the 8 MiB sent.
    assert small_server.app.read["/api/surveys"] < 3 * MiB


def test_planner_json_is_refused_without_growing_the_server(live_server):
    head, tail = b'{"footprint": {"type": "MultiPoint", "coordinates": [', b"[107.1, 10.5]]}}"
    filler = b"[107.1, 10.5], " * (MiB // 15)
    blocks = 40
    size = len(head) + blocks * len(filler) + len(tail)

    def body():
        yield head
        for _ in range(blocks):
            yield filler
        yield tail

    before = memory("VmRSS")
    peak_known = reset_peak()
    headers = {"Content-Type": "application/json", "Content-Length": str(size)}
    r = live_server.client.post("/api/planner/impact", content=body(), headers=headers)
    assert_problem(r, 413)
    assert live_server.app.read["/api/planner/impact"] == 0
    grown = memory("VmHWM" if peak_known else "VmRSS") - before
    assert grown < 50 * MiB, f"{grown / MiB:.0f} MiB"


def test_planner_json_without_length_is_cut_off(small_server):
    def body():
        yield b'{"footprint": {"type": "MultiPoint", "coordinates": ['
        for _ in range(4):
            yield b"[107.1, 10.5], " * (MiB // 15)
        yield b"[107.1, 10.5]]}}"

    r = small_server.client.post("/api/planner/impact", content=body(), headers={"Content-Type": "application/json"})
    assert_problem(r, 413)
    assert small_server.app.read["/api/planner/impact"] < 3 * MiB


def test_json_route_reading_its_body_through_fastapi_answers_413(small_server):
    # FastAPI wraps a failed body read as 400 "error parsing the body"; the limit's 413 replaces it.
    def body():
        yield b'{"action": "approve", "reason": "'
        for _ in range(4):
            yield b"x" * MiB
        yield b'"}'

    r = small_server.client.post("/api/scans/1/review", content=body(), headers={"Content-Type": "application/json"})
    assert_problem(r, 413)


def test_planner_file_over_its_limit_needs_no_account_but_is_refused(small_server, tmp_path, spool_dir):
    big = sparse_file(tmp_path / "big.geojson", 2 * MiB)
    with open(big, "rb") as fh:
        r = small_server.client.post("/api/planner/impact", files={"file": ("big.geojson", fh)})
    assert assert_problem(r, 413)["title"] == "Upload too large"
    small = b'{"type": "Point", "coordinates": [107.17, 10.5]}'
    ok = small_server.client.post("/api/planner/impact", files={"file": ("f.geojson", small)})
    assert ok.status_code == 200, ok.text
