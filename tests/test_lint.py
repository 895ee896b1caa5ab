"""The house rules that a tool can check: ruff lint and format (pyproject [tool.ruff]) for every
package, test and script; crs/ and tiling/ never import mapserver/; no module over 400 lines."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("crs", "tiling", "mapserver", "tests", "scripts")
MAX_MODULE_LINES = 400


def _ruff(*args: str) -> subprocess.CompletedProcess:
    ruff = Path(sys.executable).parent / "ruff"
    return subprocess.run([str(ruff), *args, *CHECKED], cwd=ROOT, capture_output=True, text=True)


def test_ruff_passes():
    result = _ruff("check")
    assert result.returncode == 0, result.stdout[-3000:]


def test_ruff_format_is_clean():
    result = _ruff("format", "--check")
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("package", ["crs", "tiling"])
def test_libraries_never_import_the_server(package):
    pattern = re.compile(r"^\s*(from|import)\s+mapserver\b", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_no_module_is_over_the_limit():
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "mapserver").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
