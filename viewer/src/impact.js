// Impact report of the planner's selection: POST /api/planner/impact with the selected footprint
// (GeoJSON, lon/lat) and a buffer in metres lists every published relic and protection zone the
// footprint intersects or comes within the buffer of, with geodesic distances. The same query is
// offered as CSV, GeoPackage and a printable HTML page, in CRS84 or VN-2000 / TM-3 107-45
// (EPSG:5899, the impact API's `crs=`), fetched and saved as Blobs (no server-side file links).

import { impactReport } from "./api.js";
import { $, el, fileStamp, replace, saveBlob } from "./dom.js";
import { formatNumber, onLangChange, t } from "./i18n.js";
import { markerIcon } from "./markers.js";

export const VN2000_CRS = "http://www.opengis.net/def/crs/EPSG/0/5899";
const MAX_BUFFER_M = 50000; // the API's limit
const EXTENSIONS = { csv: "csv", gpkg: "gpkg", html: "html" };

export class ImpactTool {
  // onSelect(siteId, zoneId or null): open a listed relic (and its zone) in the panel.
  constructor({ onSelect }) {
    this.onSelect = onSelect;
    this.footprint = null; // GeoJSON geometry of the current selection
    this.report = null; // { query: { footprint, buffer_m }, body } of the last report shown
    this.error = "";
    this.token = 0;
    $("#impact-run").addEventListener("click", () => this.run());
    $("#impact-buffer").addEventListener("keydown", (event) => { if (event.key === "Enter") this.run(); });
    $("#impact-csv").addEventListener("click", () => this.download("csv"));
    $("#impact-gpkg").addEventListener("click", () => this.download("gpkg"));
    $("#impact-html").addEventListener("click", () => this.openHtml());
    onLangChange(() => this.#render());
    this.#render();
  }

  // A new selection (or none): the previous report no longer applies.
  setFootprint(geometry) {
    this.footprint = geometry;
    this.report = null;
    this.error = "";
    this.token += 1;
    this.#render();
  }

  #buffer() {
    const value = $("#impact-buffer").value.trim();
    const metres = value === "" ? 0 : Number(value);
    return metres >= 0 && metres <= MAX_BUFFER_M ? metres : null;
  }

  // Runs the report for the current footprint and buffer; resolves to the ids listed
  // ("relic:<site id>", "protection_zone:<zone id>"), [] when there is nothing to assess.
  async run() {
    if (!this.footprint) return [];
    const buffer = this.#buffer();
    if (buffer === null) {
      this.#status(t("impactBadBuffer"));
      return [];
    }
    const token = ++this.token;
    const query = { footprint: this.footprint, buffer_m: buffer };
    this.report = null;
    this.error = "";
    this.#render();
    this.#status(t("impactRunning"));
    try {
      const body = await impactReport(query.footprint, query.buffer_m);
      if (token !== this.token) return [];
      this.report = { query, body };
    } catch (error) {
      if (token !== this.token) return [];
      this.error = t("impactError", { reason: error.message });
    }
    this.#render();
    return this.report ? this.report.body.features.map((f) => f.id) : [];
  }

  #crs() {
    return $("#impact-vn2000").checked ? VN2000_CRS : null;
  }

  #name(format) {
    return `danh-gia-tac-dong-${fileStamp()}${this.#crs() ? "-vn2000" : ""}.${EXTENSIONS[format]}`;
  }

  // CSV (UTF-8 with BOM, for Excel) or GeoPackage of the report on screen.
  async download(format) {
    if (!this.report) return;
    const { footprint, buffer_m: buffer } = this.report.query;
    const name = this.#name(format);
    try {
      saveBlob(await impactReport(footprint, buffer, { format, crs: this.#crs() }), name);
    } catch (error) {
      this.#status(t("impactError", { reason: error.message }));
    }
  }

  // The printable report in a new tab. The tab is opened within the click (so no popup blocker
  // stops it) and shown the report once it has arrived; without a tab the page is saved instead.
  async openHtml() {
    if (!this.report) return;
    const tab = window.open("", "_blank");
    if (tab) {
      tab.document.title = t("impactTitle");
      tab.document.body.textContent = t("impactRunning");
    }
    const { footprint, buffer_m: buffer } = this.report.query;
    let blob;
    try {
      blob = await impactReport(footprint, buffer, { format: "html", crs: this.#crs() });
    } catch (error) {
      if (tab) tab.close();
      this.#status(t("impactError", { reason: error.message }));
      return;
    }
    if (!tab || tab.closed) {
      saveBlob(blob, this.#name("html"));
      return;
    }
    const url = URL.createObjectURL(blob);
    tab.opener = null; // the report has no business with this page
    tab.location.replace(url);
    setTimeout(() => URL.revokeObjectURL(url), 120000);
  }

  #status(text) {
    $("#impact-status").textContent = text;
  }

  #render() {
    $("#impact").hidden = !this.footprint;
    for (const id of ["#impact-csv", "#impact-gpkg", "#impact-html"]) $(id).disabled = !this.report;
    const list = $("#impact-list");
    const unassessed = $("#impact-unassessed");
    if (!this.report) {
      this.#status(this.error);
      replace(list);
      unassessed.hidden = true;
      return;
    }
    const { summary, features } = this.report.body;
    this.#status(t("impactSummary", {
      relics: summary.relics_affected, intersected: summary.relics_intersected,
      zones: summary.zones_affected, buffer: formatNumber(summary.buffer_m, 0),
    }));
    replace(list, features.map((f) => this.#item(f)));
    const missing = summary.relics_not_assessed || [];
    unassessed.hidden = !missing.length;
    replace($("summary", unassessed), t("impactNotAssessed", { n: missing.length }));
    replace($("ul", unassessed), missing.map((r) => el("li", {}, r.name_vi)));
  }

  #item(feature) {
    const p = feature.properties;
    const zone = p.kind === "protection_zone";
    const distance = p.intersects ? t("impactIntersects") : `${formatNumber(p.distance_m, p.distance_m < 10 ? 1 : 0)} m`;
    const what = zone ? t("zoneName", { zone: p.zone }) : t("impactRelic");
    const symbol = zone ? el("span", { className: `swatch zone-${p.zone}`, "aria-hidden": "true" }) : markerIcon(p.rank);
    return el("li", {}, el("button", {
      type: "button",
      className: p.intersects ? "hit" : null,
      dataset: { impact: feature.id, site: p.site_id, distance: p.distance_m },
      onclick: () => this.onSelect(p.site_id, zone ? p.object_id : null),
    }, symbol, el("span", {}, p.name_vi, el("span", { className: "meta" }, `${what} · ${distance}`))));
  }
}
