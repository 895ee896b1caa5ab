// The relic layer: one billboard + Vietnamese label per located relic, styled by rank, clustered when
// markers would overlap (EntityCluster), labels only when close enough to read.

import { clusterImage, markerImage } from "./markers.js";

const Cesium = window.Cesium;
const LABEL_RANGE_M = 60000; // names appear below ~60 km camera distance; clusters declutter above
const MARKER_RANGE_M = 6e6; // from farther out the province is a dot: hide rather than overdraw the globe
// Markers are clamped to the ground (the terrain, or the ellipsoid without one). A symbol standing on
// the ground would have its lower half cut by that ground (and by the coarser tiles seen from afar),
// so it is never depth-tested: a relic's marker stays readable even behind a hill, like a map pin.
const NO_DEPTH_TEST = Number.POSITIVE_INFINITY;

export class RelicLayer {
  constructor(viewer) {
    this.viewer = viewer;
    this.source = new Cesium.CustomDataSource("relics");
    this.selectedId = null;
    const clustering = this.source.clustering;
    clustering.enabled = true;
    clustering.pixelRange = 34;
    clustering.minimumClusterSize = 2;
    clustering.clusterEvent.addEventListener((entities, cluster) => this.#styleCluster(entities, cluster));
    viewer.dataSources.add(this.source);
  }

  // features: GeoJSON Features with a Point geometry (the located relics).
  setSites(features) {
    const entities = this.source.entities;
    entities.suspendEvents(); // one change event for the whole batch
    entities.removeAll();
    for (const feature of features) {
      const geometry = feature.geometry;
      if (!geometry || geometry.type !== "Point") continue;
      const [lon, lat] = geometry.coordinates;
      const props = feature.properties;
      const image = markerImage(props.rank);
      entities.add({
        id: feature.id,
        name: props.name_vi,
        position: Cesium.Cartesian3.fromDegrees(lon, lat, 0),
        billboard: {
          image: image.url,
          width: image.size,
          height: image.size,
          verticalOrigin: Cesium.VerticalOrigin.CENTER,
          heightReference: Cesium.HeightReference.CLAMP_TO_GROUND, // on the terrain when there is one
          disableDepthTestDistance: NO_DEPTH_TEST,
          distanceDisplayCondition: new Cesium.DistanceDisplayCondition(0, MARKER_RANGE_M),
        },
        label: {
          text: props.name_vi, // drawn by Cesium onto a canvas: never parsed as HTML
          font: "600 13px sans-serif",
          fillColor: Cesium.Color.WHITE,
          outlineColor: Cesium.Color.fromCssColorString("#10202f"),
          outlineWidth: 3,
          style: Cesium.LabelStyle.FILL_AND_OUTLINE,
          verticalOrigin: Cesium.VerticalOrigin.TOP,
          pixelOffset: new Cesium.Cartesian2(0, image.size / 2 + 3),
          distanceDisplayCondition: new Cesium.DistanceDisplayCondition(0, LABEL_RANGE_M),
          heightReference: Cesium.HeightReference.CLAMP_TO_GROUND,
          disableDepthTestDistance: NO_DEPTH_TEST,
        },
      });
    }
    entities.resumeEvents();
    this.viewer.scene.requestRender();
  }

  count() {
    return this.source.entities.values.length;
  }

  countShown() {
    return this.source.entities.values.filter((entity) => entity.show).length;
  }

  shownIds() {
    return this.source.entities.values.filter((entity) => entity.show).map((entity) => entity.id);
  }

  has(id) {
    return this.source.entities.getById(id) !== undefined;
  }

  // visible(id) → boolean; hidden markers leave the clusters too.
  applyFilter(visible) {
    for (const entity of this.source.entities.values) {
      const show = visible(entity.id);
      if (entity.show !== show) entity.show = show;
    }
    this.viewer.scene.requestRender();
  }

  // The selected relic is drawn larger and always labelled.
  select(id) {
    const previous = this.selectedId && this.source.entities.getById(this.selectedId);
    if (previous) {
      previous.billboard.scale = 1;
      previous.label.distanceDisplayCondition = new Cesium.DistanceDisplayCondition(0, LABEL_RANGE_M);
    }
    this.selectedId = id;
    const entity = id && this.source.entities.getById(id);
    if (entity) {
      entity.billboard.scale = 1.5;
      entity.label.distanceDisplayCondition = undefined;
    }
    this.viewer.scene.requestRender();
  }

  // While a relic's 3D scan is on screen its marker and label would sit inside the model: hide them
  // (id null shows all again). entity.show stays as the filters set it.
  hideMarker(id) {
    for (const entity of this.source.entities.values) {
      const show = entity.id !== id;
      if (entity.billboard.show?.getValue() !== show) {
        entity.billboard.show = show;
        entity.label.show = show;
      }
    }
    this.viewer.scene.requestRender();
  }

  // What a scene.pick() result means for us: one relic, a cluster of relics, or nothing.
  resolvePick(picked) {
    if (!picked) return null;
    const id = picked.id;
    if (Array.isArray(id)) {
      const ids = id.filter((e) => e instanceof Cesium.Entity && this.source.entities.getById(e.id) === e)
        .map((e) => e.id);
      return ids.length ? { cluster: ids } : null;
    }
    if (id instanceof Cesium.Entity && this.source.entities.getById(id.id) === id) return { id: id.id };
    return null;
  }

  // Fly so that the relics of a cluster spread out (they then un-cluster).
  zoomToIds(ids) {
    const points = ids.map((id) => this.source.entities.getById(id))
      .filter(Boolean).map((entity) => entity.position.getValue(Cesium.JulianDate.now()));
    if (!points.length) return;
    const sphere = Cesium.BoundingSphere.fromPoints(points);
    sphere.radius = Math.max(sphere.radius, 300);
    this.viewer.camera.flyToBoundingSphere(sphere, {
      offset: new Cesium.HeadingPitchRange(0, Cesium.Math.toRadians(-60), sphere.radius * 4),
      duration: 1.2,
    });
  }

  #styleCluster(entities, cluster) {
    const image = clusterImage(entities.length);
    cluster.label.show = false;
    cluster.point.show = false;
    cluster.billboard.show = true;
    // picking the cluster billboard yields the clustered entities (the label's id is that array)
    cluster.billboard.id = cluster.label.id;
    cluster.billboard.image = image.url;
    cluster.billboard.width = image.size;
    cluster.billboard.height = image.size;
    cluster.billboard.verticalOrigin = Cesium.VerticalOrigin.CENTER;
    cluster.billboard.disableDepthTestDistance = NO_DEPTH_TEST;
    cluster.billboard.distanceDisplayCondition = new Cesium.DistanceDisplayCondition(0, MARKER_RANGE_M);
  }
}
