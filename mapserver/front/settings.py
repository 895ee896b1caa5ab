"""Settings of the production front (prefix HERITAGE_FRONT_), read when `heritage serve` starts."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FrontSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HERITAGE_FRONT_", extra="ignore")

    nginx: str | None = Field(
        default=None, description="The nginx binary; unset: found on PATH or in /usr/sbin; 'none': serve the bare app."
    )
    worker_processes: str = Field(default="auto", description="nginx worker processes ('auto': one per core).")
    worker_connections: int = Field(default=4096, ge=16, description="Connections per nginx worker.")
    resync_seconds: float = Field(default=1.0, gt=0, description="Published links are checked at least this often.")
