// The ground of the map: the office's terrain (Cesium quantized-mesh tiles built from its DEMs, listed
// by GET /api/terrain) when there is one, the WGS 84 ellipsoid otherwise, as before. Orthophotos and
// the basemap are in basemap.js. Heights are WGS 84 ellipsoidal everywhere (the server converted the
// DEMs' normal heights with EGM96), so surveyed scans and the terrain meet.

import { addBasemap, addOrthophotos } from "./basemap.js";
import { loadUnlocated } from "./districts.js";
import { mark } from "./map.js";

const Cesium = window.Cesium;

// { terrain, imagery, basemap } as the server lists them.
export async function loadTerrainLayers() {
  const response = await fetch("/api/terrain", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`/api/terrain: HTTP ${response.status}`);
  return response.json();
}

// Puts the terrain under the globe; resolves to its provider, or null when there is none (the
// ellipsoid stays). A failure leaves the ellipsoid too: the map works without relief.
export async function applyTerrain(viewer, terrain) {
  if (!terrain || !terrain.url) return null;
  // Cesium wants the folder and asks for its layer.json itself (the attribution comes from there).
  const folder = terrain.url.replace(/layer\.json$/, "");
  const provider = await Cesium.CesiumTerrainProvider.fromUrl(folder, {
    requestVertexNormals: true, // lighting of the relief
    requestWaterMask: true, // sea and lakes from the GSHHG shorelines, where the server knew them
  });
  viewer.terrainProvider = provider;
  viewer.scene.requestRender();
  mark("terrainReady");
  return provider;
}

// The ground's ellipsoidal height (metres) at lon/lat from the most detailed terrain tile there.
export async function groundHeight(viewer, lon, lat) {
  const [point] = await Cesium.sampleTerrainMostDetailed(viewer.terrainProvider, [
    Cesium.Cartographic.fromDegrees(lon, lat),
  ]);
  return point.height;
}

export function hasTerrain(viewer) {
  return !(viewer.terrainProvider instanceof Cesium.EllipsoidTerrainProvider);
}

// Everything of the ground that the server has: basemap and orthophotos (at once: they are only
// tiles), the terrain, then the district badges. Decoration: a failure is logged, the map goes on.
export async function showGround(viewer, districts) {
  try {
    const layers = await loadTerrainLayers();
    window.heritage.ground = layers;
    window.heritage.basemapLayer = addBasemap(viewer, layers.basemap);
    window.heritage.orthophotos = addOrthophotos(viewer, layers.imagery);
    await applyTerrain(viewer, layers.terrain);
  } catch (error) {
    console.warn("terrain and imagery layers unavailable", error);
    mark("terrainFailed");
  }
  if (districts) {
    try {
      districts.setDistricts((await loadUnlocated()).districts);
      mark("districtsShown");
    } catch (error) {
      console.warn("relics not yet surveyed: badges unavailable", error);
    }
  }
  mark("groundReady");
}
