// Keeps the grid worker's page usable without a connection: the page and its assets are
// served from the cache when the network fails; reports wait in the page's IndexedDB outbox.
const CACHE = "onegrid-grid-v1";
const ASSETS = ["/grid", "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
  "/static/grid.js", "/static/app.css"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  // Network first (fresh issues and tasks), the last good copy when offline.
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok && !response.redirected) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(event.request, copy));
    } else if (response.redirected && new URL(response.url).pathname === "/login") {
      caches.delete(CACHE);  // the session ended (signed out elsewhere): keep no grid data
    }
    return response;
  }).catch(() => caches.match(event.request, { ignoreSearch: url.pathname === "/grid" })));
});
