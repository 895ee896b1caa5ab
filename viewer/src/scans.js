// 3D scans of a relic: 3D Tiles 1.1 tilesets (meshes, point clouds or Gaussian splats; CesiumJS
// decodes their Draco, meshopt and SPZ compression itself) produced by tiling/ and listed
// by GET /api/sites/{id}/scans. showTileset() is the one code path that loads and frames them; the
// panel's buttons call it, and so does window.heritage.showTileset(url) (public, used by the tests).

import { flyToSphere, mark } from "./map.js";
import { groundHeight, hasTerrain } from "./terrain.js";

const Cesium = window.Cesium;

export class ScanLayer {
  constructor(viewer) {
    this.viewer = viewer;
    this.tilesets = new Map(); // url → Cesium3DTileset (loaded once, then shown/hidden)
    this.currentUrl = null;
  }

  // Loads the tileset at url (absolute or same-origin path), shows it alone, flies to it (cover: see
  // flyToSphere). Resolves to the tileset; rejects if it cannot be loaded.
  // sample: a generated sample model (scans/demo.py puts its base on the ellipsoid, h = 0); with terrain
  // it is lifted onto the ground there. Real scans keep their surveyed heights.
  async show(url, { cover = {}, sample = false } = {}) {
    let tileset = this.tilesets.get(url);
    if (!tileset) {
      try {
        tileset = await Cesium.Cesium3DTileset.fromUrl(url, {
          maximumScreenSpaceError: 16,
          // Scans are small and close to the camera; skipping levels saves requests on phones.
          skipLevelOfDetail: true,
        });
      } catch (error) {
        window.__tilesetError = String(error && error.message ? error.message : error);
        throw error;
      }
      tileset.tileFailed.addEventListener((event) => {
        window.__tileFailed = String(event.message || event);
        console.warn("3D tile failed", event.url, event.message);
      });
      tileset.tileLoad.addEventListener(() => mark("tileLoad"));
      // allTilesLoaded also fires while nothing is in view yet; count it once content is drawn.
      tileset.allTilesLoaded.addEventListener(() => {
        if (tileset.statistics.numberOfTilesWithContentReady > 0) mark("allTilesLoaded");
      });
      this.viewer.scene.primitives.add(tileset);
      this.tilesets.set(url, tileset);
      if (sample && hasTerrain(this.viewer)) await this.#onGround(tileset);
      mark("tilesetLoaded");
    }
    for (const [other, t] of this.tilesets) t.show = other === url;
    this.currentUrl = url;
    const sphere = tileset.boundingSphere;
    await flyToSphere(this.viewer, sphere, { range: Math.max(sphere.radius * 3, 30), pitch: -30, cover });
    this.viewer.scene.requestRender();
    return tileset;
  }

  async #onGround(tileset) {
    const centre = tileset.boundingSphere.center;
    const where = Cesium.Cartographic.fromCartesian(centre);
    const ground = await groundHeight(this.viewer, Cesium.Math.toDegrees(where.longitude), Cesium.Math.toDegrees(where.latitude));
    const up = Cesium.Ellipsoid.WGS84.geodeticSurfaceNormal(centre, new Cesium.Cartesian3());
    tileset.modelMatrix = Cesium.Matrix4.fromTranslation(Cesium.Cartesian3.multiplyByScalar(up, ground, up));
    tileset.heritageLift = ground; // for tests and the curious
  }

  hideAll() {
    for (const tileset of this.tilesets.values()) tileset.show = false;
    this.currentUrl = null;
    this.viewer.scene.requestRender();
  }
}
