// The media section of record pages (templates/media_section.html): deep zoom and 3D on top of
// what already works without script. Each library is loaded only when the page has media for it,
// from the app's own copies (/vendor/…): OpenSeadragon for one image, Mirador to compare several,
// model-viewer for 3D models with its decoders pointed at our copies before the first model loads.
const section = document.querySelector("[data-media-viewers]");
const state = (window.__media = { ready: {} });

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

async function openSeadragon(element) {
  await loadScript(section.dataset.openseadragon);
  element.hidden = false;
  const viewer = window.OpenSeadragon({
    element,
    tileSources: element.dataset.info,
    prefixUrl: section.dataset.openseadragonImages,
    showNavigator: true,
    navigatorPosition: "BOTTOM_RIGHT",
  });
  state.openseadragon = viewer;
  viewer.addHandler("open", () => {
    viewer.world.getItemAt(0).addHandler("fully-loaded-change", (event) => {
      if (event.fullyLoaded && !state.ready.openseadragon) state.ready.openseadragon = performance.now();
    });
  });
  viewer.addHandler("open-failed", (event) => console.error("deep zoom:", event.message));
}

async function mirador(element) {
  await loadScript(section.dataset.mirador);
  element.hidden = false;
  const manifestId = element.dataset.manifest;
  // Two windows side by side, on the first two images, to compare them; the others are a click away.
  const windows = [0, 1].map((canvasIndex) => ({ manifestId, canvasIndex, thumbnailNavigationPosition: "far-bottom" }));
  state.mirador = window.Mirador.viewer({
    id: element.id,
    windows,
    window: { allowClose: false, allowMaximize: true, allowFullscreen: true, sideBarOpenByDefault: false },
    workspace: { type: "mosaic", showZoomControls: true },
    workspaceControlPanel: { enabled: false },
  });
  state.ready.mirador = performance.now();
}

async function models(elements) {
  // model-viewer reads these once, when its module is first evaluated: set them before the import,
  // or it fetches the decoders from www.gstatic.com. Our models are Draco-compressed (media.model3d);
  // KTX2 is set too so that no texture ever sends it to the network.
  self.ModelViewerElement = Object.assign(self.ModelViewerElement || {}, {
    dracoDecoderLocation: section.dataset.draco,
    ktx2TranscoderLocation: section.dataset.basis,
  });
  for (const element of elements) {
    element.addEventListener("load", () => {
      state.ready.models = (state.ready.models || 0) + 1;
    });
    element.addEventListener("error", (event) => console.error("3D model:", event.detail?.type || "error"));
  }
  await import(section.dataset.modelViewer);
}

async function start() {
  if (!section) return;
  const jobs = [];
  const deepZoom = section.querySelector("[data-viewer]");
  if (deepZoom && deepZoom.dataset.viewer === "mirador" && section.dataset.mirador) jobs.push(mirador(deepZoom));
  else if (deepZoom && section.dataset.openseadragon) jobs.push(openSeadragon(deepZoom));
  const modelElements = [...section.querySelectorAll("model-viewer")];
  if (modelElements.length && section.dataset.modelViewer) jobs.push(models(modelElements));
  for (const result of await Promise.allSettled(jobs)) {
    if (result.status === "rejected") console.error("media viewer:", result.reason?.message || result.reason);
  }
  state.started = true;
}

start();
