// The JSON API of mapserver (same origin). Errors carry the HTTP status and the problem+json detail,
// which is safe to show (the server never puts internals in it).

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

// The response when it is 2xx, else an ApiError with the problem+json detail.
async function send(url, options = {}) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, ...options });
  if (!response.ok) {
    let detail = "";
    try { detail = (await response.json()).detail || ""; } catch { /* not JSON */ }
    throw new ApiError(response.status, detail);
  }
  return response;
}

async function request(url, options = {}) {
  return (await send(url, options)).json();
}

const PAGE = 10000; // the API's maximum page size

// Every published relic, located or not, following `next` links so a registry that outgrows one
// page still loads whole.
export async function loadSites() {
  const features = [];
  let url = `/api/sites?limit=${PAGE}`; // preloaded by index.html: keep the two URLs identical
  while (url) {
    const page = await request(url);
    features.push(...page.features);
    const next = (page.links || []).find((link) => link.rel === "next");
    url = next ? sameOriginPath(next.href) : null;
  }
  return features;
}

// Links are absolute (built from the request URL); keep only their path so a proxy's host name
// never makes us call another origin.
export function sameOriginPath(href) {
  const u = new URL(href, location.href);
  return u.pathname + u.search;
}

export const loadBoundary = () => request("/api/boundary");
export const sitePosition = (id) => request(`/api/sites/${encodeURIComponent(id)}/position`);

// The list under `key` of a relic's sub-resource; [] when the server has none (a 404: nothing
// yet, or a server without that API).
async function listOrNone(url, key) {
  try {
    const body = await request(url);
    return Array.isArray(body[key]) ? body[key] : [];
  } catch (error) {
    if (error.status === 404) return [];
    throw error;
  }
}

export const siteScans = (id) => listOrNone(`/api/sites/${encodeURIComponent(id)}/scans`, "scans");
// Photos, clips, sound, 3D models and panoramas of a relic, as the media API lists them.
export const siteMedia = (id) => listOrNone(`/api/media?record=${encodeURIComponent(`site:${id}`)}`, "items");

// Relics inside a polygon (GeoJSON Polygon, lon/lat), with the other filters. POST because a drawn
// polygon may be too long for a URL.
export async function searchPolygon(polygon, filters = {}) {
  const features = [];
  let body = { ...filters, intersects: polygon, limit: PAGE };
  while (body) {
    const page = await request("/api/sites/search", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/geo+json" },
      body: JSON.stringify(body),
    });
    features.push(...page.features);
    const next = (page.links || []).find((link) => link.rel === "next" && link.body);
    body = next ? next.body : null;
  }
  return features;
}

export async function searchNear(lon, lat, radius, filters = {}) {
  const params = new URLSearchParams({ near: `${lon},${lat}`, radius: String(radius), limit: String(PAGE) });
  for (const [key, value] of Object.entries(filters)) {
    if (value && value.length) params.set(key, Array.isArray(value) ? value.join(",") : value);
  }
  const features = [];
  let url = `/api/sites?${params}`;
  while (url) {
    const page = await request(url);
    features.push(...page.features);
    const next = (page.links || []).find((link) => link.rel === "next");
    url = next ? sameOriginPath(next.href) : null;
  }
  return features;
}

// Protection zones I/II of the published relics (OGC API Features, GeoJSON in CRS84), every page.
export async function loadZones() {
  const features = [];
  let url = `/ogc/collections/protection_zones/items?limit=${PAGE}`;
  while (url) {
    const page = await request(url, { headers: { Accept: "application/geo+json" } });
    features.push(...(page.features || []));
    const next = (page.links || []).find((link) => link.rel === "next");
    url = next ? sameOriginPath(next.href) : null;
  }
  return features;
}

// POST /api/planner/impact: relics and protection zones within buffer_m of a footprint (GeoJSON
// geometry, lon/lat). format "json" gives the parsed report; "csv", "gpkg", "html" a Blob.
// crs: an OGC CRS URI for the coordinates of the answer (null: CRS84).
export async function impactReport(footprint, bufferM, { format = "json", crs = null } = {}) {
  const params = new URLSearchParams({ f: format });
  if (crs) params.set("crs", crs);
  const response = await send(`/api/planner/impact?${params}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: format === "json" ? "application/geo+json" : "*/*" },
    body: JSON.stringify({ footprint, buffer_m: bufferM }),
  });
  return format === "json" ? response.json() : response.blob();
}
