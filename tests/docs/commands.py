"""Reading a guide's command line the way a shell and the `heritage` CLI would.

A line is split like a POSIX shell (quotes, comments, `|`, `<`, `>`, `&&`, `;`) into simple commands.
A `heritage` command (also spelled `.venv/bin/heritage`) is resolved in the real typer app
(mapserver.cli:app): its sub-command path must exist and its arguments must parse (every option
known to that command, the right number of positional arguments, values of the right type, files
that must exist existing). A `curl` command names a method and a URL on http://127.0.0.1:8000 that
some route of the real app answers.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from starlette.routing import Match

OPERATORS = {"|", "||", "&&", ";", "&"}
HOST = "http://127.0.0.1:8000"


@dataclass
class Simple:
    words: list[str]
    stdin: str | None = None
    stdout: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def program(self) -> str:
        return self.words[0] if self.words else ""


def split(line: str) -> list[Simple]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    tokens = list(lexer)
    out, current = [], Simple([])
    redirect = None
    for token in tokens:
        if token in OPERATORS:
            out.append(current)
            current = Simple([])
        elif token in ("<", ">", ">>", "2>"):
            redirect = token
        elif redirect:
            if redirect == "<":
                current.stdin = token
            else:
                current.stdout = token
            redirect = None
        elif not current.words and "=" in token and token.split("=", 1)[0].isidentifier():
            name, value = token.split("=", 1)
            current.env[name] = value
        else:
            current.words.append(token)
    out.append(current)
    return [c for c in out if c.words]


def is_heritage(program: str) -> bool:
    return program in ("heritage", ".venv/bin/heritage", "./.venv/bin/heritage")


def resolve(words: list[str]):
    """(sub-command path, click command, remaining arguments) in the real CLI; raises LookupError."""
    import typer

    from mapserver.cli import app

    command = typer.main.get_command(app)
    path: list[str] = []
    rest = list(words)
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        if sub is None:
            raise LookupError(f"no command 'heritage {' '.join(path + [rest[0]])}'")
        path.append(rest.pop(0))
        command = sub
    if hasattr(command, "commands"):
        raise LookupError(f"'heritage {' '.join(path)}' needs a sub-command: {', '.join(command.commands)}")
    return path, command, rest


def parse(words: list[str]):
    """Parse like the CLI would before running (options, argument count, types); returns the path."""
    path, command, rest = resolve(words)
    context = command.make_context("heritage " + " ".join(path), rest)
    context.close()
    return path


def curl_request(words: list[str]) -> tuple[str, str]:
    """(method, URL) of a curl command."""
    method, url = None, None
    takes_value = {"-H", "--header", "-d", "--data", "--data-binary", "-F", "--form", "-X", "--request", "-o", "-u"}
    data = False
    i = 1
    while i < len(words):
        word = words[i]
        if word in ("-X", "--request"):
            method = words[i + 1]
        if word in ("-d", "--data", "--data-binary", "-F", "--form", "--data-urlencode"):
            data = True
        if word in takes_value:
            i += 2
            continue
        if word.startswith("http://") or word.startswith("https://"):
            url = word
        i += 1
    if url is None:
        raise LookupError("curl without a URL")
    return method or ("POST" if data else "GET"), url


def route_for(app, method: str, path: str) -> bool:
    """True when a route (or a mount) of the app answers ``method path``."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "path_params": {},
        "query_string": b"",
        "headers": [],
    }
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)
