// Survey upload page: posts the form to /api/surveys and shows the outcome row by row.
// Everything from the server is inserted with textContent (never as HTML). Writes carry the session's
// CSRF token (the page's <meta name="csrf-token">) as the X-CSRF-Token header.
const form = document.getElementById("survey-form");
const statusLine = document.getElementById("survey-status");
const table = document.getElementById("survey-errors");
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";

function showErrors(errors) {
  const body = table.querySelector("tbody");
  body.replaceChildren();
  for (const err of errors || []) {
    const tr = document.createElement("tr");
    for (const value of [err.row, err.column, err.reason]) {
      const td = document.createElement("td");
      td.textContent = String(value);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  table.hidden = !(errors && errors.length);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  statusLine.textContent = "Đang tải lên… / Uploading…";
  const data = new FormData(form);
  if (!data.get("marker")) data.delete("marker");
  const response = await fetch("/api/surveys", {
    method: "POST",
    body: data,
    credentials: "same-origin",
    headers: { "X-CSRF-Token": csrfToken },
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    statusLine.textContent = `Đã lưu lô ${body.id}: ${body.point_count} điểm, bỏ qua ${body.skipped_rows} dòng. ` +
      `/ Stored batch ${body.id}: ${body.point_count} points, ${body.skipped_rows} rows skipped.`;
  } else {
    statusLine.textContent = `Không lưu gì. / Nothing stored: ${body.detail || response.status}`;
  }
  showErrors(body.errors);
});
