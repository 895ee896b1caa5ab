// Tour rooms (GET /api/tours/{id}, angles in degrees) → Photo Sphere Viewer's virtual-tour nodes
// (radians). Shared by the public viewer (tour.js) and the staff editor (tour_editor.js).
// Names and captions from the data are escaped: PSV shows them as HTML.

export const DEG = Math.PI / 180;

export function toRadians(angles) {
  return { yaw: Number(angles.yaw) * DEG, pitch: Number(angles.pitch || 0) * DEG };
}

export function toDegrees(position) {
  const round = (v) => Math.round(v * 100) / 100;
  let yaw = position.yaw / DEG;
  if (yaw > 180) yaw -= 360; // PSV gives yaw in [0, 2π); we store −180…180
  return { yaw: round(yaw), pitch: round(position.pitch / DEG) };
}

export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function bilingual(vi, en) {
  return [vi, en].filter(Boolean).join(" / ");
}

// A hotspot is a link (keyboard and middle-click work as on any link) drawn at its place.
export function hotspotMarker(hotspot, index) {
  const link = document.createElement("a");
  link.className = "tour-hotspot";
  link.href = hotspot.page || hotspot.url;
  link.textContent = bilingual(hotspot.label_vi || hotspot.title_vi, hotspot.label_en || hotspot.title_en);
  link.addEventListener("click", (event) => {
    // one navigation, whatever the viewer does with the click around it
    event.preventDefault();
    event.stopPropagation();
    window.location.assign(link.href);
  });
  return {
    id: `hotspot-${index}`,
    element: link,
    position: toRadians(hotspot),
    anchor: "center center",
    data: { page: link.href, record: hotspot.record },
  };
}

export function psvNodes(tour) {
  return tour.nodes.map((node) => ({
    id: node.id,
    panorama: node.panorama,
    thumbnail: node.thumbnail || undefined,
    name: escapeHtml(bilingual(node.name_vi, node.name_en)),
    caption: escapeHtml(bilingual(node.caption_vi || node.name_vi, node.caption_en || node.name_en)),
    links: node.links.map((link) => ({ nodeId: link.to, position: toRadians(link) })),
    markers: node.hotspots.map(hotspotMarker),
  }));
}

// Photo Sphere Viewer's own texts, Vietnamese first.
export const LANG = {
  zoom: "Thu phóng / Zoom",
  zoomOut: "Thu nhỏ / Zoom out",
  zoomIn: "Phóng to / Zoom in",
  moveUp: "Lên / Up",
  moveDown: "Xuống / Down",
  moveLeft: "Trái / Left",
  moveRight: "Phải / Right",
  fullscreen: "Toàn màn hình / Fullscreen",
  loadError: "Không tải được ảnh 360° / The panorama could not be loaded",
};
