"""``/sitemap.xml`` (every published record's page, with its last change) and ``/robots.txt``
(crawlers welcome on public pages, kept out of staff pages and the API)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from psycopg import sql

from ..records.registry import all_kinds
from ..web.deps import AppSettings, Pool

router = APIRouter(include_in_schema=False)
# Pages that are not records, with how often they change.
STATIC_PAGES = (
    ("/", "weekly"),
    ("/sites", "daily"),
    ("/progress", "weekly"),
    ("/catalog", "weekly"),
    ("/ogc", "monthly"),
)
MAX_URLS = 50_000  # the sitemap protocol's limit per file


def _base(request: Request, settings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/")


async def _record_pages(pool) -> list[tuple[str, object]]:
    pages = []
    async with pool.connection() as conn:
        for kind in all_kinds():
            if not kind.page_path:
                continue
            statement = sql.SQL("SELECT id::text, updated_at FROM {} ORDER BY id").format(
                sql.Identifier(kind.public_view)
            )
            for record_id, updated in await (await conn.execute(statement)).fetchall():
                pages.append((kind.page_url(record_id), updated))
    return pages[:MAX_URLS]


@router.get("/sitemap.xml")
async def sitemap(request: Request, pool: Pool, settings: AppSettings) -> Response:
    base = _base(request, settings)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, changes in STATIC_PAGES:
        lines.append(f"<url><loc>{escape(base + path)}</loc><changefreq>{changes}</changefreq></url>")
    for path, updated in await _record_pages(pool):
        lastmod = f"<lastmod>{updated.date().isoformat()}</lastmod>" if updated else ""
        lines.append(f"<url><loc>{escape(base + path)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return Response("\n".join(lines), media_type="application/xml", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/robots.txt", response_class=PlainTextResponse)
async def robots(request: Request, settings: AppSettings) -> PlainTextResponse:
    text = (
        "User-agent: *\nDisallow: /staff\nDisallow: /api/\nDisallow: /login\n"
        f"Allow: /\nSitemap: {_base(request, settings)}/sitemap.xml\n"
    )
    return PlainTextResponse(text, headers={"Cache-Control": "public, max-age=86400"})
