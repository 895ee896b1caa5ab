"""Dependencies shared by routers: settings and the pool from app state, request base URL."""

from __future__ import annotations

from fastapi import Request
from psycopg_pool import AsyncConnectionPool

from ..settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_pool(request: Request) -> AsyncConnectionPool:
    return request.app.state.pool
