"""The sample tour made at set-up: three generated rooms (equirectangular panoramas drawn with numpy
and Pillow, each its own colour with a big label), ingested as media items like any upload, linked
room to room, with hotspots that open shipped relic records. It is labelled as a sample everywhere
(title, flag, page banner) and attached to the Robert Taylor museum until its real panoramas come;
the real tour is then built with the same editor.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg
from PIL import Image, ImageDraw, ImageFont

from ..records import queries as record_queries
from ..records.audit import audit_entry
from ..settings import Settings
from . import graph as rooms
from .kind import TOUR

SAMPLE_ID = "tham-quan-mau"
MUSEUM_ID = "bao-tang-robert-taylor"
ACTOR = "setup"
WIDTH = 4096  # the panoramas are WIDTH × WIDTH/2
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",)


@dataclass(frozen=True)
class Room:
    node_id: str
    name_vi: str
    name_en: str
    colour: tuple[int, int, int]


ROOMS = (
    Room("phong-1", "Phòng 1 (mẫu)", "Room 1 (sample)", (172, 73, 59)),
    Room("phong-2", "Phòng 2 (mẫu)", "Room 2 (sample)", (60, 144, 81)),
    Room("phong-3", "Phòng 3 (mẫu)", "Room 3 (sample)", (52, 96, 170)),
)
# (from, to, yaw, pitch): a door in each room towards the next and back; degrees.
DOORS = (
    ("phong-1", "phong-2", 90.0, -8.0),
    ("phong-2", "phong-1", -90.0, -8.0),
    ("phong-2", "phong-3", 90.0, -8.0),
    ("phong-3", "phong-2", -90.0, -8.0),
)
# Hotspots open shipped relic records (placed only when the record is public).
HOTSPOTS = (
    ("phong-1", "site:bach-dinh", -45.0, 5.0, "Ví dụ điểm nóng: Bạch Dinh", "Example hotspot: White Palace"),
    ("phong-3", "site:nui-lon-battery", 45.0, 5.0, "Ví dụ điểm nóng: pháo cổ Núi Lớn", "Example hotspot: Núi Lớn guns"),
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_FILES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def draw_panorama(
    colour: tuple[int, int, int], label: str, *, doors: tuple[tuple[float, str], ...] = (), width: int = WIDTH
) -> Image.Image:
    """An equirectangular picture of a plain room: a chequered floor, walls with a pillar every 45°,
    a light ceiling, ``label`` in big letters straight ahead (yaw 0) and a marked door at each
    (yaw, text) of ``doors``. Each room's colour tells it apart at a glance, also in tests."""
    height = width // 2
    yaw = ((np.arange(width, dtype=np.float32) + 0.5) / width * 360.0 - 180.0)[None, :]  # degrees per column
    pitch = (90.0 - (np.arange(height, dtype=np.float32) + 0.5) / height * 180.0)[:, None]  # per row
    base = np.array(colour, dtype=np.float32)
    shade = lambda factor, add=0.0: np.clip(base * factor + add, 0, 255).astype(np.uint8)  # noqa: E731
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    ceiling, floor = pitch[:, 0] > 35, pitch[:, 0] < -25
    walls = ~ceiling & ~floor
    pixels[ceiling] = shade(0.35, 255 * 0.65)
    pixels[walls] = shade(1.0)
    pillars = np.abs(((yaw[0] + 22.5) % 45) - 22.5) < 2.5
    pixels[np.ix_(walls, pillars)] = shade(0.55)
    # A chequer in the floor's own plane (distance from the camera ~ 1/tan(-pitch)) shows depth.
    distance = 1.0 / np.tan(np.radians(np.clip(-pitch[floor], 1, 89)))
    x, z = distance * np.cos(np.radians(yaw)), distance * np.sin(np.radians(yaw))
    chequer = ((np.floor(x * 2) + np.floor(z * 2)) % 2 == 0)[..., None]
    pixels[floor] = np.where(chequer, shade(0.45), shade(0.7))
    image = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(image)
    scale = width / WIDTH

    def column(angle: float) -> float:
        return (angle + 180.0) / 360.0 * width

    draw.text(
        (column(0), height * 0.42),
        label,
        font=_font(int(150 * scale)),
        fill="white",
        anchor="mm",
        stroke_width=max(1, int(6 * scale)),
        stroke_fill="black",
    )
    draw.text(
        (column(0), height * 0.56),
        "MẪU · SAMPLE",
        font=_font(int(90 * scale)),
        fill="white",
        anchor="mm",
        stroke_width=max(1, int(4 * scale)),
        stroke_fill="black",
    )
    for door_yaw, text in doors:
        left, right = column(door_yaw) - 120 * scale, column(door_yaw) + 120 * scale
        draw.rectangle(
            (left, height * 0.40, right, height * 0.64),
            fill=(40, 32, 24),
            outline="white",
            width=max(1, int(6 * scale)),
        )
        draw.text(
            (column(door_yaw), height * 0.37),
            text,
            font=_font(int(60 * scale)),
            fill="white",
            anchor="mm",
            stroke_width=max(1, int(3 * scale)),
            stroke_fill="black",
        )
    return image


