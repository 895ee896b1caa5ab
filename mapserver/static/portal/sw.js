// The portal's service worker (scope /): visited pages open offline.
// * pages (navigations) and the map's data: network first, the last copy when offline;
// * versioned files (/cesium/<version>/, /viewer/<build>/, /iiif/3/<id>/v<n>/, /media/<id>/v<n>/):
//   cache first, they never change under the same URL;
// * /static/ files: network first (their URLs carry no version).
// Staff pages, sign-in, the API's writes and anything cross-origin are never cached.
"use strict";
const PAGES = "heritage-pages-v1";
const FILES = "heritage-files-v1";
const IMMUTABLE = [/^\/cesium\/[^/]+\//, /^\/viewer\/[^/]+\//, /^\/iiif\/3\/\d+\/v\d+\//, /^\/media\/\d+\/v\d+\//];
const NEVER = [/^\/staff/, /^\/login/, /^\/logout/, /^\/account/, /^\/sw\.js$/];
const DATA = [/^\/api\/sites(\/|$|\?)/, /^\/api\/boundary/, /^\/api\/vocabulary/, /^\/static\//, /^\/manifest\.webmanifest$/];

self.addEventListener("install", (event) => {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== PAGES && n !== FILES).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// A signed-in user's pages are sent no-store/private: they stay off the shared device's disk.
function keepable(response) {
  return !/no-store|private/.test(response.headers.get("cache-control") || "");
}

async function networkFirst(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic" && keepable(response)) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const copy = await cache.match(request, { ignoreVary: true });
    if (copy) return copy;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(FILES);
  const copy = await cache.match(request);
  if (copy) return copy;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (NEVER.some((p) => p.test(path))) return;
  if (request.headers.has("range")) return; // video/audio ranges: the browser's own handling
  if (IMMUTABLE.some((p) => p.test(path))) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" || DATA.some((p) => p.test(path))) {
    event.respondWith(networkFirst(request));
  }
});
