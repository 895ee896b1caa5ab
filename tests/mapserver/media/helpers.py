"""Shared by the media tests: the app with the media routes, real generated media files, uploads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import ExifTags, Image

from tests.conftest import make_settings


def media_app(dsn: str, var_dir: Path, **overrides):
    """The real app on ``dsn``, with the media router included if app.py does not include it yet."""
    from mapserver.app import create_app
    from mapserver.media import routes

    settings = make_settings(dsn, var_dir).model_copy(update=overrides)
    app = create_app(settings)
    wired = any(
        getattr(r, "original_router", None) is routes.router or getattr(r, "path", "").startswith("/api/media")
        for r in app.router.routes
    )
    if not wired:
        app.include_router(routes.router)
    return app


def photo(path: Path, width: int = 1200, height: int = 900, *, orientation: int = 1, gps: bool = True) -> Path:
    """A JPEG with a camera's EXIF (orientation, make, GPS position): a colour ramp, a red corner."""
    ramp = np.linspace(0, 255, width, dtype=np.uint8)
    data = np.zeros((height, width, 3), dtype=np.uint8)
    data[:, :, 0] = ramp
    data[:, :, 1] = 120
    data[:, :, 2] = ramp[::-1]
    data[: height // 5, : width // 5] = (250, 10, 10)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "TestCam"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (10.0, 20.0, 30.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (107.0, 5.0, 0.0),
        }
    Image.fromarray(data).save(path, "JPEG", quality=90, exif=exif)
    return path


def panorama(path: Path, width: int = 2048) -> Path:
    x = np.linspace(0, 255, width, dtype=np.uint8)
    data = np.stack([np.tile(x, (width // 2, 1))] * 3, axis=2)
    Image.fromarray(data).save(path, "JPEG", quality=85)
    return path


def upload(client, token: str | None, path: Path, record: str = "site:bach-dinh", **form):
    fields = {"record": record, "rights_holder": "Bảo tàng tỉnh BR-VT", "licence": "CC-BY-4.0", **form}
    fields = {k: v for k, v in fields.items() if v is not None}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with open(path, "rb") as fh:
        return client.post("/api/media", headers=headers, data=fields, files={"file": (path.name, fh, "image/jpeg")})
