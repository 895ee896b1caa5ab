"""(a) Every command of every guide (`sh` blocks) is true to the product.

Every `heritage …` line is parsed by the real CLI (sub-command path, options, argument count and
types, files that must exist). Those that are cheap and need only files shipped in
docs/guides/files/ are also run for real against this directory's test database and must exit 0:
the sub-commands in RUN below (CRS conversions and listings, imports of relic tables, inventory
books and protection zones, survey imports, account creation and token listing, scan validation). `curl` lines must name a route of the app with that method; other programs must be
installed or be a file of the checkout.
"""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import pytest

from mapserver.settings import PROJECT_ROOT
from tests.docs.commands import HOST, is_heritage, parse, route_for, split
from tests.docs.markdown import blocks, commands, guide_pages

RUN = {
    ("crs", "convert"),
    ("crs", "zones"),
    ("crs", "pipeline"),
    ("import", "sites"),
    ("import", "artefacts"),
    ("import", "zones"),
    ("survey", "import"),
    ("users", "add"),
    ("users", "tokens"),
    ("scan", "validate"),
}
FILES = PROJECT_ROOT / "docs" / "guides" / "files"
# Tools of the trade a guide may show beside ours (GIS clients); not installed on every machine.
KNOWN_TOOLS = {"ogr2ogr", "ogrinfo", "qgis", "curl", "unzip", "sha256sum"}
STDIN_PASSWORD = "mat-khau-thu-nghiem-2026\n"


def all_commands():
    seen = {}
    for page in guide_pages():
        for block in blocks(page, "sh"):
            for command in commands(block):
                seen.setdefault(command.text, command)  # vi and en guides often show the same line
    return list(seen.values())


COMMANDS = all_commands()


def test_the_guides_have_commands():
    assert len(COMMANDS) >= 3


def _uses_only_shipped_files(words: list[str], stdin: str | None) -> bool:
    paths = [w for w in words if "/" in w or w.endswith((".csv", ".xlsx", ".geojson", ".gpkg", ".zip"))]
    if stdin:
        paths.append(stdin)
    return all((PROJECT_ROOT / p).resolve().is_relative_to(FILES) for p in paths if not p.startswith("-"))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: f"{c.where()} {c.text[:50]}")
def test_command(command, guide_server, monkeypatch):
    from typer.testing import CliRunner

    from mapserver.cli import app

    monkeypatch.chdir(PROJECT_ROOT)
    for simple in split(command.text):
        words = simple.words
        if is_heritage(simple.program):
            try:
                path = parse(words[1:])
            except LookupError as exc:
                pytest.fail(f"{command.where()}: {exc}")
            except Exception as exc:  # click's usage errors: unknown option, missing argument, …
                pytest.fail(f"{command.where()}: `{command.text}` does not parse: {exc}")
            if tuple(path) in RUN and _uses_only_shipped_files(words[1:], simple.stdin):
                monkeypatch.setenv("HERITAGE_DATABASE_URL", guide_server.dsn)
                monkeypatch.setenv("HERITAGE_VAR_DIR", str(guide_server.settings.var_dir))
                stdin = (PROJECT_ROOT / simple.stdin).read_text(encoding="utf-8") if simple.stdin else None
                if path[0] == "users":
                    stdin = STDIN_PASSWORD
                result = CliRunner().invoke(app, words[1:], input=stdin, catch_exceptions=True)
                assert result.exit_code == 0, (
                    f"{command.where()}: `{command.text}` exited {result.exit_code}:\n{result.output}\n{result.exception!r}"
                )
        elif simple.program == "curl":
            from tests.docs.commands import curl_request

            method, url = curl_request(words)
            assert url.startswith(HOST), f"{command.where()}: {url} is not on {HOST}"
            assert route_for(guide_server.live.app, method, urlsplit(url).path), (
                f"{command.where()}: no route answers {method} {url}"
            )
        else:
            program = simple.program
            known = shutil.which(program) or (PROJECT_ROOT / program).is_file() or program in KNOWN_TOOLS
            assert known, f"{command.where()}: unknown program {program!r}"
