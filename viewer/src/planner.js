// Planner tool: pick an area (rectangle, polygon, buffer around a point, or the current view), list
// the relics inside from the server (POST /api/sites/search with a GeoJSON polygon, or
// GET /api/sites?near=&radius=), and download them as GeoJSON or CSV. The selection is also the
// footprint of the impact report (impact.js); a buffer's footprint is its circle as a polygon.
//
// Drawing: left clicks on the globe. Keyboard users have "Current view" and the typed buffer centre.
// The programmatic entry points (selectPolygon, selectRectangle, selectBuffer) run the same query
// and rendering code as a drawn shape; they are exposed as window.heritage.planner.

import { searchNear, searchPolygon } from "./api.js";
import { featuresToCsv } from "./csv.js";
import { $, $$, el, fileStamp, replace, saveBlob } from "./dom.js";
import { onLangChange, rankLabel, t } from "./i18n.js";
import { circleRing, lonLatAt } from "./map.js";
import { markerIcon } from "./markers.js";

const Cesium = window.Cesium;
const FILL = Cesium.Color.fromCssColorString("#f5a623").withAlpha(0.22);
const LINE = Cesium.Color.fromCssColorString("#f5a623");
const SHAPE_HEIGHT = 20; // metres above the ellipsoid: clear of the globe surface, no ground shaders

export class Planner {
  // impact: an ImpactTool, told the footprint of every selection.
  constructor({ viewer, finder, onSelect, impact }) {
    this.viewer = viewer;
    this.finder = finder;
    this.onSelect = onSelect;
    this.impact = impact;
    this.mode = null; // "rectangle" | "polygon" | "buffer" while drawing
    this.points = []; // [lon, lat] clicked so far
    this.hover = null; // [lon, lat] under the mouse
    this.result = null; // { features, query }
    this.source = new Cesium.CustomDataSource("planner");
    viewer.dataSources.add(this.source);
    this.#bindUi();
    this.#bindMap();
    onLangChange(() => this.#renderResult());
  }

  get drawing() { return this.mode !== null; }

  // -- public entry points (also used by the drawing code) ---------------------------------------
  // ring: [[lon, lat], ...] (closed or not)
  selectPolygon(ring) {
    const coords = ring.map(([lon, lat]) => [Number(lon), Number(lat)]);
    const first = coords[0];
    const last = coords[coords.length - 1];
    if (first[0] !== last[0] || first[1] !== last[1]) coords.push([...first]);
    const polygon = { type: "Polygon", coordinates: [coords] };
    this.#drawPolygon(coords);
    this.impact.setFootprint(polygon);
    return this.#run({ intersects: polygon }, () => searchPolygon(polygon, this.finder.apiFilters()));
  }

  selectRectangle(west, south, east, north) {
    return this.selectPolygon([[west, south], [east, south], [east, north], [west, north]]);
  }

  selectBuffer(lon, lat, radius) {
    $("#buffer-center").value = `${lon.toFixed(6)}, ${lat.toFixed(6)}`;
    $("#buffer-radius").value = String(radius);
    this.#drawCircle(lon, lat, radius);
    this.impact.setFootprint({ type: "Polygon", coordinates: [circleRing(lon, lat, radius)] });
    return this.#run({ near: [lon, lat], radius_m: radius }, () => searchNear(lon, lat, radius, this.finder.apiFilters()));
  }

  selectView() {
    const r = this.viewer.camera.computeViewRectangle();
    if (!r) {
      this.#help(t("outsideGlobe"));
      return Promise.resolve([]);
    }
    const d = Cesium.Math.toDegrees;
    return this.selectRectangle(d(r.west), d(r.south), d(r.east), d(r.north));
  }

  clear() {
    this.#stopDrawing();
    this.source.entities.removeAll();
    this.result = null;
    this.impact.setFootprint(null);
    this.#renderResult();
    this.viewer.scene.requestRender();
  }

  // -- drawing ------------------------------------------------------------------------------------
  start(mode) {
    this.#stopDrawing();
    this.source.entities.removeAll();
    this.mode = mode;
    this.points = [];
    this.hover = null;
    for (const button of $$("#pane-planner [data-shape]")) {
      if (button.hasAttribute("aria-pressed")) button.setAttribute("aria-pressed", String(button.dataset.shape === mode));
    }
    $("#planner-cancel").hidden = false;
    $("#planner-finish").hidden = mode !== "polygon";
    this.#help(t(mode === "rectangle" ? "helpRectangle" : mode === "polygon" ? "helpPolygon" : "helpBuffer"));
    this.viewer.canvas.style.cursor = "crosshair";
    if (mode !== "buffer") this.#drawRubberBand();
  }

  finish() {
    if (this.mode !== "polygon") return;
    // a double click also delivered two clicks: drop repeated vertices
    const ring = this.points.filter((p, i, all) => i === 0 || p[0] !== all[i - 1][0] || p[1] !== all[i - 1][1]);
    if (ring.length < 3) {
      this.#help(t("badPolygon"));
      return;
    }
    this.#stopDrawing();
    this.selectPolygon(ring);
  }

  cancel() {
    this.#stopDrawing();
    this.source.entities.removeAll();
    this.viewer.scene.requestRender();
  }

  #stopDrawing() {
    this.mode = null;
    this.points = [];
    this.hover = null;
    for (const button of $$("#pane-planner [aria-pressed]")) button.setAttribute("aria-pressed", "false");
    $("#planner-cancel").hidden = true;
    $("#planner-finish").hidden = true;
    this.#help("");
    this.viewer.canvas.style.cursor = "";
  }

