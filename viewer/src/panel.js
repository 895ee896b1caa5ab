// The relic panel: record, ranking decision, position (WGS 84 and VN-2000 / TM-3 from the server),
// a link to the relic's own page, a thumbnail and link to its media, and its 3D scans. Data goes in
// as text only.

import { sameOriginPath } from "./api.js";
import { $, el, replace } from "./dom.js";
import { categoryLabel, formatDate, formatNumber, lang, onLangChange, rankLabel, statusLabel, t } from "./i18n.js";
import { markerIcon } from "./markers.js";

export class Panel {
  // onClose(); onFly(feature, scans); onShowScan(scan)
  constructor({ onClose, onFly, onShowScan }) {
    this.root = $("#panel");
    this.onClose = onClose;
    this.onFly = onFly;
    this.onShowScan = onShowScan;
    this.feature = null;
    this.position = undefined; // undefined: loading; null: unavailable
    this.scans = undefined; // undefined: loading; null: failed; [] none
    this.media = []; // published media items of the relic (photos, clips, models…); [] none or failed
    // below the actions: the record page's media, as a thumbnail and a link (filled by #renderMedia)
    this.mediaBox = el("div", { id: "panel-media", className: "panel-media", hidden: true });
    $(".panel-actions", this.root).after(this.mediaBox);
    this.token = 0;
    $("#panel-close").addEventListener("click", () => this.onClose());
    this.root.addEventListener("keydown", (event) => { if (event.key === "Escape") this.onClose(); });
    $("#panel-fly").addEventListener("click", () => this.feature && this.onFly(this.feature, this.doneScans()));
    onLangChange(() => this.feature && this.render());
  }

  get open() { return !this.root.hidden; }

  // position, scans, media: promises; their results are ignored if another relic was opened meanwhile.
  // zone: the protection zone (GeoJSON Feature) the relic was opened from, if any.
  show(feature, { position, scans, media = null, focus = false, zone = null }) {
    const token = ++this.token;
    this.feature = feature;
    this.zone = zone;
    this.position = feature.geometry ? undefined : null;
    this.scans = scans ? undefined : [];
    this.media = [];
    this.render();
    this.root.hidden = false;
    if (focus) {
      // keyboard users land in the panel, and go back where they were when it closes
      if (!this.root.contains(document.activeElement)) this.returnFocus = document.activeElement;
      this.root.focus();
    }
    if (position) {
      position.then((value) => value, () => null).then((value) => {
        if (token !== this.token) return;
        this.position = value;
        this.render();
      });
    }
    if (scans) {
      scans.then((value) => value, () => null).then((value) => {
        if (token !== this.token) return;
        this.scans = value;
        this.render();
      });
    }
    if (media) {
      // media are extra: a failed list leaves the panel as it was, with no thumbnail
      media.then((items) => {
        if (token !== this.token) return;
        this.media = items;
        this.#renderMedia();
      }, () => {});
    }
  }

  hide() {
    this.token += 1;
    this.feature = null;
    this.zone = null;
    const hadFocus = this.root.contains(document.activeElement);
    this.root.hidden = true;
    if (hadFocus && this.returnFocus && this.returnFocus.isConnected) this.returnFocus.focus();
    this.returnFocus = null;
  }

  doneScans() {
    return (this.scans || []).filter((s) => s.status === "done" && s.tileset_url);
  }

  setScanStatus(text) {
    $("#panel-scan-status").textContent = text;
  }

