// The tour's narration (tour.html #tour-narration): one <audio> for the whole page, so two
// narrations never talk at once. "Listen" plays the current room's narration
// (GET /api/guide/narration/tour/{id}/{room}, node.narration in the page data); "Introduction" the
// tour's own. Moving to another room stops what was playing: the visitor asks again there.
// No inline script (the page's CSP): this module is loaded by tour.js.
import { bilingual } from "./tour_nodes.js";

const NONE = "Phòng này chưa có thuyết minh / No narration for this room yet";
const FAILED = "Không phát được thuyết minh / The narration could not be played";

export function narrationControl(tour) {
  const box = document.getElementById("tour-narration");
  if (!box) return null;
  const audio = box.querySelector("audio");
  const listen = box.querySelector("[data-listen=stop]");
  const intro = box.querySelector("[data-listen=intro]");
  const room = box.querySelector(".tour-narration-room");
  const rooms = new Map(tour.nodes.map((node) => [node.id, node]));
  let current = null; // the room shown now
  let playing = null; // the button whose narration is in the player

  const pressed = () => {
    for (const button of [listen, intro]) {
      if (button) button.setAttribute("aria-pressed", String(button === playing && !audio.paused));
    }
  };
  audio.addEventListener("play", pressed);
  audio.addEventListener("pause", pressed);
  audio.addEventListener("ended", pressed);
  audio.addEventListener("error", () => {
    if (audio.getAttribute("src")) room.textContent = FAILED;
  });

  // A press plays (from where it was, for the same narration) or pauses: a toggle button.
  function toggle(button, url) {
    if (!url) return;
    if (playing === button && audio.getAttribute("src") === url && !audio.paused) {
      audio.pause();
      return;
    }
    if (audio.getAttribute("src") !== url) audio.src = url;
    playing = button;
    audio.play().catch((error) => {
      // a newer press or a room change interrupted it: nothing to tell
      if (error.name !== "AbortError") room.textContent = FAILED;
    });
  }

  listen.addEventListener("click", () => toggle(listen, rooms.get(current)?.narration));
  if (intro) intro.addEventListener("click", () => toggle(intro, tour.narration));

  function roomChanged(id) {
    current = id;
    audio.pause();
    if (audio.getAttribute("src")) {
      audio.removeAttribute("src");
      audio.load(); // drops the old file: the player is empty until the next press
    }
    playing = null;
    pressed();
    const node = rooms.get(id);
    listen.disabled = !node?.narration;
    room.textContent = node ? (node.narration ? bilingual(node.name_vi, node.name_en) : NONE) : "";
  }

  listen.disabled = true; // until the first room is shown
  box.hidden = false;
  return { audio, roomChanged };
}
