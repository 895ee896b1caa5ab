"""Background jobs on the same PostgreSQL (procrastinate): scan tiling and its housekeeping.

Tasks are declared on a blueprint at import (nothing connects then); `make_app(dsn)` binds them to
a database for the server (to defer jobs) or for `heritage worker` (to run them). `worker` survives
database restarts and takes back the jobs of dead workers; `supervisor` keeps `heritage serve`'s
worker process running; `scratch` names and cleans the jobs' scratch folders; `retention` deletes
the originals of long-failed uploads.
"""
