// The /explore page: toolbar, filters, search, details panel, paths, comparison, timeline, exports — all
// state in the URL (embed=1 draws just the picture). Everything shown comes from /api/graph, /api/node
// and /api/timeline; values are rendered with textContent only.

import { compareNodes, adjacency, shortestPaths } from "./analysis.js";
import { figurePNG, figureSVG } from "./figure.js";
import { createGraph, legendRelations, renderLegend } from "./graph.js";
import { drawTimeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const on = (id, event, fn) => { const node = $(id); if (node) node.addEventListener(event, fn); };
const meta = JSON.parse($("explore-meta").textContent);
// kinds that one click adds to the agencies' view, with the relations that bring them in
const ADDABLE = ["division", "predecessor", "topic", "page", "source", "group", "relief"];
// what the timeline can be narrowed to: an organization, or a hotline or program (its operators, funders)
const TIMELINE_KINDS = ["department", "unit", "organization", "hotline", "program"];

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// A link to an outside source: only http(s) addresses become links, anything else stays text.
function sourceLink(c) {
  const text = c.title || c.source || c.graph;
  return /^https?:\/\//.test(c.source || "") ? el("a", text, { href: c.source, rel: "noopener" }) : el("span", text);
}

function citationNodes(citations) {
  return (citations || []).map((c) => {
    if (c.quote) return el("blockquote", c.quote, { class: "cite" });
    const p = el("p", "Outside source: ", { class: "small" });
    p.append(sourceLink(c));
    return p;
  });
}

// ---- state <-> URL -----------------------------------------------------------------------------

const same = (a, b) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

function readState(defaults) {
  const q = new URLSearchParams(location.search);
  const list = (k) => q.getAll(k).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  const kind = list("kind"), relation = list("relation");
  const preset = !kind.length && !relation.length;        // no filter in the URL: the agencies' view
  return {
    relation: preset ? [...defaults.relation] : relation,  // an empty list: every relation (every kind)
    kind: preset ? [...defaults.kind] : kind,
    expand: q.getAll("expand").filter(Boolean),
    department: q.get("department") || "", outside: q.get("outside") !== "hide",
    layout: q.get("layout") === "cose" ? "cose" : "dagre",
    selected: q.get("selected") || null, from: q.get("from") || null, to: q.get("to") || null,
    paths: q.get("paths") === "all" ? "all" : "one", through: q.get("through") === "any" ? "any" : "agencies",
    a: q.get("a") || null, b: q.get("b") || null,
    view: q.get("view") === "timeline" ? "timeline" : "graph", org: q.get("org") || "",
    filters: q.get("filters") === "open",
    embed: meta.embed,
  };
}

function filterQuery(state) {
  const q = new URLSearchParams();
  if (state.relation.length) q.set("relation", state.relation.join(","));
  if (state.kind.length) q.set("kind", state.kind.join(","));
  if (state.department) q.set("department", state.department);
  if (!state.outside) q.set("outside", "hide");
  return q;
}

function stateQuery(state, defaults) {
  const q = filterQuery(state);
  if (same(state.relation, defaults.relation) && same(state.kind, defaults.kind)) { q.delete("relation"); q.delete("kind"); }
  if (state.layout !== "dagre") q.set("layout", state.layout);
  for (const iri of state.expand) q.append("expand", iri);
  for (const k of ["selected", "from", "to", "a", "b", "org"]) if (state[k]) q.set(k, state[k]);
  if (state.paths === "all") q.set("paths", "all");
  if (state.through === "any") q.set("through", "any");
  if (state.view === "timeline") q.set("view", "timeline");
  if (state.filters) q.set("filters", "open");
  if (state.embed) q.set("embed", "1");
  return q;
}

// ---- data ----------------------------------------------------------------------------------------

async function fetchJSON(url) {
  const resp = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await resp.json();
  if (!resp.ok) throw new Error(body.error ? body.error.message : `HTTP ${resp.status}`);
  return body;
}

function neighbourhood(full, id) {
  const edges = full.elements.edges.filter((e) => e.data.source === id || e.data.target === id);
  const ids = new Set(edges.flatMap((e) => [e.data.source, e.data.target]));
  return { nodes: full.elements.nodes.filter((n) => ids.has(n.data.id)), edges };
}

// ---- the page ------------------------------------------------------------------------------------

async function main() {
  const status = $("status");
  const full = await fetchJSON("/api/graph");
  const defaults = full.defaults || { kind: [], relation: [] };
  const state = readState(defaults);
  const byId = new Map(full.elements.nodes.map((n) => [n.data.id, n.data]));
  const edgeById = new Map(full.elements.edges.map((e) => [e.data.id, e.data]));
  const labelOf = (id) => (byId.get(id) ? byId.get(id).label : id);
  let view = full.overview ? full : await fetchJSON(`/api/graph?${filterQuery(state)}`);
  const learn = (data) => { for (const n of data.elements.nodes) if (!byId.has(n.data.id)) byId.set(n.data.id, n.data); };
  learn(view);

  const graph = createGraph($("cy"), view.elements, {
    layout: state.layout, upward: full.upward || [], styles: full.styles,
    onSelect: (node) => select(node ? node.id() : null, false),
    onExpand: (node) => expand(node.id()),
  });
  const explorer = { graph, state, full, ready: false, readyAt: null, path: [], paths: [] };
  window.htkgExplorer = explorer;

  function writeState() {
    const q = stateQuery(state, defaults).toString();
    history.replaceState(null, "", q ? `${location.pathname}?${q}` : location.pathname);
    const fq = filterQuery(state).toString();
    for (const a of document.querySelectorAll("a[data-export]")) a.search = fq ? `?${fq}` : "";
  }

  // the part of the canvas no panel covers, in canvas pixels
  function freeRect() {
    const c = $("cy").getBoundingClientRect();
    const r = { x1: 0, y1: 0, x2: c.width, y2: c.height };
    const panel = $("panel");
    if (panel && !panel.hidden) {
      const p = panel.getBoundingClientRect();
      if (p.left > c.left + c.width / 3 && p.top < c.bottom) r.x2 = Math.max(40, p.left - c.left - 8);
      else if (p.top > c.top) r.y2 = Math.max(40, p.top - c.top - 8);
    }
    return r;
  }

  function drawnRelations() {
    const used = new Set(graph.cy.edges().map((e) => e.data("relation")));
    return full.relations.filter((r) => used.has(r.id));
  }

  function drawnOutside() {
    return graph.cy.nodes('[origin = "outside"]').nonempty() || graph.cy.edges("[?outside]").nonempty();
  }

  function drawnKinds() {
    const used = new Set(graph.cy.nodes().map((n) => n.data("kind")));
    return full.kinds.filter((k) => used.has(k));
  }

  function describeFilters() {
    const parts = [];
    parts.push(same(state.kind, defaults.kind) && same(state.relation, defaults.relation)
      ? "the agencies and their organisational relations" : `kinds: ${state.kind.join(", ")}; relations: ${
        legendRelations(full.relations.filter((r) => state.relation.includes(r.id))).map((r) => r.label).join(", ")}`);
    if (state.department) parts.push(`department: ${labelOf(state.department)}`);
    if (!state.outside) parts.push("facts from outside the page hidden");
    return parts.join("; ");
  }

  function caption() {
    return `htkg release ${meta.release} — ${describeFilters()} — ${graph.cy.nodes().length} nodes, ` +
      `${graph.cy.edges().length} relations. ${location.href}`;
  }

  let drawing = 0;       // only the latest of overlapping redraws is drawn
  async function redraw() {
    const mine = ++drawing;
    const data = await fetchJSON(`/api/graph?${filterQuery(state)}`);
    if (mine !== drawing) return;
    view = data;
    learn(view);
    await graph.setElements(view.elements);
    for (const id of state.expand) await graph.addElements(neighbourhood(full, id));
    afterDraw();
  }

  function afterDraw() {
    const cy = graph.cy;
    const preset = same(state.kind, defaults.kind) && same(state.relation, defaults.relation);
    status.textContent = `Showing ${cy.nodes().length} nodes and ${cy.edges().length} relations` +
      (preset ? " — the agencies and how they are tied together." : ".") +
      (view.overview ? ` ${view.overview.message}` : "");
    renderLegend($("legend"), drawnKinds(), drawnRelations(), drawnOutside());
    if ($("caption")) $("caption").textContent = caption();
    renderTable();
    if (state.selected && cy.getElementById(state.selected).empty()) state.selected = null;
    graph.select(state.selected, freeRect());
    showPath();
    showCompare();
    writeState();
  }

  function renderTable() {
    const table = $("relations-table");
    if (!table) return;
    const rows = graph.cy.edges().map((e) => e.data()).sort((a, b) =>
      labelOf(a.source).localeCompare(labelOf(b.source)) || a.label.localeCompare(b.label));
    table.tBodies[0].replaceChildren(...rows.map((d) => {
      const tr = el("tr");
      const cell = (id) => {
        const td = el("td");
        const b = el("button", labelOf(id), { type: "button", class: "linklike" });
        b.addEventListener("click", () => select(id, true));
        td.append(b);
        return td;
      };
      const cite = el("td");
      for (const c of d.citations || []) {
        const p = el("p", null, { class: "citation" });
        if (c.quote) p.append(el("q", c.quote));
        else if (c.source) p.append(el("span", "outside source: "), sourceLink(c));
        cite.append(p);
      }
      tr.append(cell(d.source), el("td", d.label), cell(d.target), cite);
      return tr;
    }));
  }

  // ---- selection and the details panel ----------------------------------------------------------

  async function select(id, focusPanel) {
    state.selected = id;
    writeState();
    if (!id) { closePanel(false); return; }
    graph.select(id, freeRect());
    await showPanel(id, focusPanel);
  }

  function closePanel(returnFocus) {
    $("panel").hidden = true;
    state.selected = null;
    graph.select(null);
    writeState();
    if (returnFocus && $("search")) $("search").focus();
  }

  async function showPanel(id, focusPanel) {
    const info = await fetchJSON(`/api/node?iri=${encodeURIComponent(id)}`);
    if (state.selected !== id) return;
    $("panel-title").textContent = info.label;
    const dl = el("dl");
    const row = (term, ...values) => { dl.append(el("dt", term)); const dd = el("dd"); dd.append(...values); dl.append(dd); };
    row("Kind", el("span", info.kind, { class: "badge" }));
    if (info.altLabels.length) row("Also called", info.altLabels.join(", "));
    if (info.departments.length) row("Department", info.departments.map((d) => d.label).join(", "));
    row("Known from", info.origin === "outside" ? "only sources outside the page"
      : info.origin === "page" ? "the page" : "the project's vocabulary");
    const actions = el("p", null, { class: "panel-actions" });
    if (info.path) actions.append(el("a", "Open resource page", { href: info.path, id: "panel-link" }));
    if (!state.embed) {
      const btn = (text, fn, idAttr) => { const b = el("button", text, { type: "button", id: idAttr }); b.addEventListener("click", fn); return b; };
      actions.append(btn("Expand neighbours", () => expand(id), "panel-expand"),
                     btn("Path from here", () => setEnd("from", id), "panel-from"),
                     btn("Path to here", () => setEnd("to", id), "panel-to"),
                     btn("Compare…", () => setCompare(id), "panel-compare"));
      if (TIMELINE_KINDS.includes(info.kind)) {
        actions.append(btn("Timeline", () => openTimeline(id), "panel-timeline"));
      }
    }
    const parts = [actions];
    if (info.description) parts.push(el("p", info.description, { class: "description" }));
    parts.push(dl);
    if (info.relations.length) {
      parts.push(el("h3", "Relations"));
      const ul = el("ul", null, { class: "panel-relations" });
      for (const r of info.relations) {
        const li = el("li");
        li.append(el("strong", r.sourceLabel), document.createTextNode(` ${r.label} `), el("strong", r.targetLabel),
                  ...citationNodes(r.citations));
        ul.append(li);
      }
      parts.push(ul);
    }
    $("panel-body").replaceChildren(...parts);
    $("panel").hidden = false;
    graph.select(id, freeRect());           // now that the panel is open, keep the node clear of it
    if (focusPanel) $("panel").focus();
  }

  // ---- expand, path, compare ---------------------------------------------------------------------

  async function expand(id) {
    if (!state.expand.includes(id)) state.expand.push(id);
    await graph.addElements(neighbourhood(full, id));
    afterDraw();
  }

  async function ensureDrawn(nodeIds, edgeIds) {
    const missing = nodeIds.some((n) => graph.cy.getElementById(n).empty()) ||
      edgeIds.some((e) => graph.cy.getElementById(e).empty());
    if (!missing) return;
    await graph.addElements({ nodes: full.elements.nodes.filter((n) => nodeIds.includes(n.data.id)),
                              edges: full.elements.edges.filter((e) => edgeIds.includes(e.data.id)) });
    renderLegend($("legend"), drawnKinds(), drawnRelations(), drawnOutside());
  }

  function setEnd(end, id) {
    state[end] = id;
    if (state.from && state.to && !$("panel").hidden) closePanel(false);   // the path takes the canvas
    if ($("filters") && $("explorer").classList.contains("filters-closed")) toggleFilters(true);
    showPath();
    writeState();
  }

  async function showPath() {
    if (!$("path-from")) return;
    $("path-from").textContent = state.from ? labelOf(state.from) : "—";
    $("path-to").textContent = state.to ? labelOf(state.to) : "—";
    $("path-all").checked = state.paths === "all";
    $("path-any").checked = state.through === "any";
    const result = $("path-result");
    if (!state.from || !state.to) { result.replaceChildren(); explorer.path = []; explorer.paths = []; graph.clearPath(); return; }
    const any = state.through === "any";
    const g = adjacency(full, any ? null : full.pathRelations, any);
    const paths = shortestPaths(g, state.from, state.to, state.paths === "all");
    explorer.paths = paths;
    explorer.path = paths.length ? paths[0].nodes : [];
    if (!paths.length) {
      graph.clearPath();
      result.replaceChildren(el("p", any ? "These two are not connected."
        : "Not connected through the organisational relations; tick “through any kind of node” to look further."));
      return;
    }
    const nodes = [...new Set(paths.flatMap((p) => p.nodes))], edges = [...new Set(paths.flatMap((p) => p.edges))];
    await ensureDrawn(nodes, edges);
    graph.showPath(nodes, edges, freeRect());
    const parts = [el("p", paths.length > 1 ? `${paths.length} shortest paths of ${paths[0].edges.length} steps:`
      : `Shortest path, ${paths[0].edges.length} step${paths[0].edges.length > 1 ? "s" : ""}:`)];
    for (const p of paths) {
      const ol = el("ol", null, { class: "steps" });
      for (const eid of p.edges) {
        const d = edgeById.get(eid);
        const li = el("li");
        li.append(el("strong", labelOf(d.source)), document.createTextNode(` ${d.label} `), el("strong", labelOf(d.target)),
                  ...citationNodes(d.citations));
        ol.append(li);
      }
      parts.push(ol);
    }
    result.replaceChildren(...parts);
  }

  function setCompare(id) {
    if (!state.a || (state.a && state.b)) { state.a = id; state.b = null; } else if (id !== state.a) state.b = id;
    if ($("explorer").classList.contains("filters-closed")) toggleFilters(true);
    showCompare();
    writeState();
  }

  async function showCompare() {
    if (!$("compare-result")) return;
    $("compare-a").textContent = state.a ? labelOf(state.a) : "—";
    $("compare-b").textContent = state.b ? labelOf(state.b) : "—";
    const result = $("compare-result");
    if (!state.a || !state.b) {
      result.replaceChildren(state.a ? el("p", "Now pick a second node and press Compare… in its details.") : "");
      return;
    }
    const groups = compareNodes(full, state.a, state.b, full.upward || []);
    explorer.compare = groups;
    const ids = [state.a, state.b, ...groups.flatMap((g) => g.ids)];
    await ensureDrawn(ids, []);
    graph.cy.elements().removeClass("compared");
    graph.cy.collection(ids.map((i) => graph.cy.getElementById(i))).addClass("compared");
    if (!groups.length) { result.replaceChildren(el("p", "They share nothing in this graph.")); return; }
    const dl = el("dl", null, { class: "compare" });
    for (const g of groups) {
      dl.append(el("dt", g.heading));
      const dd = el("dd");
      g.ids.forEach((x, i) => {
        const b = el("button", labelOf(x), { type: "button", class: "linklike" });
        b.addEventListener("click", () => select(x, true));
        dd.append(...(i ? [document.createTextNode(", "), b] : [b]));
      });
      dl.append(dd);
    }
    result.replaceChildren(dl);
  }

  // ---- timeline ------------------------------------------------------------------------------------

  async function showTimeline() {
    const box = $("timeline");
    if (!box) return;
    const open = state.view === "timeline";
    box.hidden = !open;
    $("cy").hidden = open;
    $("legend").hidden = open;
    if ($("add-kinds")) $("add-kinds").hidden = open;
    $("toggle-timeline").setAttribute("aria-pressed", String(open));
    if (!open) { graph.cy.resize(); return; }
    const q = state.org ? `?org=${encodeURIComponent(state.org)}` : "";
    $("timeline-org").value = state.org;
    $("timeline-csv").href = `/api/timeline${q ? `${q}&` : "?"}format=csv`;
    $("timeline-json").href = `/api/timeline${q}`;
    let data;
    try { data = await fetchJSON(`/api/timeline${q}`); } catch (err) {
      $("timeline-note").textContent = err.message;
      $("timeline-chart").replaceChildren();
      return;
    }
    explorer.timeline = data;
    $("timeline-note").textContent = `${data.items.length} dated resources (${data.counts.facts} dated facts)` +
      (state.org ? ` naming ${labelOf(state.org)} or an office under it` : "") + ". Bars are periods (pale: no end " +
      "stated), dots are dated events; each links to its source. " + (data.pageDates.length
      ? "The dashed line is the page's own date: what the page said, and what changed after."
      : "The graph does not date the page itself, so no line marks it.");
    drawTimeline($("timeline-chart"), data, $("timeline-chart").clientWidth || 900);
  }

  function openTimeline(org) {
    state.view = "timeline";
    state.org = org || "";
    writeState();
    return showTimeline();
  }

  // ---- controls ------------------------------------------------------------------------------------

  function buildControls() {
    if (!$("filters")) return;
    const dept = $("department");
    for (const d of full.departments) dept.append(el("option", d.label, { value: d.id }));
    dept.value = state.department;
    const org = $("timeline-org");
    for (const n of full.elements.nodes.map((x) => x.data).filter((d) => TIMELINE_KINDS.includes(d.kind))
      .sort((a, b) => a.label.localeCompare(b.label))) org.append(el("option", n.label, { value: n.id }));
    $("outside").checked = state.outside;
    $("layout").value = state.layout;
    // (the departments overview of a big graph lists every kind and relation the ontology has)
    const kinds = full.kinds.filter((k) => full.overview || full.elements.nodes.some((n) => n.data.kind === k));
    for (const k of kinds) {
      const input = el("input", null, { type: "checkbox", value: k, name: "kind" });
      input.checked = state.kind.includes(k);
      const label = el("label");
      label.append(input, document.createTextNode(` ${k}`));
      $("kinds").append(label);
    }
    for (const r of legendRelations(full.relations.filter((x) => x.used || full.overview))) {
      const input = el("input", null, { type: "checkbox", value: r.ids.join(","), name: "relation" });
      input.checked = r.ids.some((i) => state.relation.includes(i));
      const label = el("label", null, { title: r.ids.join(", ") });
      label.append(input, document.createTextNode(` ${r.label}`));
      $("relations").append(label);
    }
    renderAddButtons();
  }

  // "+ topics": the kind and the relations that tie it to what is drawn, in one click
  function renderAddButtons() {
    const box = $("add-kinds");
    const present = new Set(full.elements.nodes.map((n) => n.data.kind));
    const buttons = ADDABLE.filter((k) => present.has(k) && !state.kind.includes(k)).map((k) => {
      const b = el("button", `+ ${k}s`, { type: "button", "data-add": k });
      b.addEventListener("click", async () => {
        const rel = new Set(state.relation);
        for (const e of full.elements.edges) {
          if (byId.get(e.data.source)?.kind === k || byId.get(e.data.target)?.kind === k) rel.add(e.data.relation);
        }
        state.kind = [...state.kind, k];
        state.relation = [...rel];
        syncBoxes();
        await redraw();
      });
      return b;
    });
    box.replaceChildren(...(buttons.length ? [el("span", "Add "), ...buttons] : []));
  }

  function syncBoxes() {
    for (const b of document.querySelectorAll("input[name=kind]")) b.checked = state.kind.includes(b.value);
    for (const b of document.querySelectorAll("input[name=relation]")) {
      b.checked = b.value.split(",").some((i) => state.relation.includes(i));
    }
    renderAddButtons();
  }

  function readBoxes(name) {
    return [...document.querySelectorAll(`input[name=${name}]`)].filter((b) => b.checked).flatMap((b) => b.value.split(","));
  }

  function toggleFilters(open) {
    const ex = $("explorer");
    const willOpen = open === undefined ? ex.classList.contains("filters-closed") : open;
    ex.classList.toggle("filters-closed", !willOpen);
    state.filters = willOpen;
    writeState();
    $("toggle-filters").setAttribute("aria-expanded", String(willOpen));
    graph.cy.resize();
  }

  if ($("filters")) {
    buildControls();
    if (state.filters) toggleFilters(true);
    $("filters").addEventListener("change", async (ev) => {
      const t = ev.target;
      if (t.id === "path-all" || t.id === "path-any") {
        state.paths = $("path-all").checked ? "all" : "one";
        state.through = $("path-any").checked ? "any" : "agencies";
        writeState();
        await showPath();
        return;
      }
      state.kind = readBoxes("kind");
      state.relation = readBoxes("relation");
      state.department = $("department").value;
      state.outside = $("outside").checked;
      renderAddButtons();
      try { await redraw(); } catch (err) { status.textContent = `Could not load the graph: ${err.message}`; }
    });
  }
  on("layout", "change", async () => { state.layout = $("layout").value; await graph.setLayout(state.layout); writeState(); });
  on("reset", "click", async () => {
    Object.assign(state, { relation: [...defaults.relation], kind: [...defaults.kind], department: "", outside: true,
                           expand: [], from: null, to: null, a: null, b: null });
    syncBoxes();
    $("department").value = "";
    $("outside").checked = true;
    await redraw();
  });
  on("fit", "click", () => graph.cy.fit(undefined, 20));
  on("toggle-filters", "click", () => toggleFilters());
  on("filters-close", "click", () => { toggleFilters(false); $("toggle-filters").focus(); });
  on("toggle-timeline", "click", () => { state.view = state.view === "timeline" ? "graph" : "timeline"; writeState(); showTimeline(); });
  on("timeline-org", "change", () => { state.org = $("timeline-org").value; writeState(); showTimeline(); });
  on("path-clear", "click", () => { state.from = null; state.to = null; showPath(); writeState(); });
  on("compare-clear", "click", () => { state.a = null; state.b = null; graph.clearPath(); showCompare(); writeState(); });
  on("panel-close", "click", () => closePanel(true));
  on("copy-link", "click", async () => {
    try { await navigator.clipboard.writeText(location.href); status.textContent = "Link copied."; }
    catch { status.textContent = `Link to this view: ${location.href}`; }
  });

  const download = (blob, name) => {
    const url = URL.createObjectURL(blob);
    const a = el("a", null, { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  };
  on("export-png", "click", async () => download(await figurePNG(graph, drawnKinds(), drawnRelations(), caption(), drawnOutside()), "htkg-graph.png"));
  on("export-svg", "click", () => download(new Blob([figureSVG(graph, drawnKinds(), drawnRelations(), caption(), drawnOutside())],
                                                    { type: "image/svg+xml" }), "htkg-graph.svg"));
  on("timeline-svg", "click", () => {
    const chart = $("timeline-chart").querySelector("svg");
    if (!chart) return;
    const copy = chart.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    const h = Number(copy.getAttribute("height")), w = Number(copy.getAttribute("width"));
    copy.setAttribute("height", h + 24);
    copy.setAttribute("viewBox", `0 0 ${w} ${h + 24}`);
    const text = document.createElementNS("http://www.w3.org/2000/svg", "text");
    Object.entries({ x: 8, y: h + 16, fill: "#444", class: "caption" }).forEach(([k, v]) => text.setAttribute(k, v));
    text.textContent = `htkg release ${meta.release} — timeline${state.org ? ` of ${labelOf(state.org)}` : ""} — ${location.href}`;
    copy.append(text);
    download(new Blob([new XMLSerializer().serializeToString(copy)], { type: "image/svg+xml" }), "htkg-timeline.svg");
  });
  explorer.figureSVG = () => figureSVG(graph, drawnKinds(), drawnRelations(), caption(), drawnOutside());

  // ---- search and keyboard ----------------------------------------------------------------------------

  const search = $("search"), results = $("search-results");
  function matches(text) {
    const q = text.trim().toLowerCase();
    if (!q) return [];
    const scored = [];
    for (const d of byId.values()) {
      const lower = [d.label, ...(d.altLabels || [])].map((s) => s.toLowerCase());
      const score = lower.some((s) => s === q) ? 0 : lower.some((s) => s.startsWith(q)) ? 1
        : lower.some((s) => s.includes(q)) ? 2 : -1;
      if (score >= 0) scored.push({ score: score + (graph.cy.getElementById(d.id).empty() ? 0.5 : 0), d });
    }
    return scored.sort((a, b) => a.score - b.score || a.d.label.localeCompare(b.d.label)).slice(0, 12).map((s) => s.d);
  }
  async function pick(id) {
    results.replaceChildren();
    if (graph.cy.getElementById(id).empty()) await expandTo(id);
    await select(id, true);
  }
  async function expandTo(id) {
    await ensureDrawn([id], []);
    afterDraw();
  }
  if (search) {
    search.addEventListener("input", () => {
      const found = matches(search.value);
      results.replaceChildren(...found.map((d) => {
        const li = el("li");
        const b = el("button", d.label, { type: "button", "data-id": d.id });
        if (d.altLabels && d.altLabels.length) b.append(el("span", ` (${d.altLabels.join(", ")})`, { class: "muted" }));
        b.addEventListener("click", () => pick(d.id));
        li.append(b);
        return li;
      }));
      if (search.value.trim() && !found.length) results.replaceChildren(el("li", "No match."));
    });
    search.addEventListener("keydown", (ev) => {
      const first = results.querySelector("button");
      if (ev.key === "Enter" && first) { ev.preventDefault(); first.click(); }
      if (ev.key === "ArrowDown" && first) { ev.preventDefault(); first.focus(); }
    });
    results.addEventListener("keydown", (ev) => {
      const buttons = [...results.querySelectorAll("button")];
      const i = buttons.indexOf(document.activeElement);
      if (ev.key === "ArrowDown" && i < buttons.length - 1) { ev.preventDefault(); buttons[i + 1].focus(); }
      if (ev.key === "ArrowUp") { ev.preventDefault(); (i > 0 ? buttons[i - 1] : search).focus(); }
    });
  }
  document.addEventListener("keydown", (ev) => {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (ev.key === "/" && !typing && search) { ev.preventDefault(); search.focus(); }
    if (ev.key === "Escape" && !$("panel").hidden) { ev.preventDefault(); closePanel(true); }
    else if (ev.key === "Escape" && window.matchMedia("(max-width: 800px)").matches && $("filters")
             && !$("explorer").classList.contains("filters-closed")) { toggleFilters(false); }
  });

  // ---- first draw -----------------------------------------------------------------------------------

  await graph.ready;
  // on a phone the drawing takes the screen: the page opens scrolled to the toolbar above it
  if (!state.embed && window.matchMedia("(max-width: 800px)").matches && $("toolbar")) {
    $("toolbar").scrollIntoView({ block: "start" });
  }
  for (const id of state.expand) await graph.addElements(neighbourhood(full, id));
  afterDraw();
  if (state.selected) await showPanel(state.selected, false);
  if (state.view === "timeline") await showTimeline();
  explorer.ready = true;
  explorer.readyAt = performance.now();
  document.body.dataset.explorerReady = "true";
}

main().catch((err) => {
  const status = $("status");
  if (status) status.textContent = `The explorer could not start: ${err.message}`;
  throw err;
});
