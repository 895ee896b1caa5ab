"""Command line: ``heritage crs convert`` and ``heritage crs zones`` (a typer sub-app).

Example: ``heritage crs convert --from EPSG:4326 --to EPSG:5899 < pts.csv``.
Exit codes: 0 ok, 1 bad input data (message names the line), 2 bad options (e.g. unknown CRS).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .errors import CSVFormatError, UnsupportedCRS
from .stream import convert_csv
from .zones import Zone, all_zones, parse_crs

app = typer.Typer(
    name="crs",
    help="VN-2000 / WGS 84 coordinates (datum pinned to EPSG:6960, Decision 05/2007/QĐ-BTNMT).",
    no_args_is_help=True,
    add_completion=False,
)


def _zone_option(value: str, what: str) -> Zone:
    try:
        return parse_crs(value)
    except UnsupportedCRS as exc:
        raise typer.BadParameter(str(exc), param_hint=what) from None


@app.command()
def convert(
    src: Annotated[str, typer.Option("--from", help="Source CRS, e.g. EPSG:5899, 4326, OGC:CRS84.")],
    dst: Annotated[str, typer.Option("--to", help="Target CRS, e.g. EPSG:4326.")],
    file: Annotated[
        Path | None, typer.Argument(help="Input CSV x,y[,z]; stdin if omitted.", exists=True, dir_okay=False)
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output file; stdout if omitted.")] = None,
    header: Annotated[
        bool | None, typer.Option("--header/--no-header", help="Input has a header row (default: detect).")
    ] = None,
) -> None:
    """Convert x,y[,z] CSV lines (x = lon/easting) between supported CRSs."""
    source = _zone_option(src, "--from")
    target = _zone_option(dst, "--to")
    infile = file if file is not None else sys.stdin
    outfile = output if output is not None else sys.stdout
    try:
        count = convert_csv(infile, outfile, src=source, dst=target, has_header=header)
    except CSVFormatError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except UnicodeDecodeError as exc:
        typer.echo(f"error: input is not UTF-8 text ({exc.reason})", err=True)
        raise typer.Exit(1) from None
    if output is not None:
        typer.echo(f"{count} points written to {output}", err=True)


@app.command()
def zones() -> None:
    """List the supported CRSs (EPSG code, name, central meridian, provinces)."""
    for zone in all_zones():
        cm = f"CM {zone.central_meridian:g}°" if zone.central_meridian is not None else ""
        provinces = ", ".join(zone.provinces)
        typer.echo(f"{zone.srs:<11} {zone.name:<28} {cm:<11} {provinces}".rstrip())
