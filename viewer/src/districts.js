// Relics that have no surveyed position yet, shown honestly: one labelled badge per (former) district
// with how many there are, at the district's seat (data/district_seats.csv, sourced) — never a
// made-up point per relic. A click lists them; each opens its record. Districts without a sourced
// seat get no badge (their relics stay in the sidebar's "not yet surveyed" list).

import { $, el, replace } from "./dom.js";
import { lang } from "./i18n.js";

const Cesium = window.Cesium;
const SCALE = 2;
const BADGE_RANGE_M = 400000;

export async function loadUnlocated() {
  const response = await fetch("/api/sites/unlocated-by-district", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

// A rounded amber tag: "<count> chưa khảo sát · <district>" drawn on a canvas (text, never HTML).
function badgeImage(count, name) {
  const text = `${count} ${lang() === "vi" ? "chưa khảo sát vị trí" : "not yet surveyed"} · ${name}`;
  const font = `600 ${12 * SCALE}px sans-serif`;
  const probe = document.createElement("canvas").getContext("2d");
  probe.font = font;
  const width = Math.ceil(probe.measureText(text).width) + 20 * SCALE;
  const height = 24 * SCALE;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "rgba(255, 236, 179, 0.95)";
  ctx.strokeStyle = "#8a5a00";
  ctx.lineWidth = 2 * SCALE;
  ctx.beginPath();
  ctx.roundRect(SCALE, SCALE, width - 2 * SCALE, height - 2 * SCALE, 8 * SCALE);
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = "#4a3000";
  ctx.font = font;
  ctx.textBaseline = "middle";
  ctx.fillText(text, 10 * SCALE, height / 2 + SCALE);
  return { url: canvas.toDataURL("image/png"), width: width / SCALE, height: height / SCALE, text };
}

export class DistrictBadges {
  constructor(viewer, { onSelect }) {
    this.viewer = viewer;
    this.onSelect = onSelect;
    this.source = new Cesium.CustomDataSource("unlocated-districts");
    this.districts = new Map();
    viewer.dataSources.add(this.source);
    this.popup = el("div", { id: "district-popup", className: "district-popup", role: "dialog", hidden: true });
    $("#map").append(this.popup);
  }

  setDistricts(districts) {
    this.source.entities.removeAll();
    this.districts.clear();
    for (const district of districts) {
      if (!district.id || !district.seat || !district.count) continue;
      const image = badgeImage(district.count, district.seat.name || district.name_vi);
      this.districts.set(district.id, district);
      this.source.entities.add({
        id: `district:${district.id}`,
        position: Cesium.Cartesian3.fromDegrees(district.seat.lon, district.seat.lat, 0),
        billboard: {
          image: image.url,
          width: image.width,
          height: image.height,
          heightReference: Cesium.HeightReference.CLAMP_TO_GROUND,
          verticalOrigin: Cesium.VerticalOrigin.BOTTOM,
          pixelOffset: new Cesium.Cartesian2(0, -14), // above the seat's own relic markers
          disableDepthTestDistance: Number.POSITIVE_INFINITY, // a tag, not an object in the landscape
          distanceDisplayCondition: new Cesium.DistanceDisplayCondition(0, BADGE_RANGE_M),
        },
        properties: { district: district.id, label: image.text },
      });
    }
    this.viewer.scene.requestRender();
  }

  count() {
    return this.source.entities.values.length;
  }

  // A picked badge's district, or null.
  resolvePick(picked) {
    const entity = picked && picked.id;
    if (!(entity instanceof Cesium.Entity) || this.source.entities.getById(entity.id) !== entity) return null;
    return this.districts.get(entity.id.slice("district:".length)) || null;
  }

  showList(district) {
    const title = lang() === "vi"
      ? `${district.name_vi}: ${district.count} di tích chưa khảo sát vị trí`
      : `${district.name_en || district.name_vi}: ${district.count} relics not yet surveyed`;
    const items = district.relics.map((relic) => el("li", {},
      el("button", { type: "button", className: "link-button", onclick: () => { this.hide(); this.onSelect(relic.id); } },
        lang() === "vi" ? relic.name_vi : relic.name_en || relic.name_vi)));
    replace(this.popup,
      el("button", { type: "button", className: "close", "aria-label": lang() === "vi" ? "Đóng" : "Close", onclick: () => this.hide() }, "×"),
      el("h2", { text: title }),
      el("p", { className: "hint", text: lang() === "vi"
        ? "Chưa có tọa độ đo đạc: không đặt điểm nào lên bản đồ cho các di tích này."
        : "No surveyed coordinates yet: none of these relics is given a point on the map." }),
      el("ul", {}, items));
    this.popup.hidden = false;
    this.popup.dataset.district = district.id;
  }

  hide() {
    this.popup.hidden = true;
  }
}
