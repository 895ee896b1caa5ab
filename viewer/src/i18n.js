// Vietnamese first, English on request. Static page text carries data-i18n* attributes; dynamic
// parts re-render through onLangChange. All strings end up in textContent/attributes, never HTML.

const STRINGS = {
  vi: {
    title: "Bản đồ di sản 3D Bà Rịa–Vũng Tàu",
    skip: "Tới ô tìm kiếm",
    toggleSidebar: "Ẩn/hiện danh sách",
    sidebar: "Tìm kiếm và công cụ",
    tabRelics: "Di tích",
    tabPlanner: "Quy hoạch",
    searchLabel: "Tìm di tích theo tên",
    searchPlaceholder: "vd. bach dinh",
    suggestions: "Gợi ý",
    rankFilter: "Xếp hạng",
    categoryFilter: "Loại hình",
    districtFilter: "Địa bàn (huyện, thị xã, thành phố trước 07/2025)",
    allCategories: "Tất cả loại hình",
    allDistricts: "Tất cả địa bàn",
    resetFilters: "Bỏ lọc",
    locatedTitle: "Trên bản đồ",
    unlocatedTitle: "Chưa khảo sát vị trí",
    unlocatedHint: "Các di tích này chưa có tọa độ đo đạc nên chưa được đặt lên bản đồ.",
    notSurveyed: "Chưa khảo sát vị trí",
    resultCount: "{shown} / {total} di tích trên bản đồ · {unlocated} chưa khảo sát vị trí",
    noMatch: "Không có di tích phù hợp.",
    mapLabel: "Bản đồ 3D",
    legend: "Chú giải",
    close: "Đóng",
    flyTo: "Bay tới",
    sitePage: "Trang di tích",
    scansTitle: "Mô hình quét 3D",
    noScans: "Chưa có bản quét 3D.",
    scansLoading: "Đang tải danh sách bản quét…",
    scansError: "Không tải được danh sách bản quét.",
    viewScan: "Xem 3D",
    sample: "mẫu",
    mesh: "Lưới tam giác",
    pointcloud: "Đám mây điểm",
    splat: "Gaussian splat (ảnh chụp 3D)",
    scanProcessing: "đang xử lý",
    mediaLink: "Xem {n} tư liệu trên trang di tích",
    mediaThumb: "Ảnh của di tích",
    media_image: "ảnh", media_video: "video", media_audio: "ghi âm", media_model: "mô hình 3D",
    media_panorama: "ảnh 360°",
    tilesetLoading: "Đang tải mô hình 3D…",
    tilesetLoaded: "Đã tải mô hình 3D: {label}",
    tilesetError: "Không tải được mô hình 3D.",
    fRank: "Xếp hạng",
    fDecision: "Quyết định",
    fCategory: "Loại hình",
    fDistrict: "Địa bàn",
    fAddress: "Địa chỉ",
    fPosition: "Vị trí",
    fVn2000: "VN-2000",
    fSource: "Nguồn tọa độ",
    fAccuracy: "Độ chính xác",
    decision: "Số {no}",
    decisionDate: " ngày {date}",
    decisionIssuer: " — {issuer}",
    until: "đến {date}",
    lonLat: "kinh độ, vĩ độ",
    accuracy: "±{m} m",
    dash: "—",
    loading: "Đang tải…",
    dataError: "Không tải được dữ liệu di tích. Vui lòng thử lại sau.",
    webglError: "Trình duyệt không hỗ trợ WebGL nên không hiển thị được bản đồ 3D. Xem danh sách di tích tại /sites.",
    plannerIntro: "Chọn một vùng để liệt kê các di tích bên trong (theo bộ lọc xếp hạng, loại hình, địa bàn đang chọn).",
    plannerTools: "Công cụ chọn vùng",
    drawRectangle: "Hình chữ nhật",
    drawPolygon: "Đa giác",
    drawBuffer: "Vùng đệm quanh điểm",
    useView: "Khung nhìn hiện tại",
    bufferRadius: "Bán kính (m)",
    bufferCenter: "Tâm (kinh độ, vĩ độ)",
    bufferApply: "Tìm quanh tâm",
    finishShape: "Xong",
    cancelShape: "Hủy",
    clearShape: "Xóa vùng chọn",
    helpRectangle: "Nhấp hai góc đối diện của hình chữ nhật trên bản đồ. Esc để hủy.",
    helpPolygon: "Nhấp các đỉnh trên bản đồ; nhấp đúp hoặc nhấn “Xong” (Enter) để khép đa giác. Esc để hủy.",
    helpBuffer: "Nhấp vào bản đồ để chọn tâm, hoặc nhập tọa độ tâm rồi nhấn “Tìm quanh tâm”.",
    badCenter: "Tâm phải có dạng “kinh độ, vĩ độ”, ví dụ 107.0843, 10.3460.",
    badRadius: "Bán kính phải từ 1 đến 1 000 000 m.",
    badPolygon: "Đa giác cần ít nhất 3 đỉnh.",
    plannerCount: "{n} di tích trong vùng chọn",
    plannerSearching: "Đang tìm…",
    plannerError: "Không tìm được: {reason}",
    downloadGeojson: "Tải GeoJSON",
    downloadCsv: "Tải CSV (Excel)",
    outsideGlobe: "Hãy nhấp lên bề mặt Trái Đất.",
    fZone: "Khu vực bảo vệ",
    zoneName: "Khu vực bảo vệ {zone}",
    zonesToggle: "Hiện khu vực bảo vệ ({n})",
    impactTitle: "Đánh giá tác động",
    impactIntro: "Các di tích và khu vực bảo vệ nằm trong vùng chọn hoặc cách vùng chọn không quá khoảng đệm (mọi di tích đã công bố, không theo bộ lọc), kèm khoảng cách.",
    impactBuffer: "Khoảng đệm (m)",
    impactRun: "Đánh giá tác động",
    impactRunning: "Đang đánh giá…",
    impactBadBuffer: "Khoảng đệm phải từ 0 đến 50 000 m.",
    impactError: "Không đánh giá được: {reason}",
    impactSummary: "Di tích bị ảnh hưởng: {relics} ({intersected} bị giao cắt, kể cả qua khu vực bảo vệ) · khu vực bảo vệ: {zones} · khoảng đệm {buffer} m",
    impactNotAssessed: "{n} di tích chưa có vị trí nên chưa đánh giá được",
    impactIntersects: "giao cắt",
    impactRelic: "Di tích",
    impactVn2000: "Tọa độ VN-2000 (EPSG:5899) trong tệp tải về",
    impactCsv: "Báo cáo CSV",
    impactGpkg: "Báo cáo GeoPackage",
    impactHtml: "Bản in (HTML)",
  },
  en: {
    title: "Bà Rịa–Vũng Tàu 3D heritage map",
    skip: "Skip to search",
    toggleSidebar: "Show/hide the list",
    sidebar: "Search and tools",
    tabRelics: "Relics",
    tabPlanner: "Planner",
    searchLabel: "Find a relic by name",
    searchPlaceholder: "e.g. bach dinh",
    suggestions: "Suggestions",
    rankFilter: "Rank",
    categoryFilter: "Category",
    districtFilter: "District (units before Jul 2025)",
    allCategories: "All categories",
    allDistricts: "All districts",
    resetFilters: "Clear filters",
    locatedTitle: "On the map",
    unlocatedTitle: "Location not yet surveyed",
    unlocatedHint: "These relics have no surveyed coordinates yet, so they are not placed on the map.",
    notSurveyed: "Location not yet surveyed",
    resultCount: "{shown} / {total} relics on the map · {unlocated} not yet surveyed",
    noMatch: "No matching relic.",
    mapLabel: "3D map",
    legend: "Legend",
    close: "Close",
    flyTo: "Fly to",
    sitePage: "Relic page",
    scansTitle: "3D scans",
    noScans: "No 3D scan yet.",
    scansLoading: "Loading the scans…",
    scansError: "Could not load the scans.",
    viewScan: "View in 3D",
    sample: "sample",
    mesh: "Mesh",
    pointcloud: "Point cloud",
    splat: "Gaussian splats (photogrammetry)",
    scanProcessing: "processing",
    mediaLink: "See {n} media items on the relic page",
    mediaThumb: "Picture of the relic",
    media_image: "images", media_video: "video", media_audio: "sound", media_model: "3D models",
    media_panorama: "360° images",
    tilesetLoading: "Loading the 3D model…",
    tilesetLoaded: "3D model loaded: {label}",
    tilesetError: "Could not load the 3D model.",
    fRank: "Rank",
    fDecision: "Decision",
    fCategory: "Category",
    fDistrict: "District",
    fAddress: "Address",
    fPosition: "Position",
    fVn2000: "VN-2000",
    fSource: "Position source",
    fAccuracy: "Accuracy",
    decision: "No. {no}",
    decisionDate: " of {date}",
    decisionIssuer: " — {issuer}",
    until: "until {date}",
    lonLat: "lon, lat",
    accuracy: "±{m} m",
    dash: "—",
    loading: "Loading…",
    dataError: "Could not load the relics. Please try again later.",
    webglError: "This browser cannot show the 3D map (no WebGL). See the list of relics at /sites.",
    plannerIntro: "Pick an area to list the relics inside it (with the rank, category and district filters in force).",
    plannerTools: "Area tools",
    drawRectangle: "Rectangle",
    drawPolygon: "Polygon",
    drawBuffer: "Buffer around a point",
    useView: "Current view",
    bufferRadius: "Radius (m)",
    bufferCenter: "Centre (lon, lat)",
    bufferApply: "Search around centre",
    finishShape: "Done",
    cancelShape: "Cancel",
    clearShape: "Clear selection",
    helpRectangle: "Click two opposite corners on the map. Esc cancels.",
    helpPolygon: "Click the vertices on the map; double-click or press “Done” (Enter) to close. Esc cancels.",
    helpBuffer: "Click the map to set the centre, or type it and press “Search around centre”.",
    badCenter: "The centre must be “lon, lat”, e.g. 107.0843, 10.3460.",
    badRadius: "The radius must be between 1 and 1,000,000 m.",
    badPolygon: "A polygon needs at least 3 vertices.",
    plannerCount: "{n} relics in the selection",
    plannerSearching: "Searching…",
    plannerError: "Search failed: {reason}",
    downloadGeojson: "Download GeoJSON",
    downloadCsv: "Download CSV (Excel)",
    outsideGlobe: "Click on the Earth's surface.",
    fZone: "Protection zone",
    zoneName: "Protection zone {zone}",
    zonesToggle: "Show protection zones ({n})",
    impactTitle: "Impact report",
    impactIntro: "The relics and protection zones inside the selection or within the buffer of it (every published relic, filters not applied), with distances.",
    impactBuffer: "Buffer (m)",
    impactRun: "Impact report",
    impactRunning: "Assessing…",
    impactBadBuffer: "The buffer must be between 0 and 50,000 m.",
    impactError: "Assessment failed: {reason}",
    impactSummary: "Relics affected: {relics} ({intersected} intersected, zones included) · protection zones: {zones} · buffer {buffer} m",
    impactNotAssessed: "{n} relics have no surveyed position and could not be assessed",
    impactIntersects: "intersects",
    impactRelic: "Relic",
    impactVn2000: "VN-2000 coordinates (EPSG:5899) in the downloads",
    impactCsv: "Report as CSV",
    impactGpkg: "Report as GeoPackage",
    impactHtml: "Printable report (HTML)",
  },
};

