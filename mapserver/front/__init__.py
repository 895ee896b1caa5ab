"""The production front of `heritage serve`: nginx serving published files of the local store
through a directory of links kept current from the database (published.py, linker.py), the app
workers behind it on a private socket, their configuration and supervision (nginx.py, serve.py).
No routes and no SQL of its own: what is public is asked of the records' queries."""
