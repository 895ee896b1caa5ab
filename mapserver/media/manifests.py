"""IIIF Presentation 3 documents, built by hand from what the database says (no HTTP fetch of
info.json: every width, height, size and duration is in the item's facts).

* A manifest per record: `/iiif/manifests/{record_type}/{record_id}.json`, one canvas per item in
  the record's order. Images carry their level-0 image service and a body that exists as a file
  (the largest pre-rendered size: level 0 has no `full/max`); panoramas are image canvases of the
  equirectangular JPEG; clips are video canvases with their duration (subtitles as a supplementing
  WebVTT annotation), sound a duration-only canvas. 3D models are not canvases — Presentation 3
  has no 3D scenes (that is Presentation 4) — but are listed as the manifest's `rendering`
  (type Model, model/gltf-binary), which viewers offer as a download/alternative.
* Labels are bilingual ({"vi": …, "en": …}); `rights` is the licence URI; `requiredStatement`
  names the rights holder and creator in both languages.
* A collection per museum (its artefacts' manifests) and per relic (the relic's manifest, then
  those of its artefacts).
"""

from __future__ import annotations

from typing import Any

from ..vocabulary import LICENCE_TERMS, LICENCE_URLS, labels
from .urls import thumbnail_size

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
LICENCE_LABELS = labels(LICENCE_TERMS)
ATTRIBUTION = {"vi": ["Ghi công"], "en": ["Attribution"]}
CANVAS_TYPES = ("image", "panorama", "video", "audio")


def lang(vi: str | None, en: str | None, fallback: str = "") -> dict[str, list[str]]:
    """A IIIF language map: Vietnamese first, English beside it; 'none' when neither is known."""
    out = {code: [text] for code, text in (("vi", vi), ("en", en)) if text}
    return out or {"none": [fallback or "—"]}


def manifest_path(record_type: str, record_id: str) -> str:
    return f"/iiif/manifests/{record_type}/{record_id}.json"


def required_statement(item: dict[str, Any]) -> dict[str, Any]:
    vi_label, en_label = LICENCE_LABELS[item["licence"]]
    parts_vi = [f"© {item['rights_holder']}"]
    parts_en = [f"© {item['rights_holder']}"]
    if item.get("creator"):
        parts_vi.append(f"Tác giả: {item['creator']}")
        parts_en.append(f"Creator: {item['creator']}")
    if item.get("date"):
        parts_vi.append(f"Thời gian: {item['date']}")
        parts_en.append(f"Date: {item['date']}")
    parts_vi.append(vi_label)
    parts_en.append(en_label)
    return {"label": ATTRIBUTION, "value": {"vi": [" · ".join(parts_vi)], "en": [" · ".join(parts_en)]}}


def _image_service(item: dict[str, Any], base: str) -> list[dict[str, Any]]:
    return [{"id": base + item["iiif_base"], "type": "ImageService3", "profile": "level0"}]


def _resource(url: str, kind: str, media_type: str, **facts: Any) -> dict[str, Any]:
    """A content resource: its URL, IIIF type, format and whatever facts it has (no empty ones)."""
    return {"id": url, "type": kind, "format": media_type, **{k: v for k, v in facts.items() if v is not None}}


def _sized_image(item: dict[str, Any], base: str, size: tuple[int, int]) -> dict[str, Any]:
    """A pre-rendered size of an image, with its level-0 image service (for deep zoom)."""
    w, h = size
    url = f"{base}{item['iiif_base']}/full/{w},{h}/0/default.jpg"
    return _resource(url, "Image", "image/jpeg", width=w, height=h, service=_image_service(item, base))


def _thumbnail(item: dict[str, Any], base: str) -> list[dict[str, Any]]:
    if item["media_type"] == "image" and item.get("sizes"):
        return [_sized_image(item, base, thumbnail_size(item["sizes"]))]
    if item.get("thumbnail"):
        return [_resource(base + item["thumbnail"], "Image", "image/jpeg")]
    return []


def _body(item: dict[str, Any], base: str) -> dict[str, Any]:
    kind = item["media_type"]
    if kind == "image":
        return _sized_image(item, base, tuple(item["sizes"][-1]))
    if kind == "panorama":
        return _resource(base + item["panorama"], "Image", "image/jpeg", width=item["width"], height=item["height"])
    if kind == "video":
        return _resource(base + item["video"], "Video", "video/mp4", width=item["width"], height=item["height"],
                         duration=item["duration"])  # fmt: skip
    return _resource(base + item["audio"], "Sound", "audio/mp4", duration=item["duration"])