  #click(lonLat) {
    if (this.mode === "buffer") {
      const radius = this.#radius();
      if (radius === null) return;
      this.#stopDrawing();
      this.selectBuffer(lonLat[0], lonLat[1], radius);
    } else if (this.mode === "rectangle") {
      this.points.push(lonLat);
      if (this.points.length === 2) {
        const [[x1, y1], [x2, y2]] = this.points;
        this.#stopDrawing();
        this.selectRectangle(Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2));
      }
    } else if (this.mode === "polygon") {
      this.points.push(lonLat);
    }
    this.viewer.scene.requestRender();
  }

  // The shape being drawn follows the mouse (CallbackProperty: re-evaluated each frame).
  #drawRubberBand() {
    const ring = () => {
      const pts = [...this.points];
      if (this.hover) pts.push(this.hover);
      if (this.mode === "rectangle" && pts.length === 2) {
        const [[x1, y1], [x2, y2]] = pts;
        return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
      }
      return pts;
    };
    const positions = () => Cesium.Cartesian3.fromDegreesArrayHeights(ring().flatMap(([x, y]) => [x, y, SHAPE_HEIGHT]));
    this.source.entities.add({
      polyline: {
        positions: new Cesium.CallbackProperty(() => {
          const p = positions();
          return p.length > 1 ? [...p, p[0]] : p;
        }, false),
        width: 2, material: LINE, arcType: Cesium.ArcType.RHUMB,
      },
    });
  }

  #drawPolygon(coords) {
    this.source.entities.removeAll();
    const positions = Cesium.Cartesian3.fromDegreesArrayHeights(coords.flatMap(([x, y]) => [x, y, SHAPE_HEIGHT]));
    this.source.entities.add({
      polygon: { hierarchy: new Cesium.PolygonHierarchy(positions.slice(0, -1)), height: SHAPE_HEIGHT,
        material: FILL, arcType: Cesium.ArcType.RHUMB },
      polyline: { positions, width: 2, material: LINE, arcType: Cesium.ArcType.RHUMB },
    });
    this.viewer.scene.requestRender();
  }

  #drawCircle(lon, lat, radius) {
    this.source.entities.removeAll();
    const center = Cesium.Cartesian3.fromDegrees(lon, lat, SHAPE_HEIGHT);
    this.source.entities.add({
      position: center,
      ellipse: { semiMajorAxis: radius, semiMinorAxis: radius, height: SHAPE_HEIGHT, material: FILL,
        outline: true, outlineColor: LINE },
      point: { pixelSize: 8, color: LINE, outlineColor: Cesium.Color.BLACK, outlineWidth: 1,
        disableDepthTestDistance: Number.POSITIVE_INFINITY },
    });
    this.viewer.scene.requestRender();
  }

  // -- query and results --------------------------------------------------------------------------
  async #run(query, fetcher) {
    const token = (this.token = (this.token || 0) + 1);
    $("#planner-count").textContent = t("plannerSearching");
    let features;
    try {
      features = await fetcher();
    } catch (error) {
      if (token !== this.token) return [];
      this.result = null;
      this.#renderResult();
      $("#planner-count").textContent = t("plannerError", { reason: error.message });
      return [];
    }
    if (token !== this.token) return [];
    this.result = { features, query: { ...query, filters: this.finder.apiFilters() } };
    this.#renderResult();
    return features.map((f) => f.id);
  }

  #renderResult() {
    const result = this.result;
    $("#download-geojson").disabled = !result;
    $("#download-csv").disabled = !result;
    if (!result) {
      $("#planner-count").textContent = "";
      replace($("#planner-list"));
      return;
    }
    $("#planner-count").textContent = t("plannerCount", { n: result.features.length });
    replace($("#planner-list"), result.features.map((feature) => {
      const p = feature.properties;
      const distance = p.distance_m != null ? ` · ${Math.round(p.distance_m).toLocaleString()} m` : "";
      return el("li", {}, el("button", { type: "button", dataset: { site: feature.id }, onclick: () => this.onSelect(feature.id) },
        markerIcon(p.rank), el("span", {}, p.name_vi, el("span", { className: "meta" }, `${rankLabel(p.rank)}${distance}`))));
    }));
  }

  download(format) {
    if (!this.result) return;
    const stamp = fileStamp();
    let blob;
    let name;
    if (format === "csv") {
      blob = new Blob([featuresToCsv(this.result.features)], { type: "text/csv;charset=utf-8" });
      name = `di-tich-vung-chon-${stamp}.csv`;
    } else {
      // RFC 7946 FeatureCollection; the query that produced it is kept as a foreign member.
      const body = { type: "FeatureCollection", query: this.result.query, features: this.result.features };
      blob = new Blob([JSON.stringify(body, null, 1)], { type: "application/geo+json" });
      name = `di-tich-vung-chon-${stamp}.geojson`;
    }
    saveBlob(blob, name);
  }

  // -- wiring ---------------------------------------------------------------------------------------
  #help(text) {
    $("#planner-help").textContent = text;
  }

  #radius() {
    const radius = Number($("#buffer-radius").value);
    if (!(radius >= 1 && radius <= 1e6)) {
      this.#help(t("badRadius"));
      return null;
    }
    return radius;
  }

  #bindUi() {
    for (const button of $$("#pane-planner [data-shape]")) {
      button.addEventListener("click", () => {
        const shape = button.dataset.shape;
        if (shape === "view") this.selectView();
        else if (this.mode === shape) this.cancel();
        else this.start(shape);
      });
    }
    $("#buffer-apply").addEventListener("click", () => {
      const parts = $("#buffer-center").value.split(/[,;\s]+/).filter(Boolean).map(Number);
      if (parts.length !== 2 || !parts.every(Number.isFinite) || Math.abs(parts[0]) > 180 || Math.abs(parts[1]) > 90) {
        this.#help(t("badCenter"));
        return;
      }
      const radius = this.#radius();
      if (radius === null) return;
      this.#stopDrawing();
      this.selectBuffer(parts[0], parts[1], radius);
    });
    $("#planner-finish").addEventListener("click", () => this.finish());
    $("#planner-cancel").addEventListener("click", () => this.cancel());
    $("#planner-clear").addEventListener("click", () => this.clear());
    $("#download-geojson").addEventListener("click", () => this.download("geojson"));
    $("#download-csv").addEventListener("click", () => this.download("csv"));
    document.addEventListener("keydown", (event) => {
      if (!this.drawing) return;
      if (event.key === "Escape") this.cancel();
      else if (event.key === "Enter" && this.mode === "polygon" && !(event.target instanceof HTMLInputElement)) this.finish();
    });
  }

  // Called by the map's single click handler first; true when the click was a drawing click (so it
  // must not also select a relic under the cursor).
  handleClick(windowPosition) {
    if (!this.drawing) return false;
    const lonLat = lonLatAt(this.viewer, windowPosition);
    if (lonLat) this.#click(lonLat); else this.#help(t("outsideGlobe"));
    return true;
  }

  #bindMap() {
    const handler = new Cesium.ScreenSpaceEventHandler(this.viewer.scene.canvas);
    handler.setInputAction((event) => {
      if (!this.drawing || this.mode === "buffer" || !this.points.length) return;
      this.hover = lonLatAt(this.viewer, event.endPosition);
      this.viewer.scene.requestRender();
    }, Cesium.ScreenSpaceEventType.MOUSE_MOVE);
    handler.setInputAction(() => { if (this.mode === "polygon") this.finish(); },
      Cesium.ScreenSpaceEventType.LEFT_DOUBLE_CLICK);
  }
}
