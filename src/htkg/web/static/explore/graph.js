// graph.js — draw an htkg relation graph with cytoscape.js. Reusable by any page (the explorer, the
// query workbench's result graphs). No data are rendered as HTML: labels go to the canvas or textContent.
//
// Load first, as classic scripts:  /vendor/cytoscape-svg/cytoscape-svg.js  (for SVG export)
// then import this module:
//
//   import { createGraph } from "/static/explore/graph.js";
//   const g = createGraph(containerElement, cytoscapeElements, {
//     layout: "dagre" | "cose",          // hierarchical (parents above children) or force-directed
//     upward: ["org:subOrganizationOf"], // relations drawn from the lower rank up (a part below its whole)
//     onSelect: (node) => {},            // a node was clicked (node: a cytoscape node, or null)
//     onExpand: (node) => {},            // a node was double-clicked
//     styles: data.styles,               // the style table /api/graph sends (see setStyles)
//   });
//   g.cy                                // the cytoscape core, for anything else
//   g.setElements(elements)             // replace what is drawn (keeps the layout choice)
//   g.addElements(elements)             // add nodes/edges not yet drawn, then lay out again
//   g.setLayout("dagre" | "cose")       // returns a Promise resolved when the layout has stopped (and
//                                       // the view is fitted as legible() does)
//   g.legible(eles, rect)               // fit (into rect), never below the zoom at which labels are 11 px
//   g.select(id, freeRect)              // select a node and pan it into freeRect (null to clear)
//   g.showPath(nodeIds, edgeIds, rect)  // highlight a chain (other elements faded) and zoom to it in rect
//   g.clearPath()
//   g.png(options) -> Promise<Blob>     g.svg(options) -> string (a standalone SVG document)
//   renderLegend(element, kinds, relations, outside)   // kinds: ["unit", …]; relations: [{id, label}, …]
//
// Elements are Cytoscape JSON as served by /api/graph: node data {id, label, kind, …}; edge data
// {id, source, target, relation (compact IRI), label (relation label), outside (bool)}.

import cytoscape from "/vendor/cytoscape/dist/cytoscape.esm.mjs";
import dagre from "/vendor/cytoscape-dagre/dist/cytoscape-dagre.mjs";

cytoscape.use(dagre);
if (typeof window !== "undefined" && window.cytoscapeSvg) cytoscape.use(window.cytoscapeSvg);

export const LABEL_PX = 12;          // node label size in model units
export const MIN_LABEL_PX = 11;      // smallest label drawn on screen (smaller ones are hidden, not shrunk)

// How each kind and relation looks: the table /api/graph sends ("styles", from htkg.dataset.network_style,
// which `htkg render` uses too); setStyles() installs it. Relations are styled by label, so two properties
// that read the same way draw the same way. Without a table everything is drawn in neutral greys.
let STYLES = { kinds: {}, relations: {} };
const FALLBACK_KIND = { color: "#8c8c8c", shape: "ellipse" };
const FALLBACK_RELATION = { color: "#6e6e6e", style: "solid", width: 1.5 };

export function setStyles(styles) {
  if (styles) STYLES = { kinds: styles.kinds || {}, relations: styles.relations || {} };
}

export function kindStyle(kind) {
  return STYLES.kinds[kind] || FALLBACK_KIND;
}

export function relationStyle(label) {
  return STYLES.relations[label] || FALLBACK_RELATION;
}

