"""Settings read from the environment (prefix HERITAGE_), never at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HERITAGE_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL/PostGIS URL. Unset: the embedded cluster under var_dir is used.",
    )
    var_dir: Path = Field(default=PROJECT_ROOT / "var", description="Runtime data (cluster, store).")
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Shipped datasets.")
    host: str = "127.0.0.1"
    port: int = 8000
    pool_min_size: int = 1
    pool_max_size: int = 10
    max_page_size: int = 10_000
    default_page_size: int = 100
    page_cache_mb: int = Field(
        default=128, ge=0, description="Relic search pages kept per app process until the data changes (0: none)."
    )
    survey_max_bytes: int = Field(default=512 * 1024 * 1024, description="Largest survey upload.")
    scan_max_bytes: int = Field(default=4 * 1024**3, description="Largest scan upload (4 GiB).")
    max_body_bytes: int = Field(default=32 * 1024 * 1024, description="Largest body outside uploads.")
    store_url: str | None = Field(default=None, description="s3://bucket/prefix; unset: var/store on disk.")
    s3_endpoint_url: str | None = Field(default=None, description="S3-compatible endpoint (MinIO, …).")
    public_url: str | None = Field(default=None, description="Base URL used in links; default from request.")
    api_token_days: int = Field(default=365, ge=1, description="Lifetime of a new API token (users add).")
    login_max_failures: int = Field(default=5, ge=1, description="Failed sign-ins of one account before a lockout.")
    login_address_max_failures: int = Field(default=20, ge=1, description="Failed sign-ins from one address.")
    login_window_seconds: int = Field(default=900, ge=1, description="Failures older than this are forgotten.")
    login_lockout_seconds: int = Field(default=30, ge=1, description="First lockout; doubles with each failure.")
    login_lockout_max_seconds: int = Field(default=3600, ge=1, description="Longest lockout.")
    password_hash_threads: int = Field(default=1, ge=1, description="argon2 checks at once (4 lanes, 64 MiB each).")
    planner_upload_max_bytes: int = Field(default=64 * 1024**2, ge=1, description="Largest planner vector file.")
    media_max_bytes: int = Field(default=2 * 1024**3, ge=1, description="Largest media upload (2 GiB).")
    upload_max_bytes: int = Field(default=256 * 1024**2, ge=1, description="Largest upload to other upload routes.")
    failed_upload_retention_days: float = Field(default=7, ge=0, description="Originals of failed scans kept.")
    worker_backoff_max_seconds: float = Field(default=30, gt=0, description="Longest wait to restart/reconnect.")

    @property
    def store_dir(self) -> Path:
        return self.var_dir / "store"
