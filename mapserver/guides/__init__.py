"""The user guides: Markdown in docs/guides/ built with MkDocs (Material) into var/guides/site at
set-up (build.py), one printable PDF per role and language (pdf.py), served at /huong-dan/
(routes.py)."""

from __future__ import annotations

from pathlib import Path

from ..settings import PROJECT_ROOT, Settings

SOURCE_DIR = PROJECT_ROOT / "docs" / "guides"
CONFIG_FILE = SOURCE_DIR / "mkdocs.yml"
LANGUAGES = ("vi", "en")


def output_dir(settings: Settings) -> Path:
    return settings.var_dir / "guides"


def site_dir(settings: Settings) -> Path:
    return output_dir(settings) / "site"


def pdf_dir(settings: Settings) -> Path:
    return output_dir(settings) / "pdf"


def script_hashes_file(settings: Settings) -> Path:
    """The sha256 of every inline script of every built page (Material has a few), for the CSP."""
    return output_dir(settings) / "inline-scripts.json"


def role_guides(lang: str, source: Path = SOURCE_DIR) -> dict[str, list[Path]]:
    """Role → its Markdown pages in reading order: ``<lang>/<role>.md`` then ``<lang>/<role>/*.md``."""
    folder = source / lang
    roles: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*.md")):
        if path.stem != "index":
            roles[path.stem] = [path]
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else ():
        pages = sorted(sub.rglob("*.md"), key=lambda p: (p.stem != "index", str(p)))
        roles.setdefault(sub.name, []).extend(pages)
    return roles
