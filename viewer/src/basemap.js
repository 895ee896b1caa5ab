// Imagery above NaturalEarthII: the offline basemap made at set-up (GSHHG shorelines, the province's
// land border, district seats; crisp down to street scale over the province) and the office's
// orthophotos on top of it, finer ones last. All are geographic TMS tiles from the same server,
// listed by GET /api/terrain; NaturalEarthII stays for the rest of the globe.

const Cesium = window.Cesium;

// A credit from plain text: Cesium parses a credit string as HTML, and a layer's label is data.
export function textCredit(text) {
  const escaped = String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return new Cesium.Credit(escaped, true);
}

function provider(layer, { alpha }) {
  const [w, s, e, n] = layer.rectangle;
  return new Cesium.UrlTemplateImageryProvider({
    url: layer.url_template,
    tilingScheme: new Cesium.GeographicTilingScheme(),
    rectangle: Cesium.Rectangle.fromDegrees(w, s, e, n),
    minimumLevel: layer.min_level || 0,
    maximumLevel: layer.max_level,
    tileWidth: 256,
    tileHeight: 256,
    hasAlphaChannel: alpha,
    credit: layer.attribution ? textCredit(layer.attribution) : undefined,
  });
}

// The basemap as the layer right above NaturalEarthII; null when set-up has not made one.
export function addBasemap(viewer, basemap) {
  if (!basemap || !basemap.rectangle) return null;
  const layer = viewer.imageryLayers.addImageryProvider(provider(basemap, { alpha: false }), 1);
  viewer.scene.requestRender();
  return layer;
}

// Orthophotos above everything else, coarse first (the server lists them so).
export function addOrthophotos(viewer, list) {
  const layers = (list || []).filter((o) => o.rectangle).map((o) => viewer.imageryLayers.addImageryProvider(provider(o, { alpha: true })));
  viewer.scene.requestRender();
  return layers;
}
