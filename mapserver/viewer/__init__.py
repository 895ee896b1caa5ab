"""Serving the CesiumJS viewer: the map page, Cesium's build and the viewer's own modules under
versioned, immutable URLs. The viewer's code itself lives in viewer/ at the top of the project."""
