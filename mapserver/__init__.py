"""The heritage map server: settings, database, HTTP APIs, HTML pages, jobs and the CLI.

Geodesy lives in `crs/` and scan conversion in `tiling/`; this package calls them and never the
other way round.
"""