function stylesheet() {
  return [
    { selector: "node", style: {
      "label": "data(short)", "font-size": LABEL_PX, "color": "#1b1f24", "text-valign": "bottom", "text-margin-y": 4,
      "text-wrap": "wrap", "text-max-width": 66, "min-zoomed-font-size": MIN_LABEL_PX,
      "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 1,
      "width": 20, "height": 20,
      "background-color": (n) => kindStyle(n.data("kind")).color,
      "shape": (n) => kindStyle(n.data("kind")).shape,
      "border-width": (n) => (n.data("origin") === "outside" ? 2 : 0), "border-style": "dashed",
      "border-color": "#333" } },
    { selector: "node[kind = 'department']", style: { "width": 30, "height": 30, "font-weight": "bold", "font-size": 13 } },
    { selector: "edge", style: {
      "curve-style": "bezier", "target-arrow-shape": "triangle", "arrow-scale": 0.9,
      "line-color": (e) => relationStyle(e.data("label")).color,
      "target-arrow-color": (e) => relationStyle(e.data("label")).color,
      "line-style": (e) => relationStyle(e.data("label")).style,
      "width": (e) => relationStyle(e.data("label")).width,
      "opacity": (e) => (e.data("outside") ? 0.6 : 0.9),
      "label": "", "font-size": MIN_LABEL_PX, "color": "#1b1f24", "text-rotation": "autorotate",
      "text-background-color": "#fff", "text-background-opacity": 0.9, "text-background-padding": 2,
      "min-zoomed-font-size": MIN_LABEL_PX } },
    // edge labels only where the reader looks: on hover, at the selected node, along a path
    { selector: "edge.labelled", style: { "label": "data(label)", "z-index": 20 } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#000", "border-style": "double" } },
    { selector: ".faded", style: { "opacity": 0.12, "text-opacity": 0 } },
    { selector: "node.path", style: { "border-width": 4, "border-color": "#000", "border-style": "solid",
      "opacity": 1, "text-opacity": 1, "z-index": 10 } },
    // a path keeps each relation's own colour and line style, only wider
    { selector: "edge.path", style: { "width": 6, "opacity": 1, "z-index": 10 } },
    { selector: "node.compared", style: { "border-width": 4, "border-color": "#000", "border-style": "solid" } },
    { selector: ".layout-helper", style: { "display": "none" } },
  ];
}

function layoutOptions(name) {
  if (name === "cose") {
    return { name: "cose", animate: false, randomize: false, nodeRepulsion: () => 20000, idealEdgeLength: () => 110,
             numIter: 2000, fit: false, padding: 20, nodeDimensionsIncludeLabels: true };
  }
  // ranks run top to bottom over helper edges: a whole above its parts, a funder above what it funds
  return { name: "dagre", rankDir: "TB", nodeSep: 4, rankSep: 44, edgeSep: 8, animate: false, fit: false,
           padding: 20, nodeDimensionsIncludeLabels: true,
           edgeWeight: (e) => (e.data("root") ? 20 : 1) };
}

function withShortLabels(elements) {
  const nodes = (elements.nodes || []).map((n) => (
    // the name drawn: /api/graph sends it ("short": an acronym, or the name cut at a word); else the label
    { group: "nodes", data: { ...n.data, short: n.data.short || n.data.label } }));
  const edges = (elements.edges || []).map((e) => ({ group: "edges", data: { ...e.data } }));
  return [...nodes, ...edges];
}

export function createGraph(container, elements, options = {}) {
  let layoutName = options.layout === "cose" ? "cose" : "dagre";
  setStyles(options.styles);
  const upward = new Set(options.upward || []);
  const cy = cytoscape({
    container, elements: withShortLabels(elements), style: stylesheet(),
    selectionType: "single", boxSelectionEnabled: false, minZoom: 0.05, maxZoom: 4,
  });
  cy.on("tap", "node", (ev) => options.onSelect && options.onSelect(ev.target));
  cy.on("tap", (ev) => { if (ev.target === cy && options.onSelect) options.onSelect(null); });
  cy.on("dbltap", "node", (ev) => options.onExpand && options.onExpand(ev.target));
  cy.on("mouseover", "edge", (ev) => ev.target.addClass("labelled"));
  cy.on("mouseout", "edge", (ev) => { if (!ev.target.hasClass("keep-label")) ev.target.removeClass("labelled"); });

  function runLayout() {
    return new Promise((resolve) => {
      let eles = cy.elements();
      let helpers = cy.collection();
      if (layoutName === "dagre") {
        // one helper edge per drawn edge, pointing down the page
        const seen = new Set();
        const add = [];
        cy.edges().forEach((e) => {
          const up = upward.has(e.data("relation"));
          const [a, b] = up ? [e.data("target"), e.data("source")] : [e.data("source"), e.data("target")];
          if (a === b || seen.has(`${a} ${b}`) || seen.has(`${b} ${a}`)) return;
          seen.add(`${a} ${b}`);
          add.push({ group: "edges", data: { id: `layout-${add.length}`, source: a, target: b }, classes: "layout-helper" });
        });
        // departments share the top rank: an invisible root above them all
        const tops = cy.nodes("[kind = 'department']");
        if (tops.length > 1) {
          add.push({ group: "nodes", data: { id: "layout-root", short: "" }, classes: "layout-helper" });
          tops.forEach((d) => add.push({ group: "edges", classes: "layout-helper",
            data: { id: `layout-${add.length}`, source: "layout-root", target: d.id(), root: true } }));
        }
        helpers = cy.add(add);
        eles = cy.nodes().union(helpers);
      }
      const layout = eles.layout(layoutOptions(layoutName));
      layout.one("layoutstop", () => {
        cy.remove(helpers);
        if (layoutName === "dagre") wrapRanks();
        api.legible();
        resolve();
      });
      layout.run();
    });
  }

  // Fit the hierarchy to the canvas width at the legible zoom without shrinking its labels: a rank spread
  // wider than that has its gaps narrowed (order kept); a rank whose labels alone are wider is cut into rows
  // (in order, each centred) and what is below moves down; then every rank is shifted inside the width.
  function wrapRanks() {
    const gap = 8, rowGap = 14;
    const maxWidth = Math.max(200, cy.width() / (MIN_LABEL_PX / LABEL_PX) - 40);
    const ranks = new Map();
    cy.nodes().forEach((n) => {
      const y = Math.round(n.position("y"));
      if (!ranks.has(y)) ranks.set(y, []);
      ranks.get(y).push(n);
    });
    const dimsOf = (n) => { const bb = n.boundingBox({ includeLabels: true }); return { n, w: bb.w, h: bb.h, dy: n.position("y") - bb.y1 }; };
    const all = cy.nodes().boundingBox({ includeLabels: true });
    const cx = (all.x1 + all.x2) / 2;
    let shift = 0;
    for (const y of [...ranks.keys()].sort((a, b) => a - b)) {
      const dims = ranks.get(y).sort((a, b) => a.position("x") - b.position("x")).map(dimsOf);
      const total = dims.reduce((sum, d) => sum + d.w + gap, -gap);
      const left = dims[0].n.position("x") - dims[0].w / 2;
      const last = dims[dims.length - 1];
      const span = last.n.position("x") + last.w / 2 - left;
      if (total <= maxWidth) {
        let x = left;
        const f = span > maxWidth ? (maxWidth - total) / Math.max(1, span - total) : 1;
        dims.forEach((d, i) => {
          if (i) {
            const prev = dims[i - 1];
            const free = (d.n.position("x") - d.w / 2) - (prev.x0 + prev.w / 2) - gap;
            x += prev.w / 2 + gap + Math.max(0, free) * f + d.w / 2;
          } else x += d.w / 2;
          d.x0 = d.n.position("x");
          d.n.position({ x, y: d.n.position("y") + shift });
        });
        continue;
      }
      const chunks = [];
      let current = [], width = -gap;
      for (const d of dims) {
        if (current.length && width + gap + d.w > maxWidth) { chunks.push(current); current = []; width = -gap; }
        current.push(d);
        width += gap + d.w;
      }
      chunks.push(current);
      let top = y + shift - Math.max(...dims.map((d) => d.dy));
      const mid = (left + span / 2);
      chunks.forEach((chunk, i) => {
        const w = chunk.reduce((sum, d) => sum + d.w + gap, -gap);
        const h = Math.max(...chunk.map((d) => d.h));
        const dy = Math.max(...chunk.map((d) => d.dy));
        let x = mid - w / 2;
        for (const d of chunk) { d.n.position({ x: x + d.w / 2, y: top + dy }); x += d.w + gap; }
        if (i < chunks.length - 1) { top += h + rowGap; shift += h + rowGap; }
      });
    }
    // every row inside [cx - maxWidth/2, cx + maxWidth/2]
    const rows = new Map();
    cy.nodes().forEach((n) => {
      const y = Math.round(n.position("y"));
      if (!rows.has(y)) rows.set(y, cy.collection());
      rows.set(y, rows.get(y).union(n));
    });
    for (const row of rows.values()) {
      const bb = row.boundingBox({ includeLabels: true });
      const lo = cx - maxWidth / 2, hi = cx + maxWidth / 2;
      const dx = bb.x1 < lo ? Math.min(lo - bb.x1, Math.max(0, hi - bb.x2)) : bb.x2 > hi ? -Math.min(bb.x2 - hi, Math.max(0, bb.x1 - lo)) : 0;
      if (dx) row.positions((n) => ({ x: n.position("x") + dx, y: n.position("y") }));
    }
  }

  const api = {
    cy,
    get layout() { return layoutName; },
    ready: null,
    setLayout(name) { layoutName = name === "cose" ? "cose" : "dagre"; return runLayout(); },
    setElements(els) { cy.elements().remove(); cy.add(withShortLabels(els)); return runLayout(); },
    addElements(els) {
      const fresh = withShortLabels(els).filter((el) => cy.getElementById(el.data.id).empty());
      const nodes = fresh.filter((el) => el.group === "nodes");
      const ids = new Set(nodes.map((n) => n.data.id));
      const has = (id) => !cy.getElementById(id).empty() || ids.has(id);
      const edges = fresh.filter((el) => el.group === "edges" && has(el.data.source) && has(el.data.target));
      cy.add([...nodes, ...edges]);
      return runLayout();
    },
    // Fit the drawing, but not below the zoom at which node labels are MIN_LABEL_PX on screen: a big
    // view then opens at its top (the departments), centred, and Fit shows the rest.
    legible(eles, rect) {
      const target = eles && eles.nonempty() ? eles : cy.elements();
      const r = rect || { x1: 0, y1: 0, x2: cy.width(), y2: cy.height() };
      const pad = 16, least = MIN_LABEL_PX / LABEL_PX;
      const bb = target.boundingBox({ includeLabels: true });
      const fit = Math.min((r.x2 - r.x1 - 2 * pad) / Math.max(1, bb.w), (r.y2 - r.y1 - 2 * pad) / Math.max(1, bb.h));
      const zoom = Math.min(Math.max(fit, least), 1.6);           // never below legible, never blown up
      cy.zoom(zoom);
      const x = (r.x1 + r.x2) / 2 - ((bb.x1 + bb.x2) / 2) * zoom;
      const y = fit < least ? r.y1 + pad - bb.y1 * zoom : (r.y1 + r.y2) / 2 - ((bb.y1 + bb.y2) / 2) * zoom;
      cy.pan({ x, y });
      return cy.zoom();
    },
    // Select a node and pan it to the middle of freeRect ({x1, y1, x2, y2} in canvas pixels, the part of
    // the canvas no panel covers); the node's relations show their labels.
    select(id, freeRect) {
      cy.nodes(":selected").unselect();
      cy.edges(".keep-label").removeClass("keep-label labelled");
      if (!id) return null;
      const node = cy.getElementById(id);
      if (node.empty()) return null;
      node.select();
      node.connectedEdges().addClass("keep-label labelled");
      const r = freeRect || { x1: 0, y1: 0, x2: cy.width(), y2: cy.height() };
      const p = node.renderedPosition();
      cy.panBy({ x: (r.x1 + r.x2) / 2 - p.x, y: (r.y1 + r.y2) / 2 - p.y });
      return node;
    },
    showPath(nodeIds, edgeIds, freeRect) {
      api.clearPath();
      const nodes = cy.collection(nodeIds.map((id) => cy.getElementById(id)).filter((n) => n.nonempty()));
      const edges = cy.collection(edgeIds.map((id) => cy.getElementById(id)).filter((e) => e.nonempty()));
      if (nodes.empty()) return;
      cy.elements().addClass("faded");
      nodes.union(edges).removeClass("faded").addClass("path");
      edges.addClass("keep-label labelled");
      api.legible(nodes.union(edges), freeRect);
    },
    clearPath() {
      cy.elements().removeClass("faded path compared");
      cy.edges(".keep-label").not(":selected").removeClass("keep-label labelled");
    },
    png(opts = {}) { return cy.png({ output: "blob-promise", full: false, bg: "#ffffff", scale: opts.scale || 3 }); },
    svg(opts = {}) { return cy.svg({ full: false, bg: "#ffffff", scale: opts.scale || 1 }); },
  };
  api.ready = runLayout();
  return api;
}

// A legend of the kinds and relations (one entry per relation label), built with DOM nodes.
// `outside`: some drawn node is known only from sources outside the page (drawn with a dashed outline).
export function renderLegend(element, kinds, relations, outside = false) {
  element.replaceChildren();
  const kindList = document.createElement("ul");
  kindList.className = "legend-kinds";
  for (const kind of kinds) {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch shape-${kindStyle(kind).shape}`;
    swatch.style.backgroundColor = kindStyle(kind).color;
    swatch.setAttribute("aria-hidden", "true");
    li.append(swatch, document.createTextNode(kind));
    kindList.append(li);
  }
  if (outside) {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch outside";
    swatch.setAttribute("aria-hidden", "true");
    li.append(swatch, document.createTextNode(OUTSIDE_NOTE));
    kindList.append(li);
  }
  const relList = document.createElement("ul");
  relList.className = "legend-relations";
  for (const rel of legendRelations(relations)) {
    const li = document.createElement("li");
    const line = document.createElement("span");
    const st = relationStyle(rel.label);
    line.className = "line";
    line.style.borderTop = `${Math.max(2, st.width)}px ${st.style} ${st.color}`;
    line.setAttribute("aria-hidden", "true");
    li.dataset.relation = rel.label;
    li.append(line, document.createTextNode(rel.label));
    li.title = rel.ids.join(", ");
    relList.append(li);
  }
  element.append(kindList, relList);
}

export const OUTSIDE_NOTE = "dashed outline: known only from outside the page; pale line: a relation known so";

// Relations grouped by label: [{label, ids: [compact names]}], in first-seen order.
export function legendRelations(relations) {
  const byLabel = new Map();
  for (const r of relations) {
    if (!byLabel.has(r.label)) byLabel.set(r.label, { label: r.label, ids: [] });
    byLabel.get(r.label).ids.push(r.id);
  }
  return [...byLabel.values()];
}
