// Entry point: builds the page from the modules and wires them together.
//   map.js      offline Cesium viewer, province boundary, timings (window.__timings)
//   relics.js   relic markers by rank, clustering, picking
//   search.js   search box, filters, result lists (incl. relics whose position is not surveyed)
//   panel.js    relic record panel
//   scans.js    3D Tiles of a relic's scans
//   planner.js  area selection, downloads
//   impact.js   impact report of the selection (relics and protection zones, distances, files)
//   zones.js    protection zones I/II
//   i18n.js     Vietnamese / English
// Public hooks for tests and embedding: window.heritageViewer (the Cesium Viewer) and window.heritage.

import { loadBoundary, loadSites, loadZones, siteMedia, siteScans, sitePosition } from "./api.js";
import { $, $$, el, replace } from "./dom.js";
import { ImpactTool } from "./impact.js";
import { Guide } from "./guide.js";
import { applyStatic, lang, onLangChange, rankLabel, RANK_ORDER, setLang, t } from "./i18n.js";
import { addBoundary, afterDisplayReady, afterNextFrame, createViewer, flyToPoint, mark } from "./map.js";
import { clusterImage, markerIcon } from "./markers.js";
import { Panel } from "./panel.js";
import { Planner } from "./planner.js";
import { RelicLayer } from "./relics.js";
import { ScanLayer } from "./scans.js";
import { showGround } from "./terrain.js";
import { DistrictBadges } from "./districts.js";
import { Finder } from "./search.js";
import { ZoneLayer } from "./zones.js";

const Cesium = window.Cesium;
const config = JSON.parse(document.getElementById("heritage-config").textContent);
const params = new URLSearchParams(location.search);
const NARROW = window.matchMedia("(max-width: 760px)");

function status(text, { error = false } = {}) {
  const box = $("#map-status");
  box.textContent = text || "";
  box.classList.toggle("error", error);
  box.hidden = !text;
}

function setupChrome() {
  const langButton = $("#lang-toggle");
  const showLang = () => {
    // the button names the other language, in that language
    langButton.textContent = lang() === "vi" ? "English" : "Tiếng Việt";
    langButton.lang = lang() === "vi" ? "en" : "vi";
  };
  langButton.addEventListener("click", () => setLang(lang() === "vi" ? "en" : "vi"));
  onLangChange(showLang);
  showLang();

  const layout = $(".layout");
  const toggle = $("#sidebar-toggle");
  const setSidebar = (open) => {
    layout.classList.toggle("sidebar-collapsed", !open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => setSidebar(layout.classList.contains("sidebar-collapsed")));
  setSidebar(!NARROW.matches); // phones start with the globe, the list one tap away
  if (NARROW.matches) $("#legend").open = false; // and with the legend folded

  const tabs = $$("[role=tab]");
  const activate = (tab, focus) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
  };
  for (const [i, tab] of tabs.entries()) {
    tab.addEventListener("click", () => activate(tab, false));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) activate(tabs[(i + step + tabs.length) % tabs.length], true);
    });
  }
  return { setSidebar, showTab: (id) => activate(document.getElementById(id), false) };
}

function renderLegend() {
  replace($("#legend-items"),
    RANK_ORDER.map((rank) => el("div", {}, markerIcon(rank), rankLabel(rank))),
    el("div", {}, el("img", { src: clusterImage(3).url, alt: "", width: 18, height: 18 }),
      lang() === "vi" ? "Nhóm di tích (nhấp để phóng to)" : "Group of relics (click to zoom)"));
}

