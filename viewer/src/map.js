// The Cesium globe, fully offline: NaturalEarthII imagery shipped inside the cesium package, the
// WGS 84 ellipsoid as terrain, and none of the widgets whose defaults call Cesium ion or Bing.

const Cesium = window.Cesium;

// The former province, mainland and Côn Đảo (the boundary spans lon 106.5–107.6, lat 8.6–10.8).
export const PROVINCE_EXTENT = [106.45, 8.35, 107.75, 10.9]; // W, S, E, N with a margin

export function timings() {
  window.__timings = window.__timings || {};
  return window.__timings;
}

export function mark(name) {
  const t = timings();
  if (t[name] === undefined) t[name] = performance.now(); // ms since navigation start
}

export function createViewer(container, { lite = false } = {}) {
  // Initial view and the home button both frame the whole province, straight down.
  Cesium.Camera.DEFAULT_VIEW_RECTANGLE = Cesium.Rectangle.fromDegrees(...PROVINCE_EXTENT);
  Cesium.Camera.DEFAULT_VIEW_FACTOR = 0;

  const viewer = new Cesium.Viewer(container, {
    baseLayer: Cesium.ImageryLayer.fromProviderAsync(
      Cesium.TileMapServiceImageryProvider.fromUrl(Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII"))),
    terrainProvider: new Cesium.EllipsoidTerrainProvider(),
    baseLayerPicker: false, // its default selection is Bing/ion: it would phone home
    geocoder: false, // ion geocoding service
    animation: false, timeline: false, sceneModePicker: false, navigationHelpButton: false,
    fullscreenButton: false, infoBox: false, selectionIndicator: false, homeButton: true,
    // Render only when something changes: an idle map then costs no CPU, which matters on phones
    // and on software-rendered machines.
    requestRenderMode: true,
    maximumRenderTimeChange: Infinity,
    msaaSamples: lite ? 1 : 4, // MSAA is the most expensive part of a software-rendered frame
  });
  if (lite) {
    viewer.scene.skyAtmosphere.show = false;
    viewer.scene.globe.showGroundAtmosphere = false;
    viewer.scene.fog.enabled = false;
  }
  viewer.scene.globe.baseColor = Cesium.Color.fromCssColorString("#163a5f");
  viewer.scene.screenSpaceCameraController.minimumZoomDistance = 30; // do not dive into the ellipsoid

  // In request-render mode a layout change (sidebar toggled, phone rotated) must ask for a frame.
  new ResizeObserver(() => viewer.scene.requestRender()).observe(viewer.container);
  viewer.scene.postRender.addEventListener(function first() {
    mark("firstFrame");
    viewer.scene.postRender.removeEventListener(first);
  });
  viewer.scene.globe.tileLoadProgressEvent.addEventListener((pending) => {
    if (pending === 0 && viewer.scene.globe.tilesLoaded) mark("globeLoaded");
  });
  return viewer;
}

// Calls fn after the next frame in which the entity display is up to date (geometry built in the
// workers, billboards placed). Used for the "relics shown" timing and to know a layer is visible.
export function afterDisplayReady(viewer, fn) {
  const scene = viewer.scene;
  let frames = 0;
  const check = () => {
    // One more frame after `ready`, so that frame has actually drawn what became ready.
    if (viewer.dataSourceDisplay.ready) frames += 1;
    if (frames >= 2) {
      scene.postRender.removeEventListener(check);
      fn();
    } else {
      scene.requestRender();
    }
  };
  scene.postRender.addEventListener(check);
  scene.requestRender();
}

// Calls fn after the next rendered frame.
export function afterNextFrame(viewer, fn) {
  const once = () => {
    viewer.scene.postRender.removeEventListener(once);
    fn();
  };
  viewer.scene.postRender.addEventListener(once);
  viewer.scene.requestRender();
}

// The province outline from /api/boundary (GeoJSON (Multi)Polygon) as a PolylineCollection: drawn
// on the next frame without the geometry workers that polyline entities need, and an outline keeps
// the imagery readable. Lines sit 30 m up so they do not z-fight with the ellipsoid surface.
export function addBoundary(viewer, collection) {
  const lines = new Cesium.PolylineCollection();
  const material = Cesium.Material.fromType("PolylineOutline", {
    color: Cesium.Color.fromCssColorString("#ffd54f"),
    outlineColor: Cesium.Color.fromCssColorString("#3b2a00"),
    outlineWidth: 1,
  });
  for (const feature of collection.features || []) {
    const geometry = feature.geometry;
    if (!geometry) continue;
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates]
      : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    for (const polygon of polygons) {
      for (const ring of polygon) {
        lines.add({
          positions: Cesium.Cartesian3.fromDegreesArrayHeights(ring.flatMap(([lon, lat]) => [lon, lat, 30])),
          width: 3,
          material,
        });
      }
    }
  }
  viewer.scene.primitives.add(lines);
  viewer.scene.requestRender();
  return lines;
}

// Flies to look at a bounding sphere from `range` metres at `pitch`. cover = {right, bottom}: CSS
// pixels of the map hidden by an overlay (the relic panel); the view is shifted so the target lands
// in the middle of the part that stays visible.
export function flyToSphere(viewer, sphere, { range, pitch = -45, duration = 1.5, cover = {} } = {}) {
  const canvas = viewer.scene.canvas;
  const width = canvas.clientWidth || 1;
  const height = canvas.clientHeight || 1;
  const frustum = viewer.camera.frustum;
  // Cesium's fov is the horizontal one when the canvas is wider than tall, the vertical otherwise.
  const aspect = width / height;
  const fovX = aspect >= 1 ? frustum.fov : 2 * Math.atan(Math.tan(frustum.fov / 2) * aspect);
  const metresPerPixel = (2 * range * Math.tan(fovX / 2)) / width;
  const east = ((cover.right || 0) / 2) * metresPerPixel;
  // the ground is foreshortened by the pitch
  const south = ((cover.bottom || 0) / 2) * metresPerPixel / Math.sin(Math.abs(Cesium.Math.toRadians(pitch)));
  const enu = Cesium.Transforms.eastNorthUpToFixedFrame(sphere.center);
  const shifted = Cesium.Matrix4.multiplyByPoint(enu, new Cesium.Cartesian3(east, -south, 0), new Cesium.Cartesian3());
  return new Promise((resolve) => {
    viewer.camera.flyToBoundingSphere(new Cesium.BoundingSphere(shifted, sphere.radius), {
      offset: new Cesium.HeadingPitchRange(0, Cesium.Math.toRadians(pitch), range),
      duration,
      complete: () => resolve(true),
      cancel: () => resolve(false),
    });
  });
}

export function flyToPoint(viewer, lon, lat, { range = 2500, ...options } = {}) {
  const sphere = new Cesium.BoundingSphere(Cesium.Cartesian3.fromDegrees(lon, lat, 0), 50);
  return flyToSphere(viewer, sphere, { range, ...options });
}

// lon/lat (degrees) of a window position on the ellipsoid, or null in space.
export function lonLatAt(viewer, windowPosition) {
  const cartesian = viewer.camera.pickEllipsoid(windowPosition, viewer.scene.globe.ellipsoid);
  if (!cartesian) return null;
  const c = Cesium.Cartographic.fromCartesian(cartesian);
  return [Cesium.Math.toDegrees(c.longitude), Cesium.Math.toDegrees(c.latitude)];
}

// A closed [lon, lat] ring around a circle of `radius` metres on the ellipsoid (east-north plane
// of the centre), circumscribed so that the polygon holds the whole circle.
export function circleRing(lon, lat, radius, segments = 128) {
  const enu = Cesium.Transforms.eastNorthUpToFixedFrame(Cesium.Cartesian3.fromDegrees(lon, lat, 0));
  const ellipsoid = Cesium.Ellipsoid.WGS84;
  const r = radius / Math.cos(Math.PI / segments);
  const ring = [];
  for (let i = 0; i < segments; i++) {
    const a = (2 * Math.PI * i) / segments;
    const local = new Cesium.Cartesian3(r * Math.sin(a), r * Math.cos(a), 0);
    const point = ellipsoid.scaleToGeodeticSurface(Cesium.Matrix4.multiplyByPoint(enu, local, new Cesium.Cartesian3()));
    const c = Cesium.Cartographic.fromCartesian(point, ellipsoid);
    ring.push([Cesium.Math.toDegrees(c.longitude), Cesium.Math.toDegrees(c.latitude)]);
  }
  ring.push([...ring[0]]);
  return ring;
}
