// Marker symbols by rank, drawn once on a canvas and reused as data: URLs. Each rank has its own
// shape as well as colour (star, diamond, circle, square), so the legend still reads for colour-blind
// users and in greyscale print. The same images serve the map, the legend and the lists.

export const RANK_STYLE = {
  special_national: { shape: "star", size: 30, fill: "#f2b705", stroke: "#7a1010", css: "#9c1c1c" },
  national: { shape: "diamond", size: 24, fill: "#d32f2f", stroke: "#ffffff", css: "#c2410c" },
  provincial: { shape: "circle", size: 20, fill: "#1565c0", stroke: "#ffffff", css: "#1559a8" },
  inventoried: { shape: "square", size: 15, fill: "#5f6b7a", stroke: "#ffffff", css: "#55606e" },
};
const FALLBACK = RANK_STYLE.inventoried;
const SCALE = 2; // drawn at 2× and shown at 1×: crisp on high-density screens
const cache = new Map();

function path(ctx, shape, s) {
  const c = s / 2;
  ctx.beginPath();
  if (shape === "star") {
    for (let i = 0; i < 10; i++) {
      const r = i % 2 === 0 ? c * 0.95 : c * 0.42;
      const a = -Math.PI / 2 + (i * Math.PI) / 5;
      ctx.lineTo(c + r * Math.cos(a), c + r * Math.sin(a) + s * 0.04);
    }
  } else if (shape === "diamond") {
    ctx.moveTo(c, s * 0.06); ctx.lineTo(s * 0.94, c); ctx.lineTo(c, s * 0.94); ctx.lineTo(s * 0.06, c);
  } else if (shape === "square") {
    ctx.rect(s * 0.12, s * 0.12, s * 0.76, s * 0.76);
  } else {
    ctx.arc(c, c, c * 0.84, 0, 2 * Math.PI);
  }
  ctx.closePath();
}

export function markerStyle(rank) {
  return RANK_STYLE[rank] || FALLBACK;
}

// { url, size } of the rank's symbol; size is in CSS pixels.
export function markerImage(rank) {
  const key = `m:${rank}`;
  if (!cache.has(key)) {
    const style = markerStyle(rank);
    const px = style.size * SCALE;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = px;
    const ctx = canvas.getContext("2d");
    ctx.lineJoin = "round";
    path(ctx, style.shape, px);
    ctx.fillStyle = style.fill;
    ctx.fill();
    ctx.lineWidth = 2.2 * SCALE;
    ctx.strokeStyle = style.stroke;
    ctx.stroke();
    cache.set(key, { url: canvas.toDataURL("image/png"), size: style.size });
  }
  return cache.get(key);
}

// A numbered disc for a cluster of relics; its size grows slowly with the count.
export function clusterImage(count) {
  const label = count > 999 ? "999+" : String(count);
  const key = `c:${label}`;
  if (!cache.has(key)) {
    const size = Math.min(44, 26 + 4 * label.length);
    const px = size * SCALE;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = px;
    const ctx = canvas.getContext("2d");
    ctx.beginPath();
    ctx.arc(px / 2, px / 2, px / 2 - 2 * SCALE, 0, 2 * Math.PI);
    ctx.fillStyle = "rgba(18, 50, 90, 0.92)";
    ctx.fill();
    ctx.lineWidth = 2.5 * SCALE;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
    ctx.fillStyle = "#ffffff";
    ctx.font = `bold ${12 * SCALE}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(label, px / 2, px / 2 + SCALE);
    cache.set(key, { url: canvas.toDataURL("image/png"), size });
  }
  return cache.get(key);
}

// An <img> of the rank symbol for HTML (legend, lists); decorative, the text next to it says the rank.
export function markerIcon(rank) {
  const img = document.createElement("img");
  img.src = markerImage(rank).url;
  img.alt = "";
  img.width = img.height = 18;
  return img;
}