  render() {
    const feature = this.feature;
    const p = feature.properties;
    $("#panel-title").textContent = p.name_vi;
    $("#panel-name-en").textContent = p.name_en || "";
    replace($("#panel-rank"), markerIcon(p.rank), rankLabel(p.rank));

    const fields = [
      ...(this.zone ? [[t("fZone"), el("span", { dataset: { field: "zone" } }, zoneText(this.zone.properties))]] : []),
      [t("fDecision"), decisionText(p)],
      [t("fCategory"), p.category ? categoryLabel(p.category) : t("dash")],
      [t("fDistrict"), districtText(p.districts)],
      [t("fAddress"), p.address_vi || t("dash")],
    ];
    if (feature.geometry) {
      const [lon, lat] = feature.geometry.coordinates;
      fields.push([`${t("fPosition")} (WGS 84)`,
        // Coordinates keep the decimal point in both languages: they get copied into GIS tools,
        // and a decimal comma would collide with the comma between the two numbers.
        el("span", { dataset: { field: "wgs84" } },
          `${lon.toFixed(6)}, ${lat.toFixed(6)}`, el("span", { className: "meta" }, ` (${t("lonLat")})`))]);
      fields.push([`${t("fVn2000")} (EPSG:5899)`, el("span", { dataset: { field: "vn2000" } }, this.#vn2000Text())]);
      const source = [statusLabel(p.location_status), p.location_source].filter(Boolean).join(" · ");
      fields.push([t("fSource"), source || t("dash")]);
      fields.push([t("fAccuracy"), p.location_accuracy_m == null ? t("dash")
        : t("accuracy", { m: formatNumber(p.location_accuracy_m, p.location_accuracy_m % 1 ? 1 : 0) })]);
    } else {
      // Never a guessed point: say plainly that the position is unknown, in both languages.
      fields.push([t("fPosition"), el("span", { className: "unsurveyed", dataset: { field: "unsurveyed" } },
        "Chưa khảo sát vị trí", el("span", { lang: "en" }, " · location not yet surveyed"))]);
    }
    replace($("#panel-fields"), fields.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]));

    const fly = $("#panel-fly");
    fly.disabled = !feature.geometry;
    const page = $("#panel-page");
    page.href = `/sites/${encodeURIComponent(feature.id)}`;
    this.#renderMedia();
    this.#renderScans();
  }

  #renderMedia() {
    const box = this.mediaBox;
    const items = this.media.filter((item) => item.state === "done" && item.version);
    box.hidden = !items.length;
    if (!items.length) {
      replace(box);
      return;
    }
    // the record page's media section (media_section.html), where the players and viewers are
    const href = `/sites/${encodeURIComponent(this.feature.id)}#media-title`;
    const pictured = items.find((item) => item.thumbnail);
    const caption = (item) => (lang() === "en" && item.caption_en) || item.caption_vi || item.caption_en || "";
    const counts = new Map();
    for (const item of items) counts.set(item.media_type, (counts.get(item.media_type) || 0) + 1);
    const summary = [...counts].map(([type, n]) => `${t(`media_${type}`)}: ${n}`).join(" · ");
    replace(box,
      pictured ? el("a", { href, className: "media-thumb", dataset: { mediaId: pictured.id } },
        // same origin only: a thumbnail URL never makes the viewer fetch from another host
        el("img", { src: sameOriginPath(pictured.thumbnail), alt: caption(pictured) || t("mediaThumb"),
          loading: "lazy", decoding: "async" })) : null,
      el("a", { href, dataset: { field: "media" } }, t("mediaLink", { n: items.length })),
      el("span", { className: "meta" }, ` (${summary})`));
  }

  #vn2000Text() {
    if (this.position === undefined) return "…";
    const v = this.position && this.position.vn2000;
    if (!v) return t("dash");
    return `E ${v.e.toFixed(3)} m, N ${v.n.toFixed(3)} m`;
  }

  #renderScans() {
    const list = $("#panel-scans");
    if (this.scans === undefined) {
      replace(list);
      this.setScanStatus(t("scansLoading"));
      return;
    }
    if (this.scans === null) {
      replace(list);
      this.setScanStatus(t("scansError"));
      return;
    }
    this.setScanStatus(this.scans.length ? "" : t("noScans"));
    replace(list, this.scans.map((scan) => {
      const ready = scan.status === "done" && scan.tileset_url;
      return el("li", {},
        el("span", {}, scan.label || scan.id, " ",
          el("span", { className: "meta" }, t(["pointcloud", "splat"].includes(scan.kind) ? scan.kind : "mesh")),
          scan.sample ? el("span", { className: "badge" }, t("sample")) : null,
          ready ? null : el("span", { className: "meta" }, ` (${t("scanProcessing")})`)),
        ready ? el("button", { type: "button", dataset: { scan: scan.id }, onclick: () => this.onShowScan(scan) },
          t("viewScan")) : null);
    }));
  }
}

function decisionText(p) {
  if (!p.decision_no) return t("dash");
  let text = t("decision", { no: p.decision_no });
  if (p.decision_date) text += t("decisionDate", { date: formatDate(p.decision_date) });
  if (p.decision_issuer) text += t("decisionIssuer", { issuer: p.decision_issuer });
  return text;
}

function zoneText(z) {
  let text = t("zoneName", { zone: z.zone });
  if (z.area_m2 != null) text += ` · ${formatNumber(z.area_m2, 0)} m²`;
  if (z.decision_no) text += ` · ${t("decision", { no: z.decision_no })}`;
  return text;
}

function districtText(districts) {
  if (!districts || !districts.length) return t("dash");
  return districts.map((d) => (d.valid_to ? `${d.name_vi} (${t("until", { date: formatDate(d.valid_to) })})` : d.name_vi))
    .join(", ");
}
