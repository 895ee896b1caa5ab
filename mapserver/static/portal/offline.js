// Registers the service worker that keeps visited pages and the map shell for offline use.
// A page works the same without it (and without JavaScript): this only adds the offline copy.
"use strict";
if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      // No offline copy (private window, disabled storage): the page itself is unaffected.
    });
  });
}
