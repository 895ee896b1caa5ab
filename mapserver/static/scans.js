// Scan upload on the survey page: posts to /api/scans, then follows every scan's tiling job
// (queued → running with progress → done / failed with its reason). Text only, never HTML.
// The upload carries the session's CSRF token (<meta name="csrf-token">) as the X-CSRF-Token header.
const scanForm = document.getElementById("scan-form");
const scanStatus = document.getElementById("scan-status");
const scanBody = document.querySelector("#scan-table tbody");
const scanCsrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";
let pollTimer = null;

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  return td;
}

async function refreshScans() {
  const response = await fetch("/api/scans?limit=20", { credentials: "same-origin" });
  if (!response.ok) return;
  const { scans } = await response.json();
  scanBody.replaceChildren(...scans.map((scan) => {
    const tr = document.createElement("tr");
    tr.dataset.status = scan.status;
    const note = scan.status === "failed" ? scan.error : scan.tileset_url || scan.stage || "";
    tr.append(cell(scan.id), cell(scan.site_id), cell(scan.file_name), cell(scan.status),
              cell(`${Math.round((scan.progress || 0) * 100)} %`), cell(note));
    return tr;
  }));
  const busy = scans.some((scan) => scan.status === "queued" || scan.status === "running");
  clearTimeout(pollTimer);
  if (busy) pollTimer = setTimeout(refreshScans, 2000);
}

scanForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  scanStatus.textContent = "Đang tải lên… / Uploading…";
  const data = new FormData(scanForm);
  for (const name of ["anchor", "label"]) if (!data.get(name)) data.delete(name);
  const response = await fetch("/api/scans", {
    method: "POST",
    body: data,
    credentials: "same-origin",
    headers: { "X-CSRF-Token": scanCsrfToken },
  });
  const body = await response.json().catch(() => ({}));
  scanStatus.textContent = response.ok
    ? `Đã nhận bản quét ${body.id}, đang xếp hàng xử lý. / Scan ${body.id} queued for tiling.`
    : `Không nhận. / Rejected: ${body.detail || response.status}`;
  refreshScans();
});

refreshScans();
