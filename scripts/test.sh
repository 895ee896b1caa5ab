#!/usr/bin/env bash
# Run the whole test suite from a clean clone: installs what is missing, then pytest.
# Tests start their own throw-away PostGIS cluster; the developer's var/pg is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
