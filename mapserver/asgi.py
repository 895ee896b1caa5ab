"""ASGI entry point for uvicorn/gunicorn: settings come from the environment at start-up."""

from .app import create_app

app = create_app()
