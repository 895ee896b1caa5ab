// The guide's question box on server pages: answers in place through POST /api/guide/ask (the form
// still works without this script). Answers are quotes of published records: set as text, never HTML.
"use strict";

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function render(box, body) {
  box.replaceChildren();
  if (body.refused || !body.answer) {
    box.append(el("p", { class: "guide-refused", text: body.message || body.detail || "—" }));
    return;
  }
  box.append(el("blockquote", { class: "guide-quote", lang: body.lang || "vi", text: body.answer }));
  if (body.note) box.append(el("p", { class: "en", lang: "en", text: body.note }));
  const sources = el("p", { class: "guide-sources" }, "Nguồn / sources: ");
  body.citations.forEach((c, i) => {
    if (i) sources.append(" · ");
    sources.append(el("a", { href: c.url || "#", "data-citation": `${c.type}:${c.id}:${c.field}` , text: c.title }));
  });
  box.append(sources);
}

for (const form of document.querySelectorAll("form.guide-form")) {
  const box = form.parentElement.querySelector(".guide-answer");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    box.textContent = "…";
    try {
      const response = await fetch("/api/guide/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: data.get("question"), lang: data.get("lang") || "vi" }),
      });
      render(box, await response.json());
    } catch (error) {
      box.textContent = "Không kết nối được / could not reach the guide.";
    }
  });
}
