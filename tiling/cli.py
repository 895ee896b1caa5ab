"""Command line: ``heritage scan tile FILE OUT_DIR --crs EPSG:5899 …`` (typer sub-app ``app``).

Mounted by mapserver's CLI; also runnable alone: ``python -m tiling.cli tile …``.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from .errors import TilingError
from .georef import Anchor, parse_anchor
from .pipeline import tile_scan
from .pointcloud.octree import OctreeParams

app = typer.Typer(help="Scans (point clouds, meshes, Gaussian splats) → 3D Tiles 1.1.", no_args_is_help=True)


class Heights(str, Enum):
    normal = "normal"
    ellipsoidal = "ellipsoidal"


class KindOpt(str, Enum):
    auto = "auto"
    pointcloud = "pointcloud"
    mesh = "mesh"
    splat = "splat"


@app.command("tile")
def tile(
    file: Annotated[
        Path,
        typer.Argument(
            help="Scan: LAS/LAZ/COPC/PLY/E57/XYZ/CSV/PTS point cloud, OBJ/PLY/GLB/STL mesh, or 3DGS PLY/SPLAT/SPZ "
            "Gaussian splats."
        ),
    ],
    out_dir: Annotated[Path, typer.Argument(help="Output directory (tileset.json + tiles/); replaced atomically.")],
    crs: Annotated[
        str | None,
        typer.Option(
            "--crs",
            help="CRS of the coordinates, e.g. EPSG:5899 "
            "(VN-2000 / TM-3 107-45) or EPSG:4326. With --anchor: the "
            "anchor's zone.",
        ),
    ] = None,
    heights: Annotated[
        Heights,
        typer.Option(help="normal = VN-2000 (Hòn Dấu) normal heights; ellipsoidal = WGS 84 ellipsoidal heights."),
    ] = Heights.normal,
    anchor: Annotated[
        str | None,
        typer.Option(help="Local-frame scan: 'E,N,H' of the local origin in the --crs zone (default EPSG:5899)."),
    ] = None,
    heading: Annotated[
        float, typer.Option(help="With --anchor: azimuth of local +y, degrees clockwise from grid north.")
    ] = 0.0,
    kind: Annotated[
        KindOpt, typer.Option(help="Force point cloud, mesh or splats (default: by extension and PLY header).")
    ] = KindOpt.auto,
    no_compress: Annotated[
        bool,
        typer.Option(
            "--no-compress", help="Skip compression of the tiles (meshes: Draco; point clouds: meshopt; splats: SPZ)."
        ),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
    workers: Annotated[int, typer.Option(help="Processes for the coordinate transform of big point clouds.")] = 2,
) -> None:
    """Tile one scan into a validated 3D Tiles 1.1 tileset."""
    console = Console(stderr=True)
    try:
        anc = None
        if anchor is not None:
            e, n, h = parse_anchor(anchor)
            anc = Anchor(e, n, h, crs=crs or 5899, heading=heading)
        elif heading:
            raise TilingError("--heading only applies together with --anchor.")
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=json_out,
        ) as bar:
            task = bar.add_task("starting", total=1.0)
            stats = tile_scan(
                file,
                out_dir,
                src_crs=crs,
                heights=heights.value,
                anchor=anc,
                kind=None if kind is KindOpt.auto else kind.value,
                compress=not no_compress,
                progress=lambda f, s: bar.update(task, completed=f, description=s),
                octree=OctreeParams(workers=max(1, workers)),
            )
    except TilingError as exc:
        console.print(f"[red]Error:[/red] {exc}")
        raise typer.Exit(code=2) from None
    if json_out:
        typer.echo(json.dumps(stats.to_dict(), indent=1))
        return
    b = stats.bbox
    if stats.points is not None:
        what = f"{stats.points:,} points"
    elif stats.splats is not None:
        what = f"{stats.splats:,} splats"
    else:
        what = f"{stats.faces:,} faces"
    console.print(
        f"[green]OK[/green] {what} → {stats.tiles} tiles, {stats.bytes / 1e6:.1f} MB, "
        f"{stats.seconds:.1f} s: {stats.tileset}"
    )
    console.print(
        f"   lon {b['lon_min']:.6f}…{b['lon_max']:.6f}, lat {b['lat_min']:.6f}…{b['lat_max']:.6f}, "
        f"h (ellipsoidal) {b['h_min']:.2f}…{b['h_max']:.2f} m"
    )
    for w in stats.warnings:
        console.print(f"[yellow]Warning:[/yellow] {w}")


@app.command("validate")
def validate(directory: Annotated[Path, typer.Argument(help="Directory holding tileset.json.")]) -> None:
    """Check a tileset directory (3D Tiles rules + gltf-validator on every glb)."""
    from .tileset import validate_output

    issues = validate_output(directory)
    for i in issues:
        typer.echo(str(i))
    errs = [i for i in issues if i.severity == "error"]
    typer.echo(f"{len(errs)} error(s), {len(issues) - len(errs)} warning(s)")
    raise typer.Exit(code=1 if errs else 0)


if __name__ == "__main__":  # pragma: no cover
    app()