def canvas(item: dict[str, Any], manifest_base: str, base: str) -> dict[str, Any] | None:
    """The canvas of one item (None for models and for items whose files are missing)."""
    kind = item["media_type"]
    if kind not in CANVAS_TYPES or not item.get("version"):
        return None
    if kind == "image" and not item.get("sizes"):
        return None
    if kind in ("video", "audio") and not (item.get("duration") and item.get(kind)):
        return None
    canvas_id = f"{manifest_base}/canvas/{item['id']}"
    out: dict[str, Any] = {
        "id": canvas_id,
        "type": "Canvas",
        "label": lang(item.get("caption_vi"), item.get("caption_en"), f"#{item['id']}"),
    }
    if kind != "audio":
        out["width"], out["height"] = item["width"], item["height"]
    if kind in ("video", "audio"):
        out["duration"] = item["duration"]
    thumbnail = _thumbnail(item, base)
    if thumbnail:
        out["thumbnail"] = thumbnail
    out["rights"] = LICENCE_URLS[item["licence"]]
    out["requiredStatement"] = required_statement(item)
    annotation = {
        "id": f"{canvas_id}/page/painting",
        "type": "Annotation",
        "motivation": "painting",
        "body": _body(item, base),
        "target": canvas_id,
    }
    out["items"] = [{"id": f"{canvas_id}/page", "type": "AnnotationPage", "items": [annotation]}]
    if kind == "video" and item.get("subtitles"):
        track = {
            "id": f"{canvas_id}/subtitles/vi",
            "type": "Annotation",
            "motivation": "supplementing",
            "body": {"id": base + item["subtitles"], "type": "Text", "format": "text/vtt", "language": "vi"},
            "target": canvas_id,
        }
        out["annotations"] = [{"id": f"{canvas_id}/subtitles", "type": "AnnotationPage", "items": [track]}]
    return out


def _rendering(item: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "id": base + item["model"],
        "type": "Model",
        "label": lang(item.get("caption_vi"), item.get("caption_en"), "3D"),
        "format": "model/gltf-binary",
    }


def manifest(
    *,
    base: str,
    record_type: str,
    record_id: str,
    label_vi: str | None,
    label_en: str | None,
    items: list[dict[str, Any]],
    homepage: str | None = None,
) -> dict[str, Any] | None:
    """The record's manifest; None when it has nothing a canvas can show."""
    manifest_id = base + manifest_path(record_type, record_id)
    manifest_base = manifest_id.removesuffix(".json")
    canvases = [c for c in (canvas(i, manifest_base, base) for i in items) if c is not None]
    if not canvases:
        return None
    out: dict[str, Any] = {
        "@context": CONTEXT,
        "id": manifest_id,
        "type": "Manifest",
        "label": lang(label_vi, label_en, f"{record_type}:{record_id}"),
    }
    shown = [i for i in items if i["media_type"] in CANVAS_TYPES]
    thumbnail = next((t for t in (_thumbnail(i, base) for i in shown) if t), None)
    if thumbnail:
        out["thumbnail"] = thumbnail
    if len({i["licence"] for i in shown}) == 1:
        out["rights"] = LICENCE_URLS[shown[0]["licence"]]
    if len({(i["rights_holder"], i.get("creator"), i.get("date"), i["licence"]) for i in shown}) == 1:
        out["requiredStatement"] = required_statement(shown[0])
    else:  # items of several rights: name every holder here, the details are on each canvas
        holders = " · ".join(f"© {h}" for h in dict.fromkeys(i["rights_holder"] for i in shown))
        value = {"vi": [f"{holders} (chi tiết ở từng mục)"], "en": [f"{holders} (see each item)"]}
        out["requiredStatement"] = {"label": ATTRIBUTION, "value": value}
    if homepage:
        out["homepage"] = [
            {"id": base + homepage, "type": "Text", "label": out["label"], "format": "text/html", "language": ["vi"]}
        ]
    models = [i for i in items if i["media_type"] == "model" and i.get("model")]
    if models:
        out["rendering"] = [_rendering(i, base) for i in models]
    out["items"] = canvases
    return out


def collection(
    *, base: str, path: str, label_vi: str | None, label_en: str | None, manifests: list[tuple[str, str, Any, Any]]
) -> dict[str, Any]:
    """A collection of manifest references: ``manifests`` is (record_type, record_id, label_vi, label_en)."""
    return {
        "@context": CONTEXT,
        "id": base + path,
        "type": "Collection",
        "label": lang(label_vi, label_en, path),
        "items": [
            {
                "id": base + manifest_path(kind, str(rid)),
                "type": "Manifest",
                "label": lang(vi, en, f"{kind}:{rid}"),
            }
            for kind, rid, vi, en in manifests
        ],
    }
