// gridplan editing map (Streamlit Components v2, no iframe). See ui/editmap/__init__.py for the protocol.
// The plan lives here: units (simplified geometry, grid id, names, counts) and grids (outline,
// figures) arrive once per epoch; afterwards only deltas arrive and only commands leave.
// Text from the data (estate, building, grid names) goes into the DOM with textContent only.

const MODELS = (window.__gpEditmapModels = window.__gpEditmapModels || {});
const SELECTED = "#00e5ff";
const CURRENT = "#ff6600";
// Above this many units the map draws on one canvas (a restyle repaints only the unit's box)
// instead of one SVG path per unit (where a restyle made Chromium repaint the whole layer).
const CANVAS_ABOVE = 3000;

function loadLeaflet(base) {
  if (window.L) return Promise.resolve(window.L);
  if (!window.__gpLeaflet) {
    window.__gpLeaflet = new Promise((resolve, reject) => {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = base + "/leaflet/dist/leaflet.css";
      document.head.appendChild(css);
      const s = document.createElement("script");
      s.src = base + "/leaflet/dist/leaflet.js";
      s.onload = () => resolve(window.L);
      s.onerror = () => reject(new Error("Leaflet not found at " + s.src + ": run `make assets`"));
      document.head.appendChild(s);
    });
  }
  return window.__gpLeaflet;
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function inside(pt, poly) {            // ray casting; pt [lat, lng], poly [[lat, lng], ...]
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [yi, xi] = poly[i], [yj, xj] = poly[j];
    if ((yi > pt[0]) !== (yj > pt[0]) && pt[1] < ((xj - xi) * (pt[0] - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

// the unit layer's rings: integers of `quantum` degrees, delta-encoded from `origin` (see
// ui/editmap/__init__.py encode_polygons) -> Leaflet [lat, lng] arrays (polygon or multipolygon)
function decode(polys, origin, quantum) {
  const out = polys.map((rings) => rings.map((r) => {
    const ring = new Array(r.length / 2);
    let x = origin[0], y = origin[1];
    for (let i = 0, k = 0; i < r.length; i += 2, k++) {
      if (k === 0) { x = origin[0] + r[0]; y = origin[1] + r[1]; } else { x += r[i]; y += r[i + 1]; }
      ring[k] = [Math.round(y) * quantum, Math.round(x) * quantum];
    }
    return ring;
  }));
  return out.length === 1 ? out[0] : out;
}

function afterPaint(fn) { requestAnimationFrame(() => setTimeout(fn, 0)); }

class EditMap {
  constructor(root) {
    this.root = root;
    this.mapEl = root.querySelector(".gp-em-map");
    this.panel = root.querySelector(".gp-em-panel");
    this.model = null;
    this.selection = new Set();
    this.current = null;
    this.tool = "select";
    this.pending = null;
    this.seq = 0;
    this.asked = null;
    this.marked = new Set();           // units of a grid being split (dimmed until the answer)
    this.stats = { select_ms: [], visible_ms: [], confirmed_ms: [], phases: [], full: [], applied: 0 };
    this.onKey = (e) => this.key(e);
    document.addEventListener("keydown", this.onKey);
    this.onUp = () => this.strokeEnd();
    document.addEventListener("mouseup", this.onUp);
    window.__gpEditmap = this;
  }

  destroy() {
    document.removeEventListener("keydown", this.onKey);
    document.removeEventListener("mouseup", this.onUp);
    if (this.map) this.map.remove();
    if (window.__gpEditmap === this) delete window.__gpEditmap;
  }

  // ------------------------------------------------------------------ data in
  receive(data) {
    if (data === this.data) return;
    this.data = data;
    this.text = data.text || {};
    if (!this.map) this.makeMap(data);
    if (data.full) {
      const tf = performance.now();
      const f = data.full, L0 = f.layer, units = new Map();
      for (let i = 0; i < L0.ids.length; i++) {
        units.set(L0.ids[i], { id: L0.ids[i], grid: f.assign[i], hh: L0.hh[i], pm: L0.pm[i], community: L0.community[i],
          estate: L0.estate[i], building: L0.building[i], pt: L0.pt[i], latlngs: decode(L0.shapes[i], L0.origin, L0.quantum) });
      }
      this.model = { epoch: data.epoch, rev: data.rev, units, grids: data.full.grids,
        figures: data.full.figures, bounds: data.full.bounds, canUndo: data.can_undo, canRedo: data.can_redo,
        undo: [], redo: [] };
      MODELS[data.epoch] = this.model;
      this.drawAll();
      const built = performance.now() - tf;
      afterPaint(() => this.stats.full.push({ server_ms: f.built_ms, decode_draw_ms: built, painted_ms: performance.now() - tf }));
      return;
    }
    if (!this.model || this.model.epoch !== data.epoch) {
      this.model = MODELS[data.epoch] || null;
      if (this.model) this.drawAll();
    }
    if (!this.model) return this.askFull();
    if (this.model.rev === data.rev) { if (!this.drawn) this.drawAll(); this.panelText(); return; }
    if (data.delta && data.delta.rev === this.model.rev + 1) { if (!this.drawn) this.drawAll(); return this.applyDelta(data.delta); }
    this.askFull();
  }

  askFull() {
    const tag = this.data.epoch + ":" + this.data.rev;
    if (this.asked === tag) return;
    this.asked = tag;
    this.setTrigger("need_full", tag + ":" + Date.now());
  }

  // ------------------------------------------------------------------ drawing
  makeMap(data) {
    const L = window.L;
    this.mapEl.style.height = (data.height || 640) + "px";
    this.map = L.map(this.mapEl, { zoomSnap: 0.25, boxZoom: false, doubleClickZoom: false });
    if (data.tiles && data.tiles.url) L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution || "", subdomains: data.tiles.subdomains || "abc", maxZoom: 19 }).addTo(this.map);
    this.unitLayer = L.featureGroup().addTo(this.map);
    this.outlineLayer = L.featureGroup().addTo(this.map);
    this.labelLayer = L.layerGroup().addTo(this.map);
    this.map.on("moveend", () => { this.saveView(); this.updateLabels(); });
    this.map.on("mousemove", (e) => { this.lassoMove(e); this.brushMove(e); });
    this.mapEl.addEventListener("mousedown", (e) => this.strokeStart(e), true);
    this.buildPanel();
  }

  viewKey() { return "gridplan.editmap.view." + (this.data.dataset || ""); }

  saveView() {
    if (!this.map || !this.drawn) return;
    const c = this.map.getCenter();
    try { localStorage.setItem(this.viewKey(), JSON.stringify({ c: [c.lat, c.lng], z: this.map.getZoom() })); } catch (e) { /* private mode */ }
  }

  restoreView() {
    let v = null;
    try { v = JSON.parse(localStorage.getItem(this.viewKey()) || "null"); } catch (e) { v = null; }
    if (v && Array.isArray(v.c) && typeof v.z === "number") this.map.setView(v.c, v.z, { animate: false });
    else this.map.fitBounds(this.model.bounds, { animate: false });
  }

  styleOf(u) {
    const g = this.model.grids[u.grid];
    const sel = this.selection.has(u.id), mark = this.marked.has(u.id);
    return { color: sel ? SELECTED : "#555", weight: sel ? 3 : 0.6, opacity: 1, dashArray: mark ? "3 3" : null,
      fillColor: g ? g.colour : "#999", fillOpacity: sel ? 0.75 : mark ? 0.15 : 0.5 };
  }

  drawAll() {
    const L = window.L;
    const first = !this.drawn;
    this.unitLayer.clearLayers();
    this.outlineLayer.clearLayers();
    this.labelLayer.clearLayers();
    this.unitPaths = new Map();
    this.outlines = new Map();
    this.labels = new Map();
    const big = this.model.units.size > CANVAS_ABOVE;
    if (big && !this.canvas) this.canvas = L.canvas({ padding: 0.3, tolerance: 0 });
    this.renderer = big ? this.canvas : undefined;
    this.mapEl.setAttribute("data-renderer", big ? "canvas" : "svg");
    for (const u of this.model.units.values()) {
      const layer = L.polygon(u.latlngs, { ...this.styleOf(u), renderer: this.renderer });
      layer.gpUnit = u.id;
      layer.on("click", (e) => this.unitClick(u, e));
      layer.on("mousedown", () => this.paint(u));
      layer.on("mouseover", () => { this.paint(u); this.hover(u, layer); });
      layer.addTo(this.unitLayer);
      this.unitPaths.set(u.id, layer);
    }
    for (const [gid, g] of Object.entries(this.model.grids)) this.drawGrid(gid, g);
    this.drawn = true;
    if (first) this.restoreView();
    this.refreshList();
    this.panelText();
    this.updateLabels();
  }

  drawGrid(gid, g) {
    const L = window.L;
    const old = this.outlines.get(gid);
    if (old) this.outlineLayer.removeLayer(old);
    const oldLabel = this.labels.get(gid);
    if (oldLabel) this.labelLayer.removeLayer(oldLabel);
    const isCur = gid === this.current;
    const o = g.outline;
    const outline = L.polygon(decode(o.shapes, o.origin, o.quantum), { interactive: false, renderer: this.renderer,
      color: isCur ? CURRENT : "#222", weight: isCur ? 4 : 1.6, fill: false });
    outline.addTo(this.outlineLayer);
    this.outlines.set(gid, outline);
    const marker = L.marker(g.label, { interactive: false, keyboard: false,
      icon: L.divIcon({ className: "gp-em-label", html: "", iconSize: null }) });
    marker.gpText = g.name + (g.locked ? " 🔒" : "");
    marker.on("add", () => { const e = marker.getElement(); if (e) e.textContent = marker.gpText; });
    this.labels.set(gid, marker);
  }

  updateLabels() {
    if (!this.map || !this.labels || !this.map._loaded) return;
    for (const [gid, marker] of this.labels) {
      const outline = this.outlines.get(gid);
      let show = false;
      if (outline) {
        const b = outline.getBounds();
        const w = this.map.latLngToContainerPoint(b.getNorthEast()).x - this.map.latLngToContainerPoint(b.getSouthWest()).x;
        show = w > 7 * marker.gpText.length + 16 && this.map.getBounds().intersects(b);
      }
      const on = this.labelLayer.hasLayer(marker);
      if (show && !on) marker.addTo(this.labelLayer);
      else if (!show && on) this.labelLayer.removeLayer(marker);
    }
  }

  restyle(ids) {
    for (const id of ids) {
      const u = this.model.units.get(id), p = this.unitPaths.get(id);
      if (u && p) p.setStyle(this.styleOf(u));
    }
  }

  hover(u, layer) {
    if (this.stroke) return;
    const g = this.model.grids[u.grid];
    const text = [u.estate, u.building].filter(Boolean).join(" ") + " · " + (g ? g.name : u.grid) + " · " + u.hh + (this.text.em_hh || "");
    layer.unbindTooltip();
    layer.bindTooltip(text, { sticky: true }).openTooltip();
  }

  // ------------------------------------------------------------------ panel
  buildPanel() {
    const p = this.panel;
    p.textContent = "";
    this.search = el("input", { type: "search", "data-testid": "em-search", list: "gp-em-estates" });
    this.estateList = el("datalist", { id: "gp-em-estates" });
    this.search.addEventListener("change", () => this.find(this.search.value));
    this.search.addEventListener("keydown", (e) => { if (e.key === "Enter") this.find(this.search.value); });
    const tools = el("div", { class: "gp-em-row" });
    this.toolButtons = {};
    for (const tool of ["select", "brush", "lasso"]) {
      const b = el("button", { type: "button", "data-tool": tool });
      b.addEventListener("click", () => this.setTool(tool));
      tools.appendChild(b);
      this.toolButtons[tool] = b;
    }
    this.gridSelect = el("select", { size: "9", "data-testid": "em-grids" });
    this.gridSelect.addEventListener("change", () => this.pickGrid(this.gridSelect.value, true));
    this.info = el("div", { class: "gp-em-info" });
    const ops = el("div", { class: "gp-em-row" });
    this.opButtons = {};
    for (const op of ["move", "merge", "split", "lock"]) {
      const b = el("button", { type: "button", "data-op": op });
      b.addEventListener("click", () => this.op(op));
      ops.appendChild(b);
      this.opButtons[op] = b;
    }
    const hist = el("div", { class: "gp-em-row" });
    for (const op of ["undo", "redo", "clear"]) {
      const b = el("button", { type: "button", "data-op": op });
      b.addEventListener("click", () => this.op(op));
      hist.appendChild(b);
      this.opButtons[op] = b;
    }
    this.status = el("div", { class: "gp-em-status", "data-testid": "em-status", role: "status" });
    this.figures = el("div", { class: "gp-em-figures", "data-testid": "em-figures" });
    this.legend = el("details", { class: "gp-em-legend" });
    this.legendSummary = el("summary");
    this.legendBody = el("div");
    this.legend.append(this.legendSummary, this.legendBody);
    this.hint = el("div", { class: "gp-em-info" });
    p.append(this.search, this.estateList, tools, this.gridSelect, this.info, ops, hist, this.status, this.figures, this.legend, this.hint);
  }

  panelText() {
    if (!this.model) return;
    const T = this.text;
    this.search.placeholder = T.em_search || "";
    for (const [tool, b] of Object.entries(this.toolButtons)) {
      b.textContent = T["em_tool_" + tool] || tool;
      b.setAttribute("aria-pressed", String(this.tool === tool));
    }
    const cur = this.current && this.model.grids[this.current];
    const labels = { move: T.em_move, merge: T.em_merge, split: T.em_split, lock: cur && cur.locked ? T.em_unlock : T.em_lock,
      undo: T.em_undo, redo: T.em_redo, clear: T.em_clear };
    for (const [op, b] of Object.entries(this.opButtons)) b.textContent = labels[op] || op;
    const busy = !!this.pending;
    this.opButtons.move.disabled = busy || !cur || this.selection.size === 0;
    this.opButtons.merge.disabled = busy || !cur || !this.selectedGrid() || this.selectedGrid() === this.current;
    this.opButtons.split.disabled = busy || !this.targetGrid();
    this.opButtons.lock.disabled = busy || !this.targetGrid();
    this.opButtons.undo.disabled = busy || !this.model.canUndo;
    this.opButtons.redo.disabled = busy || !this.model.canRedo;
    let hh = 0;
    for (const id of this.selection) hh += this.model.units.get(id)?.hh || 0;
    this.info.textContent = (T.em_selected || "") + " " + this.selection.size + " (" + hh + (T.em_hh || "") + ")\n" +
      (T.em_current || "") + " " + (cur ? cur.name + " · " + cur.households + (T.em_hh || "") : (T.em_none || "—"));
    const f = this.model.figures || {};
    this.figures.textContent = (T.em_figures || "") + " " + f.n_grids + " · " + Math.round(100 * (f.share_in_band || 0)) + "% · max |d| " +
      (f.max_abs_dev_pct || 0).toFixed(1) + "% · PP " + (f.mean_polsby_popper || 0).toFixed(2);
    this.legendSummary.textContent = T.em_legend || "";
    this.legendBody.textContent = "";
    for (const [colour, key, border] of [["#4e79a7", "em_legend_grid", "#222"], ["transparent", "em_legend_selected", SELECTED], ["transparent", "em_legend_current", CURRENT]]) {
      const row = el("div");
      const sw = el("span", { class: "gp-em-swatch" });
      sw.style.background = colour;
      sw.style.borderColor = border;
      row.append(sw, document.createTextNode(T[key] || key));
      this.legendBody.appendChild(row);
    }
    this.hint.textContent = (this.tool === "brush" ? (T.em_brush_hint || "") + "\n" : "") + (T.em_keys_hint || "");
  }

  gridLabel(gid) {
    const g = this.model.grids[gid];
    return g.name + " · " + g.households + (this.text.em_hh || "") + (g.locked ? " 🔒" : "") + (g.issue ? " ⚠" : "");
  }

  refreshList(only) {
    const ids = Object.keys(this.model.grids).sort();
    if (!only || !this.options) {
      this.gridSelect.textContent = "";
      this.options = new Map();
      for (const gid of ids) {
        const o = el("option", { value: gid }, this.gridLabel(gid));
        this.options.set(gid, o);
        this.gridSelect.appendChild(o);
      }
      const names = new Set();
      for (const u of this.model.units.values()) if (u.estate) names.add(u.estate);
      this.estateList.textContent = "";
      for (const n of [...names].sort()) { const o = el("option"); o.value = n; this.estateList.appendChild(o); }
    } else {
      for (const gid of only) {
        const o = this.options.get(gid);
        if (o && this.model.grids[gid]) o.textContent = this.gridLabel(gid);
        else if (o) { o.remove(); this.options.delete(gid); }
        else if (this.model.grids[gid]) {
          const n = el("option", { value: gid }, this.gridLabel(gid));
          const next = ids[ids.indexOf(gid) + 1];
          this.gridSelect.insertBefore(n, next ? this.options.get(next) || null : null);
          this.options.set(gid, n);
        }
      }
    }
    if (this.current) this.gridSelect.value = this.current;
  }

  say(kind, text) {
    this.status.setAttribute("data-kind", kind);
    this.status.textContent = text;
  }

  // ------------------------------------------------------------------ interaction
  setTool(tool) {
    this.tool = tool;
    this.mapEl.classList.toggle("gp-em-brush", tool === "brush");
    this.mapEl.classList.toggle("gp-em-lasso", tool === "lasso");
    if (tool === "brush" && !this.current) {
      const g = this.selectedGrid();
      if (g) this.pickGrid(g, false);
    }
    this.panelText();
  }

  selectedGrid() {
    for (const id of this.selection) return this.model.units.get(id)?.grid || null;
    return null;
  }

  targetGrid() { return this.current || this.selectedGrid(); }

  pickGrid(gid, frame) {
    if (!this.model.grids[gid]) return;
    const prev = this.current;
    this.current = gid;
    if (prev && this.model.grids[prev]) this.drawGrid(prev, this.model.grids[prev]);
    this.drawGrid(gid, this.model.grids[gid]);
    this.updateLabels();
    if (frame) this.map.fitBounds(this.outlines.get(gid).getBounds(), { animate: false, maxZoom: 18 });
    this.gridSelect.value = gid;
    this.panelText();
  }

  unitClick(u, e) {
    if (this.tool !== "select") return;
    const t0 = e && e.originalEvent ? e.originalEvent.timeStamp : performance.now();
    if (this.selection.has(u.id)) this.selection.delete(u.id);
    else this.selection.add(u.id);
    this.restyle([u.id]);
    this.panelText();
    afterPaint(() => this.stats.select_ms.push(performance.now() - t0));
  }

  clearSelection() {
    const ids = [...this.selection];
    this.selection.clear();
    this.restyle(ids);
    this.panelText();
  }

  setSelection(ids) {
    const old = [...this.selection];
    this.selection = new Set(ids);
    this.restyle(old.concat(ids));
    this.panelText();
  }

  find(query) {
    const q = (query || "").trim().toLowerCase();
    if (!q || !this.model) return;
    const hits = [...this.model.units.values()].filter((u) => u.estate.toLowerCase() === q);
    const found = hits.length ? hits : [...this.model.units.values()].filter((u) => u.estate.toLowerCase().includes(q));
    if (!found.length) return this.say("error", (this.text.em_not_found || "") + " " + query);
    const b = window.L.latLngBounds([]);
    for (const u of found) b.extend(this.unitPaths.get(u.id).getBounds());
    this.map.fitBounds(b, { animate: false, maxZoom: 18 });
    this.setSelection(found.map((u) => u.id));
  }

  key(e) {
    if (!this.model || !this.root.isConnected) return;
    const tag = (e.target && e.target.tagName) || "";
    if (e.key === "Escape") { this.clearSelection(); this.strokeCancel(); return; }
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    const k = e.key.toLowerCase();
    if ((e.ctrlKey || e.metaKey) && k === "z" && !e.shiftKey) { e.preventDefault(); this.op("undo"); }
    else if ((e.ctrlKey || e.metaKey) && (k === "y" || (k === "z" && e.shiftKey))) { e.preventDefault(); this.op("redo"); }
  }

  // brush and lasso strokes
  strokeStart(e) {
    if (e.button !== 0 || !this.model || this.tool === "select") return;
    if (this.tool === "brush") {
      if (!this.current) { this.say("error", this.text.em_brush_hint || ""); return; }
      if (this.pending) return;
      this.stroke = { kind: "brush", painted: new Map(), t0: e.timeStamp };
    } else {
      this.stroke = { kind: "lasso", pts: [], line: window.L.polyline([], { color: SELECTED, weight: 2, dashArray: "4 4" }).addTo(this.map) };
    }
    this.map.dragging.disable();
  }

  paint(u) {
    const s = this.stroke;
    if (!s || s.kind !== "brush") return;
    const g = this.model.grids[this.current], from = this.model.grids[u.grid];
    if (!g || u.grid === this.current || s.painted.has(u.id) || u.community !== g.community || g.locked || (from && from.locked)) return;
    s.painted.set(u.id, u.grid);
    u.grid = this.current;
    this.restyle([u.id]);
  }

  unitAt(latlng) {                      // the unit under a point (bounding boxes, then ray casting)
    const pt = [latlng.lat, latlng.lng];
    for (const [id, p] of this.unitPaths) {
      if (!p.getBounds().contains(latlng)) continue;
      const rings = p.getLatLngs();
      const polys = Array.isArray(rings[0]) && Array.isArray(rings[0][0]) ? rings : [rings];
      for (const poly of polys) if (inside(pt, poly[0].map((q) => [q.lat, q.lng]))) return this.model.units.get(id);
    }
    return null;
  }

  brushMove(e) {                        // canvas layers report hover at most every 32 ms: test the point too
    if (!this.stroke || this.stroke.kind !== "brush" || this.renderer === undefined) return;
    const u = this.unitAt(e.latlng);
    if (u) this.paint(u);
  }

  lassoMove(e) {
    const s = this.stroke;
    if (!s || s.kind !== "lasso") return;
    s.pts.push([e.latlng.lat, e.latlng.lng]);
    s.line.addLatLng(e.latlng);
  }

  strokeCancel() {
    const s = this.stroke;
    if (!s) return;
    this.stroke = null;
    this.map.dragging.enable();
    if (s.kind === "brush") {
      for (const [id, g] of s.painted) this.model.units.get(id).grid = g;
      this.restyle([...s.painted.keys()]);
    } else this.map.removeLayer(s.line);
  }

  strokeEnd() {
    const s = this.stroke;
    if (!s) return;
    this.stroke = null;
    this.map.dragging.enable();
    if (s.kind === "lasso") {
      this.map.removeLayer(s.line);
      if (s.pts.length > 2) this.setSelection([...this.model.units.values()].filter((u) => inside(u.pt, s.pts)).map((u) => u.id));
      return;
    }
    if (!s.painted.size) return;
    const ids = [...s.painted.keys()];
    afterPaint(() => this.stats.visible_ms.push(performance.now() - s.t0));
    this.send({ op: "move", units: ids, to: this.current }, s.painted, s.t0);
  }

  op(op) {
    if (!this.model || this.pending) return;
    const t0 = performance.now();
    if (op === "clear") return this.clearSelection();
    if (op === "undo" || op === "redo") {
      if (!(op === "undo" ? this.model.canUndo : this.model.canRedo)) return;
      // the browser keeps the steps it has seen (before/after of every answered edit): an undo
      // or redo it knows is shown at once, then confirmed or rolled back like a move
      const stack = op === "undo" ? this.model.undo : this.model.redo;
      const step = stack.length ? stack[stack.length - 1] : null;
      const snap = new Map(), gsnap = new Map();
      if (step) this.applyStep(step, op === "undo" ? 0 : 1, snap, gsnap);
      if (snap.size || gsnap.size) afterPaint(() => this.stats.visible_ms.push(performance.now() - t0));
      return this.send({ op }, snap, t0, gsnap);
    }
    const target = this.targetGrid();
    if (op === "move") {
      if (!this.current || !this.selection.size) return;
      const snap = new Map();
      for (const id of this.selection) {
        const u = this.model.units.get(id);
        if (u.grid === this.current) continue;
        snap.set(id, u.grid);
        u.grid = this.current;
      }
      if (!snap.size) return;
      this.restyle([...snap.keys()]);
      afterPaint(() => this.stats.visible_ms.push(performance.now() - t0));
      return this.send({ op: "move", units: [...snap.keys()], to: this.current }, snap, t0);
    }
    if (op === "merge") {
      const other = this.selectedGrid();
      if (!this.current || !other || other === this.current) return;
      const snap = new Map();
      for (const u of this.model.units.values()) if (u.grid === other) { snap.set(u.id, u.grid); u.grid = this.current; }
      this.restyle([...snap.keys()]);
      afterPaint(() => this.stats.visible_ms.push(performance.now() - t0));
      return this.send({ op: "merge", a: this.current, b: other }, snap, t0);
    }
    if (!target) return;
    if (op === "split") {             // the engine draws the new line: mark the grid until it answers
      const ids = [];
      for (const u of this.model.units.values()) if (u.grid === target) { ids.push(u.id); this.marked.add(u.id); }
      this.restyle(ids);
      afterPaint(() => this.stats.visible_ms.push(performance.now() - t0));
      return this.send({ op: "split", grid: target, k: 2 }, new Map(), t0);
    }
    if (op === "lock") {              // (un)lock at once: the grid's label and list entry show it
      const g = this.model.grids[target], gsnap = new Map([[target, g]]);
      this.setGrid(target, { ...g, locked: !g.locked });
      afterPaint(() => this.stats.visible_ms.push(performance.now() - t0));
      return this.send({ op: g.locked ? "unlock" : "lock", grid: target }, new Map(), t0, gsnap);
    }
  }

  // one grid's record replaced (or removed with null), redrawn, its list entry updated
  setGrid(gid, rec) {
    if (rec) { this.model.grids[gid] = rec; this.drawGrid(gid, rec); }
    else {
      delete this.model.grids[gid];
      const o = this.outlines.get(gid); if (o) { this.outlineLayer.removeLayer(o); this.outlines.delete(gid); }
      const l = this.labels.get(gid); if (l) { this.labelLayer.removeLayer(l); this.labels.delete(gid); }
    }
    this.refreshList(new Set([gid]));
    this.updateLabels();
  }

  // show one side (0 before, 1 after) of a step; what it replaced goes into snap / gsnap
  applyStep(step, side, snap, gsnap) {
    const ids = [];
    for (const [id, pair] of Object.entries(step.units)) {
      const u = this.model.units.get(id);
      if (!u) continue;
      snap.set(id, u.grid);
      u.grid = pair[side];
      ids.push(id);
    }
    // grids first present on this side before the units are restyled with their colour
    for (const [gid, pair] of Object.entries(step.grids)) {
      gsnap.set(gid, this.model.grids[gid] || null);
      this.setGrid(gid, pair[side]);
    }
    this.restyle(ids);
  }

  send(cmd, snapshot, t0, gsnap) {
    cmd.id = this.model.epoch + ":" + this.model.rev + ":" + ++this.seq;
    cmd.sent_at = Date.now();
    this.pending = { cmd, snapshot, t0, gsnap: gsnap || new Map() };
    this.say("pending", this.text.em_pending || "…");
    this.panelText();
    this.setTrigger("cmd", cmd);
  }

  rollback(mine) {
    for (const [gid, rec] of mine.gsnap) this.setGrid(gid, rec);
    for (const [id, g] of mine.snapshot) { const u = this.model.units.get(id); if (u) u.grid = g; }
    this.restyle([...mine.snapshot.keys()]);
  }

  unmark() {
    if (!this.marked.size) return;
    const ids = [...this.marked];
    this.marked.clear();
    this.restyle(ids);
  }

  // the step an answered edit made (before/after of its units and grids), kept for undo/redo
  stepOf(d, mine) {
    const units = {}, grids = {};
    for (const [id, g] of Object.entries(d.units)) {
      const u = this.model.units.get(id);
      if (!u) continue;
      const before = mine && mine.snapshot.has(id) ? mine.snapshot.get(id) : u.grid;
      units[id] = [before, g];
    }
    for (const gid of [...Object.keys(d.grids), ...d.removed]) {
      const before = mine && mine.gsnap.has(gid) ? mine.gsnap.get(gid) : this.model.grids[gid] || null;
      grids[gid] = [before, d.grids[gid] || null];
    }
    return { units, grids };
  }

  applyDelta(d) {
    const mine = this.pending && d.cmd_id === this.pending.cmd.id ? this.pending : null;
    this.model.rev = d.rev;
    this.model.canUndo = d.can_undo;
    this.model.canRedo = d.can_redo;
    if (mine) this.pending = null;
    this.unmark();
    if (!d.ok) {
      if (mine) this.rollback(mine);
      this.say("error", d.error);
    } else {
      const step = this.stepOf(d, mine), M = this.model;
      if (d.op === "undo") { const s = M.undo.pop(); if (s) M.redo.push(s); }
      else if (d.op === "redo") { const s = M.redo.pop(); if (s) M.undo.push(s); }
      else { M.undo.push(step); M.redo = []; }
      if (!d.can_undo) M.undo = [];
      if (!d.can_redo) M.redo = [];
      if (mine) {                      // what was shown at once but the engine did not change goes back
        for (const [gid, rec] of mine.gsnap) if (!(gid in d.grids) && !d.removed.includes(gid)) this.setGrid(gid, rec);
        for (const [id, g] of mine.snapshot) if (!(id in d.units)) { const u = this.model.units.get(id); if (u) u.grid = g; }
      }
      const changed = new Set(Object.keys(d.units));
      for (const [id, g] of Object.entries(d.units)) { const u = this.model.units.get(id); if (u) u.grid = g; }
      if (mine) for (const id of mine.snapshot.keys()) changed.add(id);
      for (const gid of d.removed) {
        delete this.model.grids[gid];
        const o = this.outlines.get(gid); if (o) { this.outlineLayer.removeLayer(o); this.outlines.delete(gid); }
        const l = this.labels.get(gid); if (l) { this.labelLayer.removeLayer(l); this.labels.delete(gid); }
        if (this.current === gid) this.current = null;
      }
      for (const [gid, g] of Object.entries(d.grids)) { this.model.grids[gid] = g; this.drawGrid(gid, g); }
      // units of touched grids take their grid's (possibly new) colour
      for (const u of this.model.units.values()) if (d.grids[u.grid]) changed.add(u.id);
      this.model.figures = d.figures || this.model.figures;
      this.restyle(changed);
      this.refreshList(new Set([...Object.keys(d.grids), ...d.removed]));
      this.updateLabels();
      const v = d.violations && d.violations.length ? "\n" + d.violations.join("\n") : "";
      this.say(v ? "error" : "ok", (this.text.em_confirmed || "") + " " + (this.text["em_" + d.op] || d.op) + v);
      if (d.op === "move" && mine) for (const id of mine.snapshot.keys()) this.selection.delete(id);
    }
    this.panelText();
    this.stats.applied += 1;
    if (mine) {
      const got = Date.now(), tm = d.timing || {};
      afterPaint(() => {
        this.stats.confirmed_ms.push(performance.now() - mine.t0);
        // where the time went (ms): browser -> server, engine, delta, fragment start, map element sent, -> browser, applied and painted
        if (tm.recv) this.stats.phases.push({ to_server: tm.recv - mine.cmd.sent_at, engine: tm.engine - tm.recv, delta: tm.delta - tm.engine,
          to_fragment: (tm.frag || tm.delta) - tm.delta, fragment_to_map: (tm.sent || tm.delta) - (tm.frag || tm.delta),
          to_browser: got - (tm.sent || tm.delta), paint: Date.now() - got, total: Date.now() - mine.cmd.sent_at });
      });
    }
  }

  // ------------------------------------------------------------------ test and bench helpers
  unitScreenPoint(id) {
    const u = this.model.units.get(id);
    const p = this.map.latLngToContainerPoint(u.pt);
    const r = this.mapEl.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }

  focusUnits(ids) {
    const b = window.L.latLngBounds([]);
    for (const id of ids) b.extend(this.unitPaths.get(id).getBounds());
    this.map.fitBounds(b, { animate: false, maxZoom: 19, padding: [60, 60] });
  }

  snapshot() {
    const grids = {};
    for (const [gid, g] of Object.entries(this.model.grids)) grids[gid] = { households: g.households, name: g.name, locked: g.locked };
    const units = {};
    for (const [id, u] of this.model.units) units[id] = u.grid;
    return { rev: this.model.rev, pending: !!this.pending, selection: [...this.selection], current: this.current, marked: [...this.marked],
      figures: this.model.figures, grids, units, view: this.map.getCenter(), zoom: this.map.getZoom() };
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  // Our own DOM, appended to the component's element (never the component's html, which the
  // page may re-render); rebuilt if it was detached.
  let em = parentElement.__gpEm;
  if (!em || !em.root.isConnected || em.root.parentNode !== parentElement) {
    if (em) em.destroy();
    const root = el("div", { class: "gp-em", "data-testid": "em-root" });
    root.append(el("div", { class: "gp-em-map", "data-testid": "em-map" }), el("div", { class: "gp-em-panel" }));
    parentElement.appendChild(root);
    em = parentElement.__gpEm = new EditMap(root);
  }
  const root = em.root;
  const gen = (em.gen = (em.gen || 0) + 1);
  em.setTrigger = setTriggerValue;
  em.latest = data;
  loadLeaflet(data.static).then(() => em.receive(em.latest)).catch((err) => {
    console.error("gridplan editmap " + err.stack); root.querySelector(".gp-em-map").textContent = String(err.message || err);
  });
  // Streamlit may call the previous render's cleanup around a data update as well as on
  // unmount: tear down only when no newer render has reused this map in the meantime.
  return () => setTimeout(() => {
    if (em.gen !== gen || parentElement.isConnected) return;
    em.destroy();
    root.remove();
    delete parentElement.__gpEm;
  }, 0);
}
