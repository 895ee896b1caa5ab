"""Security headers of every HTML page: one Content-Security-Policy per kind of page, framing only by
ourselves, no MIME sniffing, no full referrers to other sites.

Styles may be inline ('unsafe-inline' for style only): the templates carry their own small style
blocks, and a style cannot run code.
"""

from __future__ import annotations

_COMMON = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'self'; form-action 'self'"
)

# Server-rendered documents (relic pages, OGC views, reports, sign-in): no script runs at all.
DOCUMENT_CSP = f"{_COMMON}; img-src 'self' data:; script-src 'none'"
# Public reading pages (portal, record pages without scripted media): one same-origin script that
# registers the offline service worker (/sw.js) and the "near me" button; no inline script.
# Sign-in, staff and OGC documents keep DOCUMENT_CSP: nothing there needs to run, or be offline.
READER_CSP = f"{_COMMON}; img-src 'self' data:; script-src 'self'; worker-src 'self'; manifest-src 'self'"
# Staff pages with their own same-origin scripts (/static/…), never inline ones.
APP_PAGE_CSP = f"{_COMMON}; img-src 'self' data:; script-src 'self'"


def viewer_csp(script_hashes: list[str]) -> str:
    """The 3D map. 'unsafe-eval' because Cesium's widgets use knockout (new Function for bindings),
    'wasm-unsafe-eval' for its WebAssembly decoders (Draco, KTX2). Tilesets may come from a CDN or
    object store, hence http(s) in connect-src. Cesium starts workers from blob: URLs which
    importScripts() further blob: URLs. The page's one inline script is allowed by its hash."""
    hashes = " ".join(f"'sha256-{h}'" for h in script_hashes)
    return (
        f"{_COMMON}; script-src 'self' blob: 'unsafe-eval' 'wasm-unsafe-eval' {hashes}; "
        "img-src 'self' data: blob:; connect-src 'self' data: blob: http: https:; worker-src 'self' blob:"
    )


def media_csp(script_hashes: list[str] | tuple[str, ...] = (), *, decoders: bool = False) -> str:
    """Pages with media viewers (record pages with deep zoom or 3D; the 360° tours): only same-origin
    scripts, plus the page's import map by its hash; no 'unsafe-eval'. The viewers draw data: and
    blob: images (Photo Sphere Viewer loads panoramas as blob: images; measured: without them the
    viewers fail). ``decoders`` (pages with 3D models): 'wasm-unsafe-eval' for the WebAssembly Draco
    decoder, whose worker three's loader starts from a blob: URL. Media, tiles and every fetch stay
    on this origin."""
    hashes = "".join(f" 'sha256-{h}'" for h in script_hashes)
    wasm = " 'wasm-unsafe-eval'" if decoders else ""
    workers = "; worker-src 'self' blob:" if decoders else ""
    return (
        f"{_COMMON}; script-src 'self'{wasm}{hashes}; img-src 'self' data: blob:; "
        f"connect-src 'self'; media-src 'self'{workers}"
    )


def security_headers(csp: str = DOCUMENT_CSP) -> dict[str, str]:
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
