// The public 360° tour (/tours/{id}): Photo Sphere Viewer + markers + virtual tour, from the page's
// embedded tour data. ?node=<room> opens in that room, ?mode=2d draws flat link arrows (lighter).
import { Viewer } from "@photo-sphere-viewer/core";
import { MarkersPlugin } from "@photo-sphere-viewer/markers-plugin";
import { VirtualTourPlugin } from "@photo-sphere-viewer/virtual-tour-plugin";
import { narrationControl } from "./tour_narration.js";
import { LANG, psvNodes } from "./tour_nodes.js";

const tour = JSON.parse(document.getElementById("tour-data").textContent);
const params = new URLSearchParams(window.location.search);
const asked = params.get("node");
const start = tour.nodes.some((n) => n.id === asked) ? asked : tour.start;
const container = document.getElementById("tour-viewer");
container.hidden = false;

const state = (window.__tour = { node: null, visited: [], narration: narrationControl(tour) });
const viewer = new Viewer({
  container,
  lang: LANG,
  defaultZoomLvl: 0, // the widest view: the whole room at a glance
  navbar: ["zoom", "move", "caption", "fullscreen"],
  plugins: [
    MarkersPlugin,
    [
      VirtualTourPlugin,
      {
        positionMode: "manual",
        renderMode: params.get("mode") === "2d" ? "2d" : "3d",
        nodes: psvNodes(tour),
        startNodeId: start,
      },
    ],
  ],
});
const plugin = viewer.getPlugin(VirtualTourPlugin);
Object.assign(state, { viewer, plugin, markers: viewer.getPlugin(MarkersPlugin) });
plugin.addEventListener("node-changed", ({ node }) => {
  state.node = node.id;
  state.visited.push(node.id);
  state.narration?.roomChanged(node.id); // the previous room's narration stops here
  const url = new URL(window.location.href);
  url.searchParams.set("node", node.id);
  window.history.replaceState(null, "", url); // a shared link opens in the same room
});
