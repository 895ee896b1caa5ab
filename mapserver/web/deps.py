"""FastAPI dependencies for what the app holds in its state (settings, pool, store, job queue),
as ``Annotated`` types so routes declare them in one word."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool

from ..settings import Settings
from ..store import Store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_pool(request: Request) -> AsyncConnectionPool:
    return request.app.state.pool


def get_store(request: Request) -> Store:
    return request.app.state.store


AppSettings = Annotated[Settings, Depends(get_settings)]
Pool = Annotated[AsyncConnectionPool, Depends(get_pool)]
AppStore = Annotated[Store, Depends(get_store)]