def _doors_of(room: Room) -> tuple[tuple[float, str], ...]:
    names = {r.node_id: r for r in ROOMS}
    return tuple(
        (yaw, "→ " + names[to].name_en.split(" (")[0].upper()) for frm, to, yaw, _ in DOORS if frm == room.node_id
    )


def _public(conn: psycopg.Connection, ref: str) -> bool:
    kind, record_id = rooms.split_ref(ref)
    row = conn.execute("SELECT heritage_record_public(%s, %s)", (kind, record_id)).fetchone()
    return bool(row and row[0])


def _snapshot(conn: psycopg.Connection, action: str, detail: dict) -> None:
    version = conn.execute(record_queries.snapshot_version(TOUR), (action, ACTOR, SAMPLE_ID)).fetchone()[0]
    conn.execute(*audit_entry(ACTOR, action, TOUR.name, SAMPLE_ID, {**detail, "version": version}))


def _create_tour(conn: psycopg.Connection) -> None:
    museum = conn.execute("SELECT 1 FROM museums WHERE id = %s", (MUSEUM_ID,)).fetchone()
    row = {
        "id": SAMPLE_ID,
        "title_vi": "Tham quan mẫu: bảo tàng ba phòng",
        "title_en": "Sample tour: a three-room museum",
        "description_vi": "Chuyến tham quan mẫu với ảnh 360° tạo tự động, để thử trình xem và trình soạn thảo. "
        "Chuyến tham quan thật của Bảo tàng vũ khí cổ Robert Taylor sẽ được dựng bằng cùng trình soạn thảo "
        "khi có ảnh 360° chụp tại bảo tàng.",
        "description_en": "A sample tour with generated 360° pictures, to try the viewer and the editor. The real "
        "tour of the Robert Taylor Museum of Ancient Weapons is built with the same editor once its panoramas "
        "are photographed.",
        "museum_id": MUSEUM_ID if museum else None,
        "is_sample": True,
        "publication_status": "published",
        "created_by": ACTOR,
    }
    statement, params = record_queries.insert(TOUR, row)
    conn.execute(statement, params)
    _snapshot(conn, "create", {"published": True, "sample": True})


def _add_panoramas(conn: psycopg.Connection, settings: Settings, folder: Path) -> dict[str, int]:
    from ..media.register import add_media_file

    ids = {}
    for number, room in enumerate(ROOMS, start=1):
        path = folder / f"sample-room-{number}.jpg"
        label = f"PHÒNG {number} · ROOM {number}"
        draw_panorama(room.colour, label, doors=_doors_of(room)).save(path, "JPEG", quality=85)
        ids[room.node_id] = add_media_file(
            conn,
            settings,
            f"{TOUR.name}:{SAMPLE_ID}",
            path,
            media_type="panorama",
            rights_holder="Dự án bản đồ di sản (ảnh mẫu tạo tự động) / Heritage map project (generated sample)",
            licence="CC0-1.0",
            creator="heritage setup",
            caption_vi=f"{room.name_vi}: ảnh 360° tạo tự động",
            caption_en=f"{room.name_en}: generated 360° picture",
            actor=ACTOR,
            publish=True,
            run_now=True,
        )
    return ids


def sample_graph(conn: psycopg.Connection, media_ids: dict[str, int]) -> rooms.Graph:
    nodes = []
    for room in ROOMS:
        nodes.append(
            {
                "id": room.node_id,
                "media_id": media_ids[room.node_id],
                "name_vi": room.name_vi,
                "name_en": room.name_en,
                "caption_vi": "Ảnh mẫu tạo tự động, không phải ảnh chụp bảo tàng",
                "caption_en": "A generated sample picture, not a photograph of the museum",
                "links": [
                    {"to": to, "yaw": yaw, "pitch": pitch} for frm, to, yaw, pitch in DOORS if frm == room.node_id
                ],
                "hotspots": [
                    {"record": ref, "yaw": yaw, "pitch": pitch, "label_vi": vi, "label_en": en}
                    for node, ref, yaw, pitch, vi, en in HOTSPOTS
                    if node == room.node_id and _public(conn, ref)
                ],
            }
        )
    return rooms.parse({"start": ROOMS[0].node_id, "nodes": nodes})


def ensure_sample_tour(dsn: str, settings: Settings) -> bool:
    """Make the sample tour once (idempotent: an existing sample with rooms is left as it is).
    Returns True when it was made now."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT jsonb_array_length(graph -> 'nodes') FROM tours WHERE id = %s", (SAMPLE_ID,)
        ).fetchone()
        if row is not None and row[0] > 0:
            return False
        with conn.transaction():
            if row is None:
                _create_tour(conn)
        with tempfile.TemporaryDirectory(prefix="heritage-tour-") as tmp:
            media_ids = _add_panoramas(conn, settings, Path(tmp))
        with conn.transaction():
            graph = sample_graph(conn, media_ids)
            conn.execute(
                "UPDATE tours SET graph = %s::jsonb, updated_at = now() WHERE id = %s",
                (graph.model_dump_json(), SAMPLE_ID),
            )
            _snapshot(conn, "edit", {"fields": ["graph"], "sample": True})
    return True
