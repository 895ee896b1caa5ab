// CSV export of relic features, for Excel and LibreOffice: UTF-8 with a byte-order mark (without it
// Excel reads Vietnamese as Windows-1252 mojibake), CRLF line ends, RFC 4180 quoting.

export const CSV_COLUMNS = [
  "id", "name_vi", "name_en", "rank", "category", "decision_no", "decision_date", "decision_issuer",
  "districts", "address_vi", "lon", "lat", "location_status", "location_source", "location_accuracy_m",
  "distance_m",
];
const NUMERIC = new Set(["lon", "lat", "location_accuracy_m", "distance_m"]);

function cell(value, column) {
  if (value === null || value === undefined) return "";
  let text = String(value);
  // A text cell starting with = + - @ would be run as a formula by spreadsheet programs.
  if (!NUMERIC.has(column) && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function featuresToCsv(features) {
  const lines = [CSV_COLUMNS.join(",")];
  for (const feature of features) {
    const p = feature.properties || {};
    const [lon, lat] = feature.geometry && feature.geometry.type === "Point" ? feature.geometry.coordinates : [null, null];
    const row = {
      ...p,
      districts: (p.districts || []).map((d) => d.name_vi).join("; "),
      lon, lat,
    };
    lines.push(CSV_COLUMNS.map((column) => cell(row[column], column)).join(","));
  }
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
