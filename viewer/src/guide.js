// The virtual guide on the map: a question box in the sidebar (answers are quotes of published
// records with their citations, from POST /api/guide/ask) and the selected record's narration in
// the relic panel. narrationUrl()/playNarration() are for the virtual tour too.
// Everything from the server goes in as text (el/textContent), never as HTML.

import { $, el, replace } from "./dom.js";
import { lang, onLangChange } from "./i18n.js";

const WORDS = {
  vi: {
    title: "Hỏi hướng dẫn viên ảo",
    label: "Câu hỏi về di tích, lễ hội, hiện vật…",
    placeholder: "vd. Bạch Dinh được xây năm nào?",
    ask: "Hỏi",
    asking: "Đang tìm trong hồ sơ…",
    sources: "Nguồn",
    failed: "Không kết nối được với hướng dẫn viên.",
    busy: "Quá nhiều câu hỏi, xin thử lại sau ít phút.",
    listen: "Nghe thuyết minh",
    noNarration: "Chưa có bản thuyết minh.",
    hint: "Chỉ trả lời bằng trích dẫn từ hồ sơ đã được duyệt.",
  },
  en: {
    title: "Ask the virtual guide",
    label: "A question about relics, festivals, artefacts…",
    placeholder: "e.g. When was the White Palace built?",
    ask: "Ask",
    asking: "Searching the records…",
    sources: "Sources",
    failed: "Could not reach the guide.",
    busy: "Too many questions; please try again in a minute.",
    listen: "Listen to the narration",
    noNarration: "No narration yet.",
    hint: "Answers only quote published records.",
  },
};
const w = (key) => WORDS[lang()][key];

export function narrationUrl(kind, id) {
  return `/api/guide/narration/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`;
}

// One shared player, so two narrations never talk at once.
const player = new Audio();
player.preload = "none";

export function playNarration(kind, id) {
  const url = narrationUrl(kind, id);
  if (!player.src.endsWith(url)) player.src = url;
  return player.play();
}

export async function askGuide(question, language = lang()) {
  const response = await fetch("/api/guide/ask", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ question, lang: language }),
  });
  if (response.status === 429) return { refused: true, message: w("busy") };
  if (!response.ok) throw new Error(`guide answered ${response.status}`);
  return response.json();
}

export class Guide {
  // onCite(citation): a citation of a relic was clicked (the map opens it); return true if handled
  constructor({ onCite } = {}) {
    this.onCite = onCite;
    this.record = null;
    this.input = el("input", { id: "guide-question", type: "text", maxlength: 500, autocomplete: "off" });
    this.answer = el("div", { id: "guide-answer", className: "guide-answer", "aria-live": "polite" });
    this.button = el("button", { type: "submit", id: "guide-ask" });
    this.title = el("summary", { id: "guide-title" });
    this.labelText = el("span");
    this.hint = el("p", { className: "hint" });
    const form = el("form", { id: "guide-form", className: "guide-form" },
      el("label", { for: "guide-question" }, this.labelText), this.input, this.button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.ask(this.input.value);
    });
    this.box = el("details", { id: "guide", className: "guide", open: true }, this.title, form, this.answer, this.hint);
    const sidebar = $("#sidebar");
    sidebar.insertBefore(this.box, $("#attribution"));

    this.audio = el("audio", { id: "panel-narration", controls: true, preload: "none" });
    this.audio.addEventListener("error", () => { this.audioNote.textContent = w("noNarration"); });
    this.audioNote = el("span", { className: "meta" });
    this.audioLabel = el("h3");
    this.panelPart = el("div", { id: "panel-guide", className: "panel-guide" }, this.audioLabel, this.audio, this.audioNote);
    $("#panel").append(this.panelPart);
    this.#texts();
    onLangChange(() => this.#texts());
  }

  #texts() {
    this.title.textContent = w("title");
    this.labelText.textContent = w("label");
    this.input.placeholder = w("placeholder");
    this.button.textContent = w("ask");
    this.hint.textContent = w("hint");
    this.audioLabel.textContent = w("listen");
  }

  // The relic panel shows this record: its narration is offered (fetched only on play).
  showRecord(kind, id) {
    this.record = { kind, id };
    this.audio.src = narrationUrl(kind, id);
    this.audioNote.textContent = "";
  }

  async ask(question) {
    const text = (question || "").trim();
    if (!text) return null;
    replace(this.answer, el("p", { className: "hint" }, w("asking")));
    let body;
    try {
      body = await askGuide(text);
    } catch (error) {
      console.warn("guide unavailable", error);
      replace(this.answer, el("p", { className: "guide-refused" }, w("failed")));
      return null;
    }
    this.render(body);
    return body;
  }

  render(body) {
    if (body.refused || !body.answer) {
      replace(this.answer, el("p", { className: "guide-refused" }, body.message || w("failed")));
      return;
    }
    const sources = el("p", { className: "guide-sources" }, `${w("sources")}: `);
    body.citations.forEach((c, i) => {
      if (i) sources.append(" · ");
      const link = el("a", { href: c.url || "#", dataset: { citation: `${c.type}:${c.id}:${c.field}` } }, c.title);
      link.addEventListener("click", (event) => {
        if (this.onCite && this.onCite(c)) event.preventDefault();
      });
      sources.append(link);
    });
    replace(this.answer,
      el("blockquote", { className: "guide-quote", lang: body.lang || "vi" }, body.answer),
      body.note ? el("p", { className: "hint", lang: "en" }, body.note) : null,
      sources);
  }
}