// Codes and labels of ranks, categories and statuses come from the server's vocabulary
// (mapserver/vocabulary.py), embedded in the page's config: one list for Python, SQL and the viewer.
function vocabulary(name) {
  const node = document.getElementById("heritage-config");
  const terms = (node && JSON.parse(node.textContent).vocabulary?.[name]) || [];
  return Object.fromEntries(terms.map((term) => [term.code, [term.vi, term.en]]));
}
const RANKS = vocabulary("rank");
const CATEGORIES = vocabulary("category");
const LOCATION_STATUS = vocabulary("location_status");

export const LANGS = ["vi", "en"];
const STORAGE_KEY = "heritage.lang";
const listeners = new Set();
let current = initialLang();

function initialLang() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(fromUrl)) return fromUrl;
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch { /* storage can be disabled (private mode); Vietnamese then */ }
  return "vi";
}

export function lang() { return current; }

export function t(key, vars = {}) {
  const text = STRINGS[current][key] ?? STRINGS.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : ""));
}

const pick = (table, key) => (table[key] ? table[key][current === "vi" ? 0 : 1] : key || "");
export const rankLabel = (rank) => pick(RANKS, rank);
export const categoryLabel = (category) => pick(CATEGORIES, category);
export const statusLabel = (status) => pick(LOCATION_STATUS, status);
export const RANK_ORDER = Object.keys(RANKS);
export const CATEGORY_ORDER = Object.keys(CATEGORIES);

export function formatDate(iso) {
  // Vietnamese documents write dd/mm/yyyy; English readers get the unambiguous ISO form.
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  if (!m) return iso || "";
  return current === "vi" ? `${m[3]}/${m[2]}/${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
}

export function formatNumber(value, digits) {
  return Number(value).toLocaleString(current === "vi" ? "vi-VN" : "en-GB",
    { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function applyStatic(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll("[data-i18n-aria-label]")) node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
  document.documentElement.lang = current;
  document.title = current === "vi" ? `${t("title")} · 3D heritage map` : `${t("title")} · Bản đồ di sản 3D`;
}

export function setLang(next) {
  if (!LANGS.includes(next) || next === current) return;
  current = next;
  try { localStorage.setItem(STORAGE_KEY, next); } catch { /* not persisted; fine */ }
  applyStatic();
  for (const fn of listeners) fn(current);
}

export function onLangChange(fn) { listeners.add(fn); }
