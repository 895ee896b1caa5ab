// The staff tour editor (/staff/tours/{id}/edit): the form works on its own; this adds a panorama
// viewer. "Show in the viewer" opens a room's panorama with its links and hotspots drawn;
// "place by click" on a row, then a click in the picture, writes that point's yaw and pitch
// (degrees) into the row. Saving is the form's own submit.
import { Viewer } from "@photo-sphere-viewer/core";
import { MarkersPlugin } from "@photo-sphere-viewer/markers-plugin";
import { LANG, toDegrees, toRadians } from "./tour_nodes.js";

const pictures = JSON.parse(document.getElementById("tour-panoramas").textContent);
const form = document.getElementById("tour-form");
const container = document.getElementById("editor-viewer");
const status = document.getElementById("editor-status");
const state = (window.__editor = { node: null, armed: null, placed: [] });
let viewer = null;
let markers = null;

const field = (row, name) => form.elements.namedItem(`${row.dataset.row}-${name}`);

function rowsOf(fieldset) {
  return [...fieldset.querySelectorAll("tr[data-row]")];
}

function drawMarkers() {
  if (!markers || state.node === null) return;
  const fieldset = form.querySelector(`fieldset[data-node="${state.node}"]`);
  const list = [];
  for (const row of rowsOf(fieldset)) {
    const target = field(row, row.dataset.type === "link" ? "to" : "record").value.trim();
    const yaw = Number(field(row, "yaw").value.replace(",", "."));
    const pitch = Number((field(row, "pitch").value || "0").replace(",", "."));
    if (!target || field(row, "yaw").value === "" || !Number.isFinite(yaw) || !Number.isFinite(pitch)) continue;
    const pin = document.createElement("span");
    pin.className = `editor-pin ${row.dataset.type}`;
    pin.textContent = row.dataset.type === "link" ? `→ ${target}` : `★ ${target}`;
    list.push({ id: row.dataset.row, element: pin, position: toRadians({ yaw, pitch }), anchor: "center center" });
  }
  markers.setMarkers(list);
}

function show(index) {
  const select = form.elements.namedItem(`node-${index}-media_id`);
  const picture = pictures[select.value];
  if (!picture || !picture.panorama) {
    status.textContent = "Chọn ảnh 360° cho phòng này trước / choose this room's panorama first";
    return;
  }
  state.node = index;
  container.hidden = false;
  if (!viewer) {
    viewer = new Viewer({
      container,
      panorama: picture.panorama,
      lang: LANG,
      defaultZoomLvl: 0,
      navbar: ["zoom", "move", "caption"],
      plugins: [MarkersPlugin],
    });
    state.viewer = viewer;
    viewer.addEventListener("ready", () => {
      markers = viewer.getPlugin(MarkersPlugin);
      drawMarkers();
      state.ready = true;
    });
    viewer.addEventListener("click", ({ data }) => place(data));
  } else {
    viewer.setPanorama(picture.panorama).then(drawMarkers);
  }
  status.textContent = `Phòng / room ${form.elements.namedItem(`node-${index}-id`).value || index + 1}`;
}

function place(position) {
  const { yaw, pitch } = toDegrees(position);
  state.last = { yaw, pitch };
  if (!state.armed) {
    status.textContent = `yaw ${yaw}°, pitch ${pitch}° — bấm "Đặt bằng cú nhấp" ở một dòng trước / press "place by click" on a row first`;
    return;
  }
  field(state.armed, "yaw").value = String(yaw);
  field(state.armed, "pitch").value = String(pitch);
  state.placed.push({ row: state.armed.dataset.row, yaw, pitch });
  status.textContent = `${state.armed.dataset.row}: yaw ${yaw}°, pitch ${pitch}°`;
  state.armed = null;
  drawMarkers();
}

for (const button of form.querySelectorAll("button[data-show]")) {
  button.hidden = false;
  button.addEventListener("click", () => show(Number(button.dataset.show)));
}
for (const button of form.querySelectorAll("button[data-place]")) {
  button.hidden = false;
  button.addEventListener("click", () => {
    const row = button.closest("tr");
    const index = Number(button.closest("fieldset").dataset.node);
    if (state.node !== index) show(index);
    state.armed = row;
    status.textContent = "Nhấp vào ảnh để đặt vị trí / click in the panorama to place it";
  });
}
form.addEventListener("change", drawMarkers);

// The panorama upload (POST /api/media) without leaving the page: then wait for its processing
// job and reload, so the new panorama is offered to the rooms. Without script the form posts as is.
const upload = document.getElementById("panorama-upload");
const uploadStatus = document.getElementById("upload-status");
async function waitForProcessing(url) {
  for (;;) {
    const item = await (await fetch(url, { headers: { Accept: "application/json" } })).json();
    if (item.state === "done") return window.location.reload();
    if (item.state === "failed") throw new Error(item.failure_reason || "processing failed");
    uploadStatus.textContent = `Đang xử lý / processing… ${Math.round(item.progress || 0)}%`;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
upload?.addEventListener("submit", async (event) => {
  event.preventDefault();
  uploadStatus.textContent = "Đang tải lên / uploading…";
  try {
    const response = await fetch(upload.action, {
      method: "POST",
      body: new FormData(upload),
      headers: { "X-CSRF-Token": upload.elements.namedItem("csrf_token").value, Accept: "application/json" },
    });
    const answer = await response.json();
    if (response.status !== 202) throw new Error(answer.detail || response.statusText);
    state.uploaded = answer.id;
    await waitForProcessing(answer.links[0].href);
  } catch (error) {
    uploadStatus.textContent = `Không tải lên được / upload failed: ${error.message}`;
  }
});
