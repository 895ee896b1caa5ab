"""Serving the built guides.

* ``GET /huong-dan/``            the Vietnamese guides (the site's root), ``/huong-dan/en/`` English
* ``GET /huong-dan/{path}``      any file of var/guides/site: Starlette's StaticFiles (no path leaves
                                 the folder, index.html for a directory, a slash redirect, ETag/304)
* ``GET /huong-dan/pdf/{role}.{lang}.pdf``  the printable guide of a role

Before ``heritage setup`` has built them, every guide URL answers a page that says so (503).
HTML pages get a CSP allowing same-origin scripts (Material's bundle and its search worker) and
exactly the inline scripts that build.py hashed for that page; no other script can run.
"""

from __future__ import annotations

import json
import re

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from ..web.pages import REVALIDATE, html_response
from ..web.security import APP_PAGE_CSP, security_headers
from . import pdf_dir, script_hashes_file, site_dir

router = APIRouter(include_in_schema=False)
PREFIX = "/huong-dan"
IMMUTABLE = "public, max-age=31536000, immutable"
# Material's bundles carry a content hash in their names (bundle.a5f9d56c.min.js).
_HASHED_NAME = re.compile(r"\.[0-9a-f]{8}\.min\.(js|css)$")
_PDF_NAME = re.compile(r"^(?P<role>[a-z][a-z-]{0,40})\.(?P<lang>vi|en)\.pdf$")
assert APP_PAGE_CSP.endswith("script-src 'self'")  # guide_csp appends to that directive

NOT_BUILT = """<!doctype html><html lang="vi"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hướng dẫn chưa được tạo · Guides not built yet</title>
<main style="max-width:40rem;margin:2rem auto;font:16px/1.5 system-ui,sans-serif;padding:0 1rem">
<h1>Hướng dẫn sử dụng chưa được tạo</h1>
<p>Máy chủ chưa dựng các trang hướng dẫn. Người quản trị chạy lệnh <code>heritage setup</code>
(hoặc <code>./scripts/run.sh</code>) để tạo chúng.</p>
<p lang="en">The user guides have not been built yet: run <code>heritage setup</code>.</p>
<p><a href="/">← Bản đồ di sản / Heritage map</a></p></main></html>"""

NOT_FOUND = """<!doctype html><html lang="vi"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Không có trang hướng dẫn này · No such guide page</title>
<main style="max-width:40rem;margin:2rem auto;font:16px/1.5 system-ui,sans-serif;padding:0 1rem">
<h1>Không có trang hướng dẫn này</h1>
<p lang="en">There is no such guide page.</p>
<p><a href="/huong-dan/">Mục lục hướng dẫn</a> · <a href="/huong-dan/en/" lang="en">All guides</a></p>
</main></html>"""


def guide_csp(script_hashes: list[str]) -> str:
    hashes = "".join(f" 'sha256-{h}'" for h in script_hashes)
    return f"{APP_PAGE_CSP}{hashes}; worker-src 'self'"


class GuideFiles:
    """The built tree and its script hashes, reread when a rebuild replaces them (kept on app.state)."""

    def __init__(self, settings):
        self.settings = settings
        self._hashes: tuple[float, dict[str, list[str]]] | None = None

    def static(self) -> StaticFiles:
        return StaticFiles(directory=site_dir(self.settings), html=True, check_dir=False)

    def hashes_for(self, relative: str) -> list[str]:
        path = script_hashes_file(self.settings)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return []
        if self._hashes is None or self._hashes[0] != mtime:
            self._hashes = (mtime, json.loads(path.read_text(encoding="utf-8")))
        return self._hashes[1].get(relative, [])


def files_of(request: Request) -> GuideFiles:
    files = getattr(request.app.state, "guide_files", None)
    if files is None:
        files = request.app.state.guide_files = GuideFiles(request.app.state.settings)
    return files


def _built(files: GuideFiles) -> bool:
    return (site_dir(files.settings) / "index.html").is_file()


@router.api_route(PREFIX, methods=["GET", "HEAD"])
async def guides_root() -> Response:
    return RedirectResponse(PREFIX + "/", status_code=308)


@router.api_route(PREFIX + "/pdf/{name}", methods=["GET", "HEAD"])
async def guide_pdf(request: Request, name: str) -> Response:
    files = files_of(request)
    match = _PDF_NAME.match(name)
    path = pdf_dir(files.settings) / name
    if not _built(files):
        return html_response(NOT_BUILT, status=503, cache="no-store")
    if match is None or not path.is_file():
        return html_response(NOT_FOUND, status=404)
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=name,
        headers={"Cache-Control": REVALIDATE, **security_headers()},
    )


@router.api_route(PREFIX + "/{path:path}", methods=["GET", "HEAD"])
async def guide_file(request: Request, path: str) -> Response:
    files = files_of(request)
    if not _built(files):
        return html_response(NOT_BUILT, status=503, cache="no-store")
    if path.endswith("404.html"):
        return html_response(NOT_FOUND, status=404)
    if path.endswith("/sitemap.xml"):
        # Material asks for sitemap.xml beside each page's translation (the language links the
        # i18n plugin writes per page) to map a page to its other language: one sitemap serves all.
        path = "sitemap.xml"
    response = await files.static().get_response(path, request.scope)
    if response.status_code == 404:
        # Material's own 404 page links its styles relative to the site root: ours works anywhere.
        return html_response(NOT_FOUND, status=404)
    if response.status_code >= 300 and response.status_code < 400:
        return response  # StaticFiles' redirect of a directory to its slash form
    media_type = response.headers.get("content-type", "")
    if media_type.startswith("text/html"):
        relative = path.strip("/")
        relative = f"{relative}/index.html" if relative and not relative.endswith(".html") else relative
        response.headers.update(security_headers(guide_csp(files.hashes_for(relative or "index.html"))))
        response.headers["Cache-Control"] = REVALIDATE
    else:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = IMMUTABLE if _HASHED_NAME.search(path) else REVALIDATE
    return response
