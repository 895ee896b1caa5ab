"""The editor's request body for a relic (validated by pydantic; codes from the vocabulary)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..vocabulary import CATEGORIES, LOCATION_STATUSES, PUBLICATION_STATUSES, RANKS

Rank = Literal[RANKS]  # type: ignore[valid-type]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
PublicationStatus = Literal[PUBLICATION_STATUSES]  # type: ignore[valid-type]
# A position an editor sets is known: every status but "unknown".
KnownLocation = Literal[tuple(s for s in LOCATION_STATUSES if s != "unknown")]  # type: ignore[valid-type]


class Position(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lon: float = Field(ge=102.0, le=118.0, description="WGS 84 longitude")
    lat: float = Field(ge=6.0, le=24.0, description="WGS 84 latitude")
    location_status: KnownLocation
    location_source: str = Field(min_length=3, max_length=500)
    location_accuracy_m: float | None = Field(default=None, ge=0, le=100_000)

    def as_move(self) -> dict:
        return {
            "lon": self.lon,
            "lat": self.lat,
            "status": self.location_status,
            "source": self.location_source,
            "accuracy": self.location_accuracy_m,
        }


class SitePatch(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")
    name_vi: str | None = Field(default=None, min_length=1, max_length=500)
    name_en: str | None = Field(default=None, max_length=500)
    rank: Rank | None = None
    category: Category | None = None
    decision_no: str | None = Field(default=None, max_length=100)
    decision_date: date | None = None
    decision_issuer: str | None = Field(default=None, max_length=300)
    address_vi: str | None = Field(default=None, max_length=500)
    sources: str | None = Field(default=None, max_length=5000)
    notes: str | None = Field(default=None, max_length=5000)
    publication_status: PublicationStatus | None = None
    sensitive: bool | None = Field(default=None, description="show the public a point generalised to ~1 km")
    position: Position | None = None

    @model_validator(mode="after")
    def not_empty(self) -> SitePatch:
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        return self
