"""`heritage media add RECORD FILE --rights … --licence … [--subtitles FILE.vtt]` and `heritage media list RECORD`.

The command line is the operator's (like `heritage import artefacts --publish`): its actor is
`cli:<login>`, which may publish at once. `add` converts the file in this process by default and
prints the media id; `--queue` leaves the conversion to a running `heritage worker`.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import psycopg
import typer
from rich.console import Console

from ..runtime import database_up
from ..settings import Settings
from ..vocabulary import LICENCES

console = Console(stderr=True)
media_app = typer.Typer(help="Photos, scans, clips, sound, 3D models and panoramas of records.", no_args_is_help=True)


@media_app.command("add")
def media_add(
    record: str = typer.Argument(..., help="TYPE:ID, e.g. site:bach-dinh, artefact:12"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    rights: str = typer.Option(..., "--rights", help="Rights holder (chủ sở hữu quyền)."),
    licence: str = typer.Option(..., "--licence", help=", ".join(LICENCES)),
    creator: str = typer.Option(None, help="Photographer, author."),
    date: str = typer.Option(None, help="When it was made (free text)."),
    caption_vi: str = typer.Option(None, "--caption-vi"),
    caption_en: str = typer.Option(None, "--caption-en"),
    media_type: str = typer.Option(None, "--media-type", help="'panorama' for a 360° equirectangular image."),
    subtitles: Path = typer.Option(
        None,
        "--subtitles",
        exists=True,
        dir_okay=False,
        readable=True,
        help="Subtitles of a video: WebVTT (.vtt) or SubRip (.srt), UTF-8, up to 2 MiB; checked as an "
        "upload's are and published as WebVTT.",
    ),
    publish: bool = typer.Option(False, help="Publish at once (otherwise a draft for review)."),
    queue: bool = typer.Option(False, help="Queue the conversion for the worker instead of running it here."),
) -> None:
    """Add a media file to a record; prints the media id."""
    from ..errors import ProblemError
    from .errors import MediaRejected
    from .register import add_media_file

    settings = Settings()
    with database_up(settings) as dsn, psycopg.connect(dsn, autocommit=True) as conn:
        try:
            media_id = add_media_file(
                conn,
                settings,
                record,
                file,
                rights_holder=rights,
                licence=licence,
                actor=f"cli:{getpass.getuser()}",
                media_type=media_type,
                creator=creator,
                date_text=date,
                caption_vi=caption_vi,
                caption_en=caption_en,
                subtitles=subtitles,
                publish=publish,
                run_now=not queue,
            )
        except (MediaRejected, ProblemError) as exc:
            where = f" ({exc.parameter})" if getattr(exc, "parameter", None) else ""
            console.print(f"[red]rejected{where}:[/red] {getattr(exc, 'detail', exc)}")
            raise typer.Exit(1) from None
        state, _, reason, version = conn.execute(
            "SELECT state, progress, failure_reason, version FROM media_items WHERE id = %s", (media_id,)
        ).fetchone()
    if state == "failed":
        console.print(f"[red]media {media_id} failed:[/red] {reason}")
        print(media_id)
        raise typer.Exit(1)
    console.print(f"media {media_id}: {state}" + (f", version {version}" if version else ""))
    print(media_id)


@media_app.command("list")
def media_list(
    record: str = typer.Argument(..., help="TYPE:ID"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List a record's media items (every state)."""
    from psycopg.rows import dict_row

    from . import queries
    from .register import parse_record
    from .service import present

    kind, record_id = parse_record(record)
    settings = Settings()
    with database_up(settings, migrate=False) as dsn, psycopg.connect(dsn) as conn:
        rows = conn.cursor(row_factory=dict_row).execute(queries.OF_RECORD_STAFF, (kind.name, record_id)).fetchall()
    items = [present(row) for row in rows]
    if as_json:
        print(json.dumps(items, ensure_ascii=False, default=str, indent=1))
        return
    for item in items:
        caption = item.get("caption_vi") or item.get("caption_en") or item.get("original_name") or ""
        print(
            f"{item['id']}\t{item['media_type']}\t{item['state']}\t{item['publication_status']}\t"
            f"{item['licence']}\t{caption}"
        )
