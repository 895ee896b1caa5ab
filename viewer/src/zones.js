// Protection zones I and II of the relics (Law on Cultural Heritage), from the OGC API Features
// collection protection_zones (GeoJSON MultiPolygons in CRS84). Zone I, the strict core, is drawn
// stronger (deeper fill, thick solid outline) and above zone II (light fill, dashed outline).
// One entity per polygon part; a zone's parts share its feature. The legend shows both styles and
// the switch of the layer (#legend-zones).

import { $, el, replace } from "./dom.js";
import { onLangChange, t } from "./i18n.js";

const Cesium = window.Cesium;

export const ZONE_STYLE = {
  I: { fill: "#c62828", alpha: 0.42, line: "#8e0000", width: 3, dashed: false, height: 10 },
  II: { fill: "#ef6c00", alpha: 0.18, line: "#e65100", width: 2, dashed: true, height: 5 },
};
// Heights above the ellipsoid: under the planner's shapes (20 m), zone I over zone II. Plain
// (not ground-clamped) primitives: no depth-texture shaders on software-rendered machines.
const SELECTED_WIDTH = 5;

export class ZoneLayer {
  constructor(viewer) {
    this.viewer = viewer;
    this.source = new Cesium.CustomDataSource("protection_zones");
    this.features = new Map(); // zone id → GeoJSON Feature
    this.entityZone = new Map(); // entity → zone id
    this.selectedId = null;
    viewer.dataSources.add(this.source);
    const toggle = $("#zones-toggle");
    toggle.addEventListener("change", () => this.setShown(toggle.checked));
    onLangChange(() => this.#renderLegend());
    this.#renderLegend();
  }

  #renderLegend() {
    replace($("#legend-zone-items"), ["I", "II"].map((zone) => el("div", {},
      el("span", { className: `swatch zone-${zone}`, "aria-hidden": "true" }), t("zoneName", { zone }))));
    $("#zones-toggle-label").textContent = t("zonesToggle", { n: this.count() });
    $("#legend-zones").hidden = false;
  }

  get shown() { return this.source.show; }

  setShown(show) {
    this.source.show = show;
    this.viewer.scene.requestRender();
  }

  // features: GeoJSON Features with Polygon/MultiPolygon geometries and properties site_id, zone.
  setZones(features) {
    const entities = this.source.entities;
    entities.suspendEvents();
    entities.removeAll();
    this.features.clear();
    this.entityZone.clear();
    for (const feature of features) {
      const g = feature.geometry;
      if (!g) continue;
      const polygons = g.type === "MultiPolygon" ? g.coordinates : g.type === "Polygon" ? [g.coordinates] : [];
      if (!polygons.length) continue;
      const id = String(feature.id);
      this.features.set(id, feature);
      const style = ZONE_STYLE[feature.properties.zone] || ZONE_STYLE.II;
      polygons.forEach((rings, part) => {
        const entity = entities.add(this.#entity(`zone-${id}-${part}`, rings, style));
        this.entityZone.set(entity, id);
      });
    }
    entities.resumeEvents();
    this.#renderLegend();
    this.viewer.scene.requestRender();
  }

  count() { return this.features.size; }

  #entity(entityId, rings, style) {
    const h = style.height;
    const ring = (coords) => Cesium.Cartesian3.fromDegreesArrayHeights(coords.flatMap(([x, y]) => [x, y, h]));
    const outer = ring(rings[0]);
    const lineColor = Cesium.Color.fromCssColorString(style.line);
    return {
      id: entityId,
      polygon: {
        hierarchy: new Cesium.PolygonHierarchy(outer.slice(0, -1),
          rings.slice(1).map((hole) => new Cesium.PolygonHierarchy(ring(hole).slice(0, -1)))),
        height: h,
        material: Cesium.Color.fromCssColorString(style.fill).withAlpha(style.alpha),
        arcType: Cesium.ArcType.RHUMB,
      },
      polyline: {
        positions: outer,
        width: style.width,
        material: style.dashed ? new Cesium.PolylineDashMaterialProperty({ color: lineColor, dashLength: 12 }) : lineColor,
        arcType: Cesium.ArcType.RHUMB,
      },
    };
  }

  // The zone feature a scene.pick() result is, or null.
  resolvePick(picked) {
    const entity = picked && picked.id;
    if (!(entity instanceof Cesium.Entity) || !this.source.show) return null;
    const id = this.entityZone.get(entity);
    return id === undefined ? null : this.features.get(id);
  }

  // The selected zone's outline is drawn thicker (null: none).
  select(zoneId) {
    this.selectedId = zoneId == null ? null : String(zoneId);
    for (const [entity, id] of this.entityZone) {
      const style = ZONE_STYLE[this.features.get(id).properties.zone] || ZONE_STYLE.II;
      const width = id === this.selectedId ? SELECTED_WIDTH : style.width;
      if (entity.polyline.width.getValue() !== width) entity.polyline.width = width;
    }
    this.viewer.scene.requestRender();
  }

  get(zoneId) { return this.features.get(String(zoneId)) || null; }
}
