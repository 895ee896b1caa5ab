"""Background jobs on the same PostgreSQL (procrastinate): scan tiling and its housekeeping.

Tasks are declared on a blueprint at import (nothing connects then); `make_app(dsn)` binds them to
a database for the server (to defer jobs) or for `heritage worker` (to run them).
"""
