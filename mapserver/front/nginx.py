"""nginx for the front: where its files live (var/front), its configuration rendered from the
settings, and the command that runs it in the foreground under the supervisor.

Everything nginx writes stays under var/front (`-p` prefix, pid, logs, temporary bodies), so it
runs as any user. As root its workers run as root too (nginx would drop them to `nobody`, who
cannot read a store in a root-owned checkout): the same user as the app beside it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..accounts.service import SESSION_COOKIE
from ..tiles.headers import COMPRESSIBLE, CORS_EXPOSE, CORS_ORIGIN, DEFAULT_MEDIA_TYPE, MEDIA_TYPES, PRECOMPRESSED
from .published import PublishedPrefix

# A unix socket path is limited to 107 bytes; a deeper var/ gets a loopback port instead.
SOCKET_PATH_LIMIT = 100
SEARCH_PATH = ("/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin")


class FrontError(RuntimeError):
    """The front cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class FrontLayout:
    """The front's files under var/front: configuration, logs, run (pids, the app's socket),
    temporary request bodies and the published links."""

    root: Path

    @classmethod
    def under(cls, var_dir: Path) -> FrontLayout:
        return cls(var_dir.resolve() / "front")

    @property
    def conf(self) -> Path:
        return self.root / "nginx.conf"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def temp(self) -> Path:
        return self.root / "temp"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def nginx_pid(self) -> Path:
        return self.run / "nginx.pid"

    @property
    def app_pid(self) -> Path:
        return self.run / "app.pid"

    @property
    def app_socket(self) -> Path | None:
        path = self.run / "app.sock"
        return path if len(str(path)) <= SOCKET_PATH_LIMIT else None

    def make(self) -> None:
        for folder in (self.logs, self.temp, self.published):
            folder.mkdir(parents=True, exist_ok=True)
        # Private: whoever may connect to the app's socket may claim any client address.
        self.run.mkdir(parents=True, exist_ok=True)
        self.run.chmod(0o700)


def find_nginx(configured: str | None = None) -> str | None:
    """The nginx to run: `configured` (HERITAGE_FRONT_NGINX; 'none' for no front), else on PATH."""
    if configured:
        return configured if configured != "none" and os.access(configured, os.X_OK) else None
    found = shutil.which("nginx")
    if found:
        return found
    for folder in SEARCH_PATH:
        candidate = Path(folder) / "nginx"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


@dataclass(frozen=True)
class FrontConfig:
    listen_host: str
    port: int
    upstream: str  # "unix:/path" or "127.0.0.1:port"
    prefixes: tuple[PublishedPrefix, ...]  # empty with an S3 store: the app serves those URLs
    client_max_body_size: int
    worker_processes: str = "auto"
    worker_connections: int = 4096
    access_log: bool = True


def _types() -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for suffix, media in MEDIA_TYPES.items():
        grouped.setdefault(media, []).append(suffix.lstrip("."))
    return sorted(grouped.items())


def _listen(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def worker_user() -> str | None:
    """The `user` line nginx needs: only as root, and then root itself (see the module text)."""
    if os.geteuid() != 0:
        return None  # nginx ignores `user` unless it starts as root
    return pwd.getpwuid(os.geteuid()).pw_name


def render(layout: FrontLayout, config: FrontConfig) -> str:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=False,  # an nginx file, not HTML; every value comes from settings, none from requests
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template("nginx.conf.j2").render(
        user=worker_user(),
        worker_processes=config.worker_processes,
        worker_connections=config.worker_connections,
        pid_file=layout.nginx_pid,
        error_log=layout.logs / "error.log",
        access_log=layout.logs / "access.log" if config.access_log else None,
        temp=layout.temp,
        published=layout.published,
        default_type=DEFAULT_MEDIA_TYPE,
        types=_types(),
        client_max_body_size=config.client_max_body_size,
        upstream=config.upstream,
        listen=_listen(config.listen_host, config.port),
        prefixes=[
            {
                "url_prefix": p.url_prefix,
                "directory": layout.published / p.name,
                "cache_control": p.cache_control,
                "to_app": p.to_app,
                "signed_in_to_app": p.signed_in_to_app,
                "missing_to_app": p.missing_to_app,
            }
            for p in config.prefixes
        ],
        session_cookie=SESSION_COOKIE,
        cors_origin=CORS_ORIGIN,
        cors_expose=CORS_EXPOSE,
        compressible=COMPRESSIBLE,
        precompressed=sorted(PRECOMPRESSED.items()),
    )


def nginx_command(nginx: str, layout: FrontLayout, *extra: str) -> list[str]:
    return [nginx, "-p", f"{layout.root}/", "-c", str(layout.conf), "-e", str(layout.logs / "error.log"), *extra]


def write_config(nginx: str, layout: FrontLayout, config: FrontConfig) -> None:
    """Render, write and check the configuration (`nginx -t`): a bad one stops the start here."""
    layout.conf.write_text(render(layout, config))
    check = subprocess.run(nginx_command(nginx, layout, "-t", "-q"), capture_output=True, text=True)
    if check.returncode != 0:
        raise FrontError(f"nginx refused {layout.conf}: {check.stderr.strip()[-600:]}")
