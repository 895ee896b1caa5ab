// Search box (ARIA 1.2 combobox with a listbox of suggestions), rank/category/district filters and
// the two result lists: relics on the map, and relics whose position is not yet surveyed.
// Matching is client-side over the loaded registry (a few hundred relics), instant and offline.

import { $, el, replace } from "./dom.js";
import { CATEGORY_ORDER, RANK_ORDER, categoryLabel, lang, onLangChange, rankLabel, t } from "./i18n.js";
import { markerIcon } from "./markers.js";
import { fold, matchesQuery } from "./text.js";

const MAX_SUGGESTIONS = 8;
const MAX_LIST = 300; // longer lists are cut (with a note): the filters narrow them down

export class Finder {
  // sites: Map id → GeoJSON Feature; onSelect(id); onChange() after any filter change.
  constructor({ sites, onSelect, onChange }) {
    this.sites = sites;
    this.onSelect = onSelect;
    this.onChange = onChange;
    this.filters = { query: "", ranks: new Set(RANK_ORDER), category: "", district: "" };
    this.keys = new Map(); // id → folded text searched by the query
    for (const [id, feature] of sites) {
      const p = feature.properties;
      this.keys.set(id, fold(`${p.name_vi} ${p.name_en || ""} ${id}`));
    }
    this.input = $("#search-input");
    this.listbox = $("#search-suggestions");
    this.active = -1;
    this.#buildFilters();
    this.#bindSearch();
    onLangChange(() => { this.#buildFilters(); this.render(); });
    this.render();
  }

  // The relic passes rank, category and district (not the text query): what the planner sends.
  matchesAttributes(feature) {
    const p = feature.properties;
    const f = this.filters;
    if (!f.ranks.has(p.rank)) return false;
    if (f.category && p.category !== f.category) return false;
    if (f.district && !(p.districts || []).some((d) => d.id === f.district)) return false;
    return true;
  }

  matches(feature) {
    return this.matchesAttributes(feature) && matchesQuery(this.keys.get(feature.id), this.filters.query);
  }

  // The same filters in the API's vocabulary, for server-side queries (planner).
  apiFilters() {
    const out = {};
    if (this.filters.ranks.size !== RANK_ORDER.length) out.rank = [...this.filters.ranks];
    if (this.filters.category) out.category = [this.filters.category];
    if (this.filters.district) out.district = this.filters.district;
    return out;
  }

  setQuery(text) {
    this.input.value = text;
    this.#onInput();
  }

  setRanks(ranks) {
    this.filters.ranks = new Set(ranks);
    for (const box of this.rankBoxes) box.checked = this.filters.ranks.has(box.value);
    this.#changed();
  }

  reset() {
    this.input.value = "";
    this.filters = { query: "", ranks: new Set(RANK_ORDER), category: "", district: "" };
    this.#buildFilters();
    this.#closeSuggestions();
    this.#changed();
  }

  sorted(features) {
    const collator = new Intl.Collator(lang() === "vi" ? "vi" : "en");
    return features.sort((a, b) =>
      RANK_ORDER.indexOf(a.properties.rank) - RANK_ORDER.indexOf(b.properties.rank)
      || collator.compare(a.properties.name_vi, b.properties.name_vi));
  }

  render() {
    const all = [...this.sites.values()];
    const shown = this.sorted(all.filter((f) => this.matches(f)));
    const located = shown.filter((f) => f.geometry);
    const unlocated = shown.filter((f) => !f.geometry);
    const totalLocated = all.filter((f) => f.geometry).length;
    $("#result-count").textContent = t("resultCount",
      { shown: located.length, total: totalLocated, unlocated: unlocated.length });
    this.#renderList($("#located-list"), located, false);
    this.#renderList($("#unlocated-list"), unlocated, true);
  }

  #renderList(list, features, unlocated) {
    const items = features.slice(0, MAX_LIST).map((feature) => {
      const p = feature.properties;
      const districts = (p.districts || []).map((d) => d.name_vi).join(", ");
      const meta = unlocated ? [t("notSurveyed"), rankLabel(p.rank)] : [rankLabel(p.rank), districts];
      return el("li", {},
        el("button", { type: "button", dataset: { site: feature.id }, onclick: () => this.onSelect(feature.id) },
          markerIcon(p.rank),
          el("span", {}, p.name_vi, el("span", { className: "meta" }, meta.filter(Boolean).join(" · ")))));
    });
    if (!features.length) items.push(el("li", { className: "hint" }, t("noMatch")));
    if (features.length > MAX_LIST) items.push(el("li", { className: "hint" }, `… +${features.length - MAX_LIST}`));
    replace(list, items);
  }

  #buildFilters() {
    const rankBox = $("#rank-filter");
    this.rankBoxes = RANK_ORDER.map((rank) => el("input", {
      type: "checkbox", value: rank, checked: this.filters.ranks.has(rank), id: `rank-${rank}`,
      onchange: (event) => {
        if (event.target.checked) this.filters.ranks.add(rank); else this.filters.ranks.delete(rank);
        this.#changed();
      },
    }));
    replace(rankBox, RANK_ORDER.map((rank, i) =>
      el("label", { for: `rank-${rank}` }, this.rankBoxes[i], markerIcon(rank), rankLabel(rank))));

    const category = $("#category-filter");
    replace(category, el("option", { value: "" }, t("allCategories")),
      CATEGORY_ORDER.map((c) => el("option", { value: c }, categoryLabel(c))));
    category.value = this.filters.category;
    category.onchange = () => { this.filters.category = category.value; this.#changed(); };

    const units = new Map();
    for (const feature of this.sites.values()) {
      for (const d of feature.properties.districts || []) units.set(d.id, d.name_vi);
    }
    const collator = new Intl.Collator("vi");
    const district = $("#district-filter");
    replace(district, el("option", { value: "" }, t("allDistricts")),
      [...units].sort((a, b) => collator.compare(a[1], b[1]))
        .map(([id, name]) => el("option", { value: id }, name)));
    district.value = this.filters.district;
    district.onchange = () => { this.filters.district = district.value; this.#changed(); };

    $("#filters-reset").onclick = () => this.reset();
  }

  #changed() {
    this.render();
    if (document.activeElement === this.input && this.input.value.trim()) this.#suggest();
    this.onChange();
  }

  #bindSearch() {
    this.input.addEventListener("input", () => this.#onInput());
    this.input.addEventListener("keydown", (event) => this.#onKey(event));
    // Close on blur, unless the input got the focus back meanwhile (a quick click back into it).
    this.input.addEventListener("blur", () => setTimeout(() => {
      if (document.activeElement !== this.input) this.#closeSuggestions();
    }, 150));
    this.input.addEventListener("focus", () => { if (this.input.value.trim()) this.#suggest(); });
  }

  #onInput() {
    this.filters.query = fold(this.input.value);
    this.render();
    this.onChange();
    if (this.filters.query) this.#suggest(); else this.#closeSuggestions();
  }

  #suggest() {
    const query = this.filters.query;
    const found = [...this.sites.values()].filter((f) => this.matches(f));
    // names starting with the query first, then by rank and name
    const starts = (f) => (fold(f.properties.name_vi).includes(` ${query}`) || fold(f.properties.name_vi).startsWith(query) ? 0 : 1);
    const ranked = this.sorted(found).sort((a, b) => starts(a) - starts(b)).slice(0, MAX_SUGGESTIONS);
    this.suggestions = ranked;
    this.active = -1;
    replace(this.listbox, ranked.map((feature, i) => el("li", {
      role: "option", id: `suggestion-${i}`, "aria-selected": "false", dataset: { site: feature.id },
      // mousedown, not click: the input keeps focus and the list does not close first
      onmousedown: (event) => { event.preventDefault(); this.#choose(i); },
    }, markerIcon(feature.properties.rank),
    el("span", {}, feature.properties.name_vi,
      el("span", { className: "sub" }, feature.geometry ? ` · ${rankLabel(feature.properties.rank)}` : ` · ${t("notSurveyed")}`)))));
    const open = ranked.length > 0;
    this.listbox.hidden = !open;
    this.input.setAttribute("aria-expanded", String(open));
    this.input.removeAttribute("aria-activedescendant");
  }

  #closeSuggestions() {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  }

  #highlight(index) {
    const options = [...this.listbox.children];
    if (!options.length) return;
    this.active = (index + options.length) % options.length;
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === this.active)));
    this.input.setAttribute("aria-activedescendant", options[this.active].id);
    options[this.active].scrollIntoView({ block: "nearest" });
  }

  #onKey(event) {
    const open = !this.listbox.hidden;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) this.#suggest();
      this.#highlight(this.active + 1);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      this.#highlight(this.active - 1);
    } else if (event.key === "Enter" && open) {
      event.preventDefault();
      this.#choose(this.active >= 0 ? this.active : 0);
    } else if (event.key === "Escape") {
      if (open) this.#closeSuggestions(); else this.setQuery("");
    }
  }

  #choose(index) {
    const feature = this.suggestions && this.suggestions[index];
    if (!feature) return;
    this.#closeSuggestions();
    this.onSelect(feature.id);
  }
}
