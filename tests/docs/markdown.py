"""What the guides say, read from their Markdown: fenced blocks by info string, commands (one per
line, continuation lines joined, comments dropped), requests, links and images."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mapserver.guides import SOURCE_DIR

FENCE = re.compile(
    r"^(?P<indent> *)(?P<fence>```+|~~~+)\s*(?P<info>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)(?P=fence)\s*$",
    re.M | re.S,
)
# [text](/path) and ![alt](../img/x.png); not inside code spans (removed first).
LINK = re.compile(r"(?<!!)\[(?:[^\]]*)\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<target>[^)\s]+)\)")
CODE_SPAN = re.compile(r"`[^`\n]*`")
STATUS_COMMENT = re.compile(r"#\s*→\s*(?P<status>\d{3})\s*$")


@dataclass(frozen=True)
class Snippet:
    page: Path
    line: int
    text: str

    def where(self) -> str:
        return f"{self.page.relative_to(SOURCE_DIR)}:{self.line}"


def guide_pages(source: Path = SOURCE_DIR) -> list[Path]:
    return sorted(p for lang in ("vi", "en") for p in (source / lang).rglob("*.md"))


def blocks(page: Path, info: str) -> list[Snippet]:
    text = page.read_text(encoding="utf-8")
    return [
        Snippet(page, text[: m.start()].count("\n") + 2, m["body"]) for m in FENCE.finditer(text) if m["info"] == info
    ]


def commands(block: Snippet) -> list[Snippet]:
    """One command per line; a line ending in a backslash continues on the next; # starts a comment line."""
    out: list[Snippet] = []
    pending, start = "", 0
    for number, line in enumerate(block.text.splitlines(), start=block.line):
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        out.append(Snippet(block.page, start, (pending + stripped).strip()))
        pending = ""
    return out


def prose(page: Path) -> str:
    """The page without its fenced blocks and code spans: where links and images are."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return CODE_SPAN.sub("", text)


def links(page: Path) -> list[str]:
    return [m["target"] for m in LINK.finditer(prose(page))]


def images(page: Path) -> list[str]:
    return [m["target"] for m in IMAGE.finditer(prose(page))]
