#!/usr/bin/env bash
# Set up and run the whole product: embedded PostGIS, migrations, shipped data, server on :8000.
# Ctrl-C stops the server and the database cleanly. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/heritage setup
exec .venv/bin/heritage serve "$@"
