#!/usr/bin/env bash
# Set up and run the whole product: embedded PostGIS, migrations, shipped data, and on :8000 the
# production front (nginx serving published tiles straight from the store, app workers behind it)
# with a tiling worker. Ctrl-C stops all of it and the database cleanly. Safe to run again.
# Options pass to `heritage serve`: --dev for the bare app, --workers N, --port P, ...
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/heritage setup
exec .venv/bin/heritage serve "$@"
