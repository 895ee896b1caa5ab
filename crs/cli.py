"""Command line: ``heritage crs convert`` and ``heritage crs zones`` (a typer sub-app).

Examples: ``heritage crs convert --from EPSG:4326 --to EPSG:5899 < pts.csv``;
``heritage crs convert --from 4326 --to 5899 --heights ellipsoidal < gnss.csv`` (lon,lat,h from a
receiver -> E,N,H normal); ``--out-heights ellipsoidal`` writes ellipsoidal heights instead.
``--axis-order north-east`` reads northing (latitude) first; columns the other way round from what
is said are refused with their lines named. Exit codes: 0 ok, 1 bad input data (message names the
line) or no geoid grid, 2 bad options (e.g. unknown CRS, a WGS 84 height column without --heights).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .axis_order import AXIS_ORDERS, SwappedColumns
from .datum3d import HEIGHT_KINDS
from .errors import AmbiguousHeights, CSVFormatError, GeoidUnavailable, UnsupportedCRS
from .stream import convert_csv
from .transform import pipeline_definition
from .zones import Zone, all_zones, parse_crs

app = typer.Typer(
    name="crs",
    help="VN-2000 / WGS 84 coordinates (datum pinned to EPSG:6960, Decision 05/2007/QĐ-BTNMT).",
    no_args_is_help=True,
    add_completion=False,
)


def _kind_option(value: str | None, what: str) -> str | None:
    if value is not None and value not in HEIGHT_KINDS:
        raise typer.BadParameter(f"must be {' or '.join(HEIGHT_KINDS)}", param_hint=what)
    return value


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
    heights: Annotated[
        str | None,
        typer.Option(
            "--heights",
            help="What z is on input: normal (Hòn Dấu; the default for VN-2000) or ellipsoidal (WGS 84, "
            "as a GNSS receiver measures it). Needed for a WGS 84 z column.",
        ),
    ] = None,
    axis_order: Annotated[
        str,
        typer.Option(
            "--axis-order",
            help="Order of the first two columns: east-north (x = lon/easting) or north-east (northing or "
            "latitude first, as Vietnamese survey tables write X). The numbers are checked: a file whose rows "
            "say the other order is refused (as heritage survey import refuses E/N columns the wrong way "
            "round), never swapped silently.",
        ),
    ] = "east-north",
    out_heights: Annotated[
        str | None,
        typer.Option(
            "--out-heights",
            help="What z is on output: normal or ellipsoidal (default: normal for VN-2000, else as --heights).",
        ),
    ] = None,
) -> None:
    """Convert x,y[,z] CSV lines (x = lon/easting, or y first with --axis-order north-east) between
    supported CRSs; z is a height, used by the datum step and converted to the kind asked for."""
    source = _zone_option(src, "--from")
    target = _zone_option(dst, "--to")
    kind_in = _kind_option(heights, "--heights")
    kind_out = _kind_option(out_heights, "--out-heights")
    if axis_order not in AXIS_ORDERS:
        raise typer.BadParameter(f"must be {' or '.join(AXIS_ORDERS)}", param_hint="--axis-order")
    infile = file if file is not None else sys.stdin
    outfile = output if output is not None else sys.stdout
    try:
        count = convert_csv(
            infile,
            outfile,
            src=source,
            dst=target,
            has_header=header,
            heights=kind_in,
            out_heights=kind_out,
            axis_order=axis_order,
        )
    except AmbiguousHeights as exc:
        typer.echo(f"error: {exc}; add --heights ellipsoidal or --heights normal", err=True)
        raise typer.Exit(2) from None
    except SwappedColumns as exc:
        hint = f"; if the file is written that way, add --axis-order {exc.other_order}" if exc.file_swapped else ""
        typer.echo(f"error: {exc}{hint}", err=True)
        raise typer.Exit(1) from None
    except (CSVFormatError, GeoidUnavailable) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except UnicodeDecodeError as exc:
        typer.echo(f"error: input is not UTF-8 text ({exc.reason})", err=True)
        raise typer.Exit(1) from None
    if output is not None:
        typer.echo(f"{count} points written to {output}", err=True)


@app.command()
def pipeline(
    src: Annotated[str, typer.Option("--from", help="Source CRS, e.g. OGC:CRS84.")],
    dst: Annotated[str, typer.Option("--to", help="Target CRS, e.g. EPSG:5899.")],
) -> None:
    """Print the PROJ pipeline used for horizontal coordinates (x = lon/easting), e.g. for
    ``ogr2ogr -s_srs OGC:CRS84 -t_srs EPSG:5899 -ct "$(heritage crs pipeline --from OGC:CRS84 --to EPSG:5899)"``,
    so that a client reprojects with EPSG:6960 instead of PROJ's per-point default."""
    source = _zone_option(src, "--from")
    target = _zone_option(dst, "--to")
    definition = pipeline_definition(source, target)
    typer.echo(definition or "+proj=noop")


@app.command()
def zones() -> None:
    """List the supported CRSs (EPSG code, name, central meridian, provinces)."""
    for zone in all_zones():
        cm = f"CM {zone.central_meridian:g}°" if zone.central_meridian is not None else ""
        provinces = ", ".join(zone.provinces)
        typer.echo(f"{zone.srs:<11} {zone.name:<28} {cm:<11} {provinces}".rstrip())
