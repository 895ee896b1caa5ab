"""Build the guide site (MkDocs + Material, offline search) and the PDFs into var/guides/.

The new site is built beside the old one and swapped in with renames, so a running app never serves
a half-written tree. Material writes a few small inline scripts into every page; their sha256 hashes
are collected here, once, so that routes.py can allow exactly those scripts in the page's CSP.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings
from . import CONFIG_FILE, LANGUAGES, SOURCE_DIR, output_dir, pdf_dir, script_hashes_file, site_dir

# An inline <script> with no src (JSON data blocks are not run, so they need no hash).
_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>(?:(?!\bsrc=)[^>])*)>(?P<body>.*?)</script>", re.S)


@dataclass
class BuildResult:
    pages: int
    pdfs: list[Path]
    site: Path


def inline_script_hashes(html: str) -> list[str]:
    hashes = []
    for match in _INLINE_SCRIPT.finditer(html):
        if "application/json" in match["attrs"]:
            continue
        digest = hashlib.sha256(match["body"].encode("utf-8")).digest()
        hashes.append(base64.b64encode(digest).decode("ascii"))
    return sorted(set(hashes))


def build_site(destination: Path, source: Path = SOURCE_DIR, site_url: str = "http://127.0.0.1:8000/huong-dan/") -> int:
    """``mkdocs build`` through its Python API into ``destination``; returns the number of pages.
    ``site_url`` puts /huong-dan/ into the language links and the sitemap (Material reads it when
    the reader switches language; it keeps only the path, so the host does not matter)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    # MkDocs refuses a docs_dir that holds its config file; the config's paths are written
    # relative to docs/ and it is loaded as if it lived there.
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    config = load_config(
        config_file=str(source / CONFIG_FILE.name),
        config_file_path=str(source.parent / "mkdocs.yml"),
        docs_dir=str(source),
        site_dir=str(destination),
        site_url=site_url,
    )
    build(config)
    return sum(1 for _ in destination.rglob("*.html"))


def _swap_in(new: Path, current: Path) -> None:
    old = current.with_name(current.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if current.exists():
        current.rename(old)
    new.rename(current)
    shutil.rmtree(old, ignore_errors=True)


def build_guides(settings: Settings, source: Path = SOURCE_DIR) -> BuildResult:
    from .pdf import build_pdfs

    root = output_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    fresh = root / "site.new"
    shutil.rmtree(fresh, ignore_errors=True)
    base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    pages = build_site(fresh, source, f"{base}/huong-dan/")
    hashes = {
        str(page.relative_to(fresh)): inline_script_hashes(page.read_text(encoding="utf-8"))
        for page in fresh.rglob("*.html")
    }
    fresh_pdfs = root / "pdf.new"
    shutil.rmtree(fresh_pdfs, ignore_errors=True)
    fresh_pdfs.mkdir()
    pdfs = build_pdfs(fresh_pdfs, source, LANGUAGES)
    # The hashes are written just before the swap: for the instant in between, a page of the old
    # site whose scripts changed may have one of them refused, and a reload fixes it.
    script_hashes_file(settings).write_text(json.dumps(hashes, indent=0, sort_keys=True), encoding="utf-8")
    _swap_in(fresh, site_dir(settings))
    _swap_in(fresh_pdfs, pdf_dir(settings))
    return BuildResult(pages=pages, pdfs=[pdf_dir(settings) / p.name for p in pdfs], site=site_dir(settings))


def is_built(settings: Settings) -> bool:
    return (site_dir(settings) / "index.html").is_file()