async function main() {
  window.__timings = window.__timings || {};
  window.heritage = { config };
  applyStatic();
  const chrome = setupChrome();
  renderLegend();
  onLangChange(renderLegend);

  let viewer = null;
  try {
    viewer = createViewer("cesium", { lite: params.has("lite") });
    window.heritageViewer = viewer;
  } catch (error) {
    // No WebGL: the lists, search and relic panel still work without the globe.
    console.warn("3D map unavailable", error);
    status(t("webglError"), { error: true });
  }

  const layer = viewer ? new RelicLayer(viewer) : null;
  const scanLayer = viewer ? new ScanLayer(viewer) : null;
  const zoneLayer = viewer ? new ZoneLayer(viewer) : null;
  // Terrain, orthophotos, the basemap and the badges of relics not yet surveyed (terrain.js): they load
  // on their own, never holding up the relics.
  const districts = viewer && config.terrainApi
    ? new DistrictBadges(viewer, { onSelect: (id) => select(id, { focus: true }) }) : null;
  if (districts) showGround(viewer, districts);
  // Protection zones load beside the relics and never hold them up; zero zones is a normal state.
  if (zoneLayer) {
    loadZones().then((zones) => {
      zoneLayer.setZones(zones);
      afterDisplayReady(viewer, () => mark("zonesShown"));
    }).catch((error) => {
      console.warn("protection zones unavailable", error);
      mark("zonesFailed");
    });
  }

  // The boundary is decoration: it loads on its own and never holds up the relics.
  if (viewer) {
    loadBoundary().then((collection) => {
      window.heritage.boundary = addBoundary(viewer, collection);
      const attribution = collection.attribution || collection.features?.[0]?.properties?.attribution;
      const credit = () => {
        $("#attribution").textContent = `${lang() === "vi" ? "Ranh giới tỉnh" : "Province boundary"}: ${attribution}`;
      };
      if (attribution) {
        credit();
        onLangChange(credit);
      }
      afterNextFrame(viewer, () => mark("boundaryShown"));
    }).catch((error) => console.warn("province boundary unavailable", error));
  }

  let features;
  try {
    features = await loadSites();
  } catch (error) {
    console.error("relics could not be loaded", error);
    status(t("dataError"), { error: true });
    return;
  }
  mark("dataLoaded");
  const sites = new Map(features.map((f) => [f.id, f]));

  let finder;
  const applyFilters = () => layer && layer.applyFilter((id) => finder.matches(sites.get(id)));

  // The virtual guide: question box in the sidebar, narration in the relic panel.
  const guide = new Guide({ onCite: (c) => c.type === "site" && select(c.id, { focus: true }) });

  const panel = new Panel({
    onClose: () => deselect(),
    onFly: (feature, scans) => {
      if (scans.length) showScan(scans[0]);
      else flyTo(feature);
    },
    onShowScan: (scan) => showScan(scan),
  });

  async function showScan(scan) {
    if (!scanLayer) return;
    panel.setScanStatus(t("tilesetLoading"));
    const relicId = panel.feature && panel.feature.id;
    try {
      await scanLayer.show(scan.tileset_url, { cover: panelCover(), sample: scan.sample });
      if (layer && relicId) layer.hideMarker(relicId);
      panel.setScanStatus(t("tilesetLoaded", { label: scan.label || scan.id }));
    } catch (error) {
      console.warn("tileset failed", error);
      panel.setScanStatus(t("tilesetError"));
    }
  }

  // How much of the map the open panel hides (side card on wide screens, bottom sheet on phones).
  function panelCover() {
    if (!panel.open) return {};
    const map = $("#map").getBoundingClientRect();
    const box = $("#panel").getBoundingClientRect();
    return NARROW.matches ? { bottom: Math.max(0, map.bottom - box.top) } : { right: Math.max(0, map.right - box.left) };
  }

  const flyTo = (feature) => viewer && flyToPoint(viewer, ...feature.geometry.coordinates, { cover: panelCover() });

  // zone: the protection zone (GeoJSON Feature) the relic is opened from, shown in the panel.
  function select(id, { fly = true, focus = false, zone = null } = {}) {
    const feature = sites.get(id);
    if (!feature) return false;
    if (layer && layer.selectedId !== id) {
      // another relic: the previous relic's scan and hidden marker go away
      if (scanLayer) scanLayer.hideAll();
      layer.hideMarker(null);
    }
    if (layer) layer.select(feature.geometry ? id : null);
    if (zoneLayer) zoneLayer.select(zone ? zone.id : null);
    guide.showRecord("site", id);
    panel.show(feature, {
      zone,
      position: feature.geometry && config.positionApi ? sitePosition(id) : null,
      scans: config.scansApi ? siteScans(id) : null, // asked only once the server has the endpoint
      media: config.mediaApi ? siteMedia(id) : null,
      focus,
    });
    if (decodeURIComponent(location.hash) !== `#site=${id}`) {
      history.replaceState(null, "", `${location.pathname}${location.search}#site=${encodeURIComponent(id)}`);
    }
    if (NARROW.matches) chrome.setSidebar(false); // on a phone the panel needs the screen
    if (fly && feature.geometry) flyTo(feature);
    return true;
  }

  // A protection zone: its relic, with the zone, in the panel.
  function selectZone(zoneId, options = {}) {
    const zone = zoneLayer && zoneLayer.get(zoneId);
    return zone ? select(zone.properties.site_id, { ...options, zone }) : false;
  }

  function deselect() {
    panel.hide();
    if (layer) layer.select(null);
    if (zoneLayer) zoneLayer.select(null);
    if (location.hash) history.replaceState(null, "", `${location.pathname}${location.search}`);
  }

  finder = new Finder({
    sites,
    onSelect: (id) => select(id, { focus: true }),
    onChange: applyFilters,
  });

  if (viewer) {
    layer.setSites(features.filter((f) => f.geometry));
    afterDisplayReady(viewer, () => mark("relicsShown"));
    // Our own click handling: Cesium's default one selects entities for its infoBox and a double
    // click would start tracking an entity.
    const defaults = viewer.cesiumWidget.screenSpaceEventHandler;
    defaults.removeInputAction(Cesium.ScreenSpaceEventType.LEFT_CLICK);
    defaults.removeInputAction(Cesium.ScreenSpaceEventType.LEFT_DOUBLE_CLICK);
  }
  const impact = viewer ? new ImpactTool({
    onSelect: (id, zoneId) => (zoneId != null && selectZone(zoneId, { focus: true })) || select(id, { focus: true }),
  }) : null;
  const planner = viewer ? new Planner({ viewer, finder, impact, onSelect: (id) => select(id, { focus: true }) }) : null;
  if (viewer) {
    const handler = new Cesium.ScreenSpaceEventHandler(viewer.scene.canvas);
    handler.setInputAction((event) => {
      if (planner.handleClick(event.position)) return;
      const picked = viewer.scene.pick(event.position);
      const district = districts && districts.resolvePick(picked);
      if (district) {
        districts.showList(district);
        return;
      }
      const hit = layer.resolvePick(picked);
      const zone = hit ? null : zoneLayer.resolvePick(picked);
      if (zone) selectZone(zone.id, { fly: false });
      else if (hit && hit.id) select(hit.id, { fly: false });
      else if (hit) layer.zoomToIds(hit.cluster);
    }, Cesium.ScreenSpaceEventType.LEFT_CLICK);
  }

  // Deep links: /#site=<id> opens that relic; editing the hash by hand works too.
  const fromHash = () => {
    const id = new URLSearchParams(location.hash.slice(1)).get("site");
    if (id && sites.has(id)) select(id);
    else if (id) status(lang() === "vi" ? "Không tìm thấy di tích trong liên kết." : "The linked relic was not found.");
  };
  window.addEventListener("hashchange", fromHash);
  fromHash();

  Object.assign(window.heritage, {
    viewer,
    sites,
    relics: layer,
    finder,
    panel,
    guide,
    planner,
    impact,
    zones: zoneLayer,
    districts,
    select: (id) => select(id),
    selectZone: (zoneId) => selectZone(zoneId),
    close: deselect,
    // Loads a 3D Tiles tileset through the same code path as the panel's scan buttons and frames it.
    showTileset: (url) => (scanLayer ? scanLayer.show(url, { cover: panelCover() }) : Promise.reject(new Error("no 3D map"))),
  });
  mark("ready");
}

main().catch((error) => {
  console.error("viewer start-up failed", error);
  status(t("dataError"), { error: true });
});
