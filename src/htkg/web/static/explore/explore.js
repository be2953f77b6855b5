// The /explore page: filters, search, side panel, path, layouts, exports and a table — all state in the URL.
// Everything shown comes from /api/graph and /api/node; values are rendered with textContent only.

import { createGraph, renderLegend } from "./graph.js";

const $ = (id) => document.getElementById(id);
const LIST_KEYS = ["relation", "kind", "expand"];

// A link to an outside source: only http(s) addresses become links, anything else stays text.
function sourceLink(c) {
  const text = c.title || c.source || c.graph;
  return /^https?:\/\//.test(c.source || "") ? el("a", text, { href: c.source, rel: "noopener" }) : el("span", text);
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// ---- state <-> URL -----------------------------------------------------------------------------

function readState() {
  const q = new URLSearchParams(location.search);
  const list = (k) => q.getAll(k).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  return {
    relation: list("relation"), kind: list("kind"), expand: q.getAll("expand").filter(Boolean),
    department: q.get("department") || "", outside: q.get("outside") !== "hide",
    layout: q.get("layout") === "cose" ? "cose" : "dagre",
    selected: q.get("selected") || null, from: q.get("from") || null, to: q.get("to") || null,
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

function stateQuery(state) {
  const q = filterQuery(state);
  if (state.layout !== "dagre") q.set("layout", state.layout);
  for (const iri of state.expand) q.append("expand", iri);
  for (const k of ["selected", "from", "to"]) if (state[k]) q.set(k, state[k]);
  return q;
}

function writeState(state) {
  const q = stateQuery(state).toString();
  history.replaceState(null, "", q ? `${location.pathname}?${q}` : location.pathname);
  const fq = filterQuery(state).toString();
  for (const a of document.querySelectorAll("a[data-export]")) {
    a.search = fq ? `?${fq}` : "";
  }
}

// ---- data ----------------------------------------------------------------------------------------

async function fetchJSON(url) {
  const resp = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await resp.json();
  if (!resp.ok) throw new Error(body.error ? body.error.message : `HTTP ${resp.status}`);
  return body;
}

function graphURL(state) {
  const q = filterQuery(state).toString();
  return q ? `/api/graph?${q}` : "/api/graph";
}

function neighbourhood(full, id) {
  const edges = full.elements.edges.filter((e) => e.data.source === id || e.data.target === id);
  const ids = new Set(edges.flatMap((e) => [e.data.source, e.data.target]));
  return { nodes: full.elements.nodes.filter((n) => ids.has(n.data.id)), edges };
}

// ---- the page ------------------------------------------------------------------------------------

async function main() {
  const state = readState();
  const status = $("status");
  const full = await fetchJSON("/api/graph");
  const byId = new Map(full.elements.nodes.map((n) => [n.data.id, n.data]));
  const labelOf = (id) => (byId.get(id) ? byId.get(id).label : id);
  let view = Object.keys(Object.fromEntries(filterQuery(state))).length ? await fetchJSON(graphURL(state)) : full;
  // a big graph opens on its departments (full.overview); labels of the nodes a narrowed view brings
  const learn = (data) => { for (const n of data.elements.nodes) if (!byId.has(n.data.id)) byId.set(n.data.id, n.data); };
  learn(view);

  buildControls(full, state);
  renderLegend($("legend"), full.kinds.filter((k) => full.elements.nodes.some((n) => n.data.kind === k)),
               full.relations.filter((r) => r.used));

  const graph = createGraph($("cy"), view.elements, {
    layout: state.layout,
    onSelect: (node) => select(node ? node.id() : null, false),
    onExpand: (node) => expand(node.id()),
  });
  const explorer = { graph, state, full, ready: false, readyAt: null };
  window.htkgExplorer = explorer;

  async function redraw() {
    view = await fetchJSON(graphURL(state));
    learn(view);
    await graph.setElements(view.elements);
    for (const id of state.expand) await graph.addElements(neighbourhood(full, id));
    afterDraw();
  }

  function afterDraw() {
    const cy = graph.cy;
    status.textContent = `Showing ${cy.nodes().length} nodes and ${cy.edges().length} relations.` +
      (view.overview ? ` ${view.overview.message}` : "");
    renderTable();
    if (state.selected && cy.getElementById(state.selected).empty()) state.selected = null;
    graph.select(state.selected);
    showPath();
    writeState(state);
  }

  function renderTable() {
    const body = $("relations-table").tBodies[0];
    const rows = graph.cy.edges().map((e) => e.data()).sort((a, b) =>
      labelOf(a.source).localeCompare(labelOf(b.source)) || a.label.localeCompare(b.label));
    body.replaceChildren(...rows.map((d) => {
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
        else if (c.source) {
          p.append(el("span", "outside source: "), sourceLink(c));
        }
        cite.append(p);
      }
      tr.append(cell(d.source), el("td", d.label), cell(d.target), cite);
      return tr;
    }));
  }

  // ---- selection and the side panel --------------------------------------------------------------

  async function select(id, focusPanel) {
    state.selected = id;
    graph.select(id);
    writeState(state);
    if (!id) { closePanel(false); return; }
    await showPanel(id, focusPanel);
  }

  function closePanel(returnFocus) {
    $("panel").hidden = true;
    state.selected = null;
    graph.select(null);
    writeState(state);
    if (returnFocus) $("search").focus();
  }

  async function showPanel(id, focusPanel) {
    const info = await fetchJSON(`/api/node?iri=${encodeURIComponent(id)}`);
    if (state.selected !== id) return;
    $("panel-title").textContent = info.label;
    const body = $("panel-body");
    const dl = el("dl");
    const row = (term, ...values) => { dl.append(el("dt", term)); const dd = el("dd"); dd.append(...values); dl.append(dd); };
    row("Kind", el("span", info.kind, { class: "badge" }));
    if (info.altLabels.length) row("Also called", info.altLabels.join(", "));
    if (info.departments.length) row("Department", info.departments.map((d) => d.label).join(", "));
    row("Known from", info.origin === "outside" ? "only sources outside the page"
      : info.origin === "page" ? "the page" : "the project's vocabulary");
    const actions = el("p", null, { class: "panel-actions" });
    if (info.path) actions.append(el("a", "Open resource page", { href: info.path, id: "panel-link" }));
    const btn = (text, fn, idAttr) => { const b = el("button", text, { type: "button", id: idAttr }); b.addEventListener("click", fn); return b; };
    actions.append(btn("Expand neighbours", () => expand(id), "panel-expand"),
                   btn("Path from here", () => setPath("from", id), "panel-from"),
                   btn("Path to here", () => setPath("to", id), "panel-to"));
    const parts = [actions];
    if (info.description) parts.push(el("p", info.description, { class: "description" }));
    parts.push(dl);
    if (info.relations.length) {
      parts.push(el("h3", "Relations"));
      const ul = el("ul", null, { class: "panel-relations" });
      for (const r of info.relations) {
        const li = el("li");
        li.append(el("strong", r.sourceLabel), document.createTextNode(` ${r.label} `), el("strong", r.targetLabel));
        for (const c of r.citations) {
          if (c.quote) li.append(el("blockquote", c.quote, { class: "cite" }));
          else if (c.source) {
            const p = el("p", "Outside source: ", { class: "small" });
            p.append(sourceLink(c));
            li.append(p);
          }
        }
        ul.append(li);
      }
      parts.push(ul);
    }
    if (info.statements.length) {
      parts.push(el("h3", "All statements"));
      const table = el("table", null, { class: "props" });
      table.append(el("caption", "What the graph says about this node, and who says it", { class: "visually-hidden" }));
      for (const st of info.statements) {
        const tr = el("tr");
        tr.append(el("th", st.reading, { scope: "row", title: st.property }));
        const td = el("td");
        if (st.valueIsIri && byId.has(st.value)) {
          const b = el("button", st.valueLabel, { type: "button", class: "linklike" });
          b.addEventListener("click", () => select(st.value, true));
          td.append(b);
        } else {
          td.append(el("span", st.valueLabel));
        }
        for (const c of st.citations) {
          td.append(el("span", c.quote ? ` — “${c.quote}”` : ` — ${c.title || c.source || c.graph}`,
                       { class: "muted small" }));
        }
        tr.append(td);
        table.append(tr);
      }
      parts.push(table);
    }
    body.replaceChildren(...parts);
    $("panel").hidden = false;
    if (focusPanel) $("panel").focus();
  }

  // ---- expand, path ---------------------------------------------------------------------------------

  async function expand(id) {
    if (!state.expand.includes(id)) state.expand.push(id);
    await graph.addElements(neighbourhood(full, id));
    afterDraw();
  }

  function setPath(end, id) {
    state[end] = id;
    showPath();
    writeState(state);
  }

  function showPath() {
    $("path-from").textContent = state.from ? labelOf(state.from) : "—";
    $("path-to").textContent = state.to ? labelOf(state.to) : "—";
    const result = $("path-result");
    graph.clearPath();
    if (!state.from || !state.to) { result.textContent = ""; explorer.path = []; return; }
    explorer.path = graph.highlightPath(state.from, state.to);
    result.textContent = explorer.path.length
      ? `Shortest connection: ${explorer.path.map(labelOf).join(" — ")}`
      : "These two are not connected in this view.";
  }

  // ---- controls ------------------------------------------------------------------------------------

  function buildControls(data, st) {
    const dept = $("department");
    for (const d of data.departments) dept.append(el("option", d.label, { value: d.id }));
    dept.value = st.department;
    $("outside").checked = st.outside;
    for (const r of document.querySelectorAll("input[name=layout]")) r.checked = r.value === st.layout;
    const boxes = (fieldsetId, key, items) => {
      const fs = $(fieldsetId);
      for (const item of items) {
        const input = el("input", null, { type: "checkbox", value: item.id, name: key });
        input.checked = !st[key].length || st[key].includes(item.id);
        const label = el("label");
        label.append(input, document.createTextNode(` ${item.label}`));
        fs.append(label);
      }
    };
    boxes("kinds", "kind", data.kinds.filter((k) => data.elements.nodes.some((n) => n.data.kind === k))
      .map((k) => ({ id: k, label: k })));
    boxes("relations", "relation", data.relations.filter((r) => r.used)
      .map((r) => ({ id: r.id, label: `${r.label} (${r.id})` })));
  }

  function readBoxes(name) {
    const all = [...document.querySelectorAll(`input[name=${name}]`)];
    const on = all.filter((b) => b.checked).map((b) => b.value);
    return on.length === all.length ? [] : on;
  }

  $("controls").addEventListener("change", async (ev) => {
    const t = ev.target;
    if (t.name === "layout") {
      state.layout = t.value;
      await graph.setLayout(state.layout);
      writeState(state);
      return;
    }
    if (t.id === "search") return;
    state.kind = readBoxes("kind");
    state.relation = readBoxes("relation");
    state.department = $("department").value;
    state.outside = $("outside").checked;
    try {
      await redraw();
    } catch (err) {
      status.textContent = `Could not load the graph: ${err.message}`;
    }
  });

  $("reset").addEventListener("click", async () => {
    Object.assign(state, { relation: [], kind: [], department: "", outside: true, expand: [], from: null, to: null });
    for (const b of document.querySelectorAll("input[name=kind], input[name=relation]")) b.checked = true;
    $("department").value = "";
    $("outside").checked = true;
    await redraw();
  });
  $("fit").addEventListener("click", () => graph.cy.fit(undefined, 20));
  $("path-clear").addEventListener("click", () => { state.from = null; state.to = null; showPath(); writeState(state); });
  $("panel-close").addEventListener("click", () => closePanel(true));
  $("copy-link").addEventListener("click", async () => {
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
  $("export-png").addEventListener("click", async () => download(await graph.png(), "htkg-graph.png"));
  $("export-svg").addEventListener("click", () =>
    download(new Blob([graph.svg()], { type: "image/svg+xml" }), "htkg-graph.svg"));

  // ---- search and keyboard ----------------------------------------------------------------------------

  const search = $("search"), results = $("search-results");
  function matches(text) {
    const q = text.trim().toLowerCase();
    if (!q) return [];
    const scored = [];
    graph.cy.nodes().forEach((n) => {
      const d = n.data();
      const names = [d.label, ...(d.altLabels || [])];
      const lower = names.map((s) => s.toLowerCase());
      const score = lower.some((s) => s === q) ? 0 : lower.some((s) => s.startsWith(q)) ? 1
        : lower.some((s) => s.includes(q)) ? 2 : -1;
      if (score >= 0) scored.push({ score, d });
    });
    return scored.sort((a, b) => a.score - b.score || a.d.label.localeCompare(b.d.label)).slice(0, 12).map((s) => s.d);
  }
  search.addEventListener("input", () => {
    const found = matches(search.value);
    results.replaceChildren(...found.map((d) => {
      const li = el("li");
      const b = el("button", d.label, { type: "button", "data-id": d.id });
      if (d.altLabels && d.altLabels.length) b.append(el("span", ` (${d.altLabels.join(", ")})`, { class: "muted" }));
      b.addEventListener("click", () => select(d.id, true));
      li.append(b);
      return li;
    }));
    if (search.value.trim() && !found.length) results.replaceChildren(el("li", "No match in this view."));
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
  document.addEventListener("keydown", (ev) => {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (ev.key === "/" && !typing) { ev.preventDefault(); search.focus(); }
    if (ev.key === "Escape" && !$("panel").hidden) { ev.preventDefault(); closePanel(true); }
  });

  // ---- first draw -----------------------------------------------------------------------------------

  await graph.ready;
  for (const id of state.expand) await graph.addElements(neighbourhood(full, id));
  afterDraw();
  if (state.selected) await showPanel(state.selected, false);
  explorer.ready = true;
  explorer.readyAt = performance.now();
  document.body.dataset.explorerReady = "true";
}

main().catch((err) => {
  const status = $("status");
  if (status) status.textContent = `The explorer could not start: ${err.message}`;
  throw err;
});
