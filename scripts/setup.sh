#!/usr/bin/env bash
# Install everything the product needs on a fresh Debian machine; idempotent and quick when done.
#   scripts/setup.sh          system packages, .venv with the package (editable), npm packages
#   scripts/setup.sh --test   the same plus what the test suite needs (chromium, gdal-bin)
#   scripts/setup.sh --bench  the test set plus the load generator of scripts/bench/ (wrk)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ffmpeg: media ingest (transcoding); espeak-ng + sox: narration; nginx-light: the production front; fonts-dejavu-core: Vietnamese glyphs embedded in PDF reports;
# gmt-gshhg-full: GSHHG shorelines of the offline basemap (LGPL).
apt_packages=(postgresql-15 postgresql-15-postgis-3 proj-data ffmpeg espeak-ng sox nginx-light fonts-dejavu-core gmt-gshhg-full)
if [[ "${1:-}" == "--test" || "${1:-}" == "--bench" ]]; then
  apt_packages+=(chromium gdal-bin poppler-utils)  # poppler-utils: the tests read the PDF reports back
fi
if [[ "${1:-}" == "--bench" ]]; then
  apt_packages+=(wrk)
fi

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]} (first run only, about a minute)"
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${missing[*]}. Run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv"
  "$python" -m venv .venv
fi
stamp=".venv/.heritage-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  say "installing Python packages into .venv (pinned in pyproject.toml)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  # The OGC conformance suite pins pytest<9 and httpx<0.28 for itself; its checks run fine with ours.
  .venv/bin/python -m pip install -q --no-deps ogctests==0.1.15
  echo "$want" > "$stamp"
fi

for dir in viewer tiling/js; do
  [[ -f "$dir/package-lock.json" ]] || continue
  npm_stamp="$dir/node_modules/.heritage-installed"
  npm_want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [[ ! -f "$npm_stamp" || "$(cat "$npm_stamp")" != "$npm_want" ]]; then
    say "installing npm packages in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$npm_want" > "$npm_stamp"
  fi
done
