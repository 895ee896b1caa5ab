"""Run the pinned Node tools in ``tiling/js`` (gltf-validator, gltf-pipeline Draco).

The tools are installed with ``npm ci`` in ``tiling/js`` (package-lock.json pins them).
Nothing is downloaded at run time: a missing ``node`` or ``node_modules`` is a hard
error with the command that fixes it, never a silent skip, because an unvalidated
tileset must not be published.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

JS_DIR = Path(__file__).resolve().parent / "js"


class NodeToolsMissing(RuntimeError):
    """node or the npm packages of tiling/js are not installed."""


def _node() -> str:
    node = os.environ.get("HERITAGE_NODE") or shutil.which("node")
    if not node:
        raise NodeToolsMissing("Node.js (node) is not on PATH; install Node 20 to validate and compress tiles.")
    return node


def _require(package: str) -> None:
    if not (JS_DIR / "node_modules" / package / "package.json").is_file():
        raise NodeToolsMissing(
            f"npm package {package!r} is missing in {JS_DIR}; run `npm ci` there (package-lock.json pins it)."
        )


def _run(script: str, paths: list[Path], extra: list[str] | None = None, timeout: float = 3600) -> dict[str, Any]:
    # a list file avoids the argv length limit with thousands of tiles
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(str(Path(p).resolve()) for p in paths))
        list_path = fh.name
    try:
        proc = subprocess.run(
            [_node(), str(JS_DIR / script), *(extra or []), "--list", list_path],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=JS_DIR,
            check=False,
        )  # exit 1 = "some file has errors", read from the JSON
    finally:
        os.unlink(list_path)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        raise RuntimeError(f"{script} failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


VALIDATE_PROCESSES = 2  # node processes validating at once (the validator is single-threaded)
SPLIT_FROM = 40  # files; fewer are validated by one process


def gltf_validate(paths: list[Path]) -> dict[str, Any]:
    """Validate GLB files; returns the JSON report of validate_glb.cjs (see that script)."""
    _require("gltf-validator")
    if not paths:
        return {"validatorVersion": None, "numErrors": 0, "files": []}
    if len(paths) < SPLIT_FROM:
        return _run("validate_glb.cjs", paths)
    from concurrent.futures import ThreadPoolExecutor

    shares = [paths[i::VALIDATE_PROCESSES] for i in range(VALIDATE_PROCESSES)]
    with ThreadPoolExecutor(VALIDATE_PROCESSES) as pool:
        reports = list(pool.map(lambda share: _run("validate_glb.cjs", share), shares))
    return {
        "validatorVersion": reports[0]["validatorVersion"],
        "numErrors": sum(r["numErrors"] for r in reports),
        "files": [f for r in reports for f in r["files"]],
    }


def draco_compress(paths: list[Path], *, texcoord_bits: int = 14, position_bits: int = 16) -> dict[str, Any]:
    """Draco-compress GLB files in place (triangle primitives only)."""
    _require("gltf-pipeline")
    if not paths:
        return {"files": 0, "bytesBefore": 0, "bytesAfter": 0}
    return _run(
        "compress_glb.cjs", paths, ["--texcoord-bits", str(texcoord_bits), "--position-bits", str(position_bits)]
    )
