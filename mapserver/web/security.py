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


def security_headers(csp: str = DOCUMENT_CSP) -> dict[str, str]:
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
