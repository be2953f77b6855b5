// graph.js — draw an htkg relation graph with cytoscape.js. Reusable by any page (the explorer, the
// query workbench's result graphs). No data are rendered as HTML: labels go to the canvas or textContent.
//
// Load first, as classic scripts:  /vendor/cytoscape-svg/cytoscape-svg.js  (for SVG export)
// then import this module:
//
//   import { createGraph } from "/static/explore/graph.js";
//   const g = createGraph(containerElement, cytoscapeElements, {
//     layout: "dagre" | "cose",          // hierarchical (parents above children) or force-directed
//     onSelect: (node) => {},            // a node was clicked (node: a cytoscape node, or null)
//     onExpand: (node) => {},            // a node was double-clicked
//   });
//   g.cy                                // the cytoscape core, for anything else
//   g.setElements(elements)             // replace what is drawn (keeps the layout choice)
//   g.addElements(elements)             // add nodes/edges not yet drawn, then lay out again
//   g.setLayout("dagre" | "cose")       // returns a Promise resolved when the layout has stopped
//   g.select(id)                        // select and centre a node (null to clear)
//   g.highlightPath(fromId, toId)       // shortest undirected path; returns its node ids ([] if none)
//   g.clearPath()
//   g.png()  -> Promise<Blob>           g.svg() -> string (a standalone SVG document)
//   renderLegend(element, kinds, relations)   // kinds: ["unit", …]; relations: [{id, label}, …]
//
// Elements are Cytoscape JSON as served by /api/graph: node data {id, label, kind, …}; edge data
// {id, source, target, relation (compact IRI), label (relation label), outside (bool)}.

import cytoscape from "/vendor/cytoscape/dist/cytoscape.esm.mjs";
import dagre from "/vendor/cytoscape-dagre/dist/cytoscape-dagre.mjs";

cytoscape.use(dagre);
if (typeof window !== "undefined" && window.cytoscapeSvg) cytoscape.use(window.cytoscapeSvg);

// How each node kind looks. A kind the ontology adds later still draws, in grey.
export const KIND_STYLE = {
  department: { color: "#1f4e79", shape: "round-rectangle" },
  unit: { color: "#4f81bd", shape: "rectangle" },
  organization: { color: "#8064a2", shape: "hexagon" },
  group: { color: "#a5a5a5", shape: "barrel" },
  program: { color: "#77933c", shape: "ellipse" },
  hotline: { color: "#e36c09", shape: "diamond" },
  statute: { color: "#953735", shape: "tag" },
  section: { color: "#c0504d", shape: "cut-rectangle" },
  relief: { color: "#31859c", shape: "star" },
  topic: { color: "#d9a400", shape: "round-triangle" },
  page: { color: "#7f7f7f", shape: "round-rectangle" },
  source: { color: "#404040", shape: "vee" },
};
const FALLBACK_KIND = { color: "#999999", shape: "ellipse" };

// How each relation looks, keyed by the compact relation name; others get a colour from their name.
export const RELATION_STYLE = {
  "org:subOrganizationOf": { color: "#44546a", style: "solid", width: 2.5 },
  "htkg:funds": { color: "#c00000", style: "solid", width: 3 },
  "htkg:operates": { color: "#2e7d32", style: "dashed", width: 2.5 },
  "htkg:establishedBy": { color: "#7030a0", style: "dotted", width: 2 },
  "htkg:authorizedBy": { color: "#b05cc8", style: "dotted", width: 2 },
  "htkg:addressesTopic": { color: "#d9b84a", style: "solid", width: 1 },
  "htkg:resourcePage": { color: "#bfbfbf", style: "solid", width: 1 },
  "dct:publisher": { color: "#bfbfbf", style: "dashed", width: 1 },
};

export function kindStyle(kind) {
  return KIND_STYLE[kind] || FALLBACK_KIND;
}

export function relationStyle(relation) {
  if (RELATION_STYLE[relation]) return RELATION_STYLE[relation];
  let h = 0;
  for (const ch of relation || "") h = (h * 31 + ch.charCodeAt(0)) % 360;
  return { color: `hsl(${h}, 55%, 40%)`, style: "solid", width: 1.5 };
}

function stylesheet() {
  return [
    { selector: "node", style: {
      "label": "data(short)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 3,
      "text-wrap": "ellipsis", "text-max-width": 140, "width": 22, "height": 22,
      "background-color": (n) => kindStyle(n.data("kind")).color,
      "shape": (n) => kindStyle(n.data("kind")).shape,
      "border-width": (n) => (n.data("origin") === "outside" ? 2 : 0), "border-style": "dashed",
      "border-color": "#333" } },
    { selector: "node[kind = 'department']", style: { "width": 34, "height": 34, "font-weight": "bold" } },
    { selector: "edge", style: {
      "curve-style": "bezier", "target-arrow-shape": "triangle", "arrow-scale": 0.8,
      "line-color": (e) => relationStyle(e.data("relation")).color,
      "target-arrow-color": (e) => relationStyle(e.data("relation")).color,
      "line-style": (e) => relationStyle(e.data("relation")).style,
      "width": (e) => relationStyle(e.data("relation")).width,
      "opacity": (e) => (e.data("outside") ? 0.55 : 0.9),
      "label": "data(label)", "font-size": 7, "color": "#555", "text-rotation": "autorotate",
      "text-background-color": "#fff", "text-background-opacity": 0.7, "text-background-padding": 1,
      "min-zoomed-font-size": 9 } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#ff00aa", "border-style": "solid" } },
    { selector: ".faded", style: { "opacity": 0.15 } },
    { selector: "node.path", style: { "border-width": 4, "border-color": "#ff00aa", "border-style": "solid",
      "opacity": 1, "z-index": 10 } },
    { selector: "edge.path", style: { "line-color": "#ff00aa", "target-arrow-color": "#ff00aa", "width": 5,
      "opacity": 1, "z-index": 10 } },
  ];
}

function layoutOptions(name) {
  if (name === "cose") {
    return { name: "cose", animate: false, randomize: false, nodeRepulsion: () => 9000, idealEdgeLength: () => 90,
             numIter: 1500, fit: true, padding: 20 };
  }
  // Hierarchy edges point from child to parent, so ranks run bottom-to-top: parents above children.
  return { name: "dagre", rankDir: "BT", nodeSep: 12, rankSep: 70, edgeSep: 6, animate: false, fit: true,
           padding: 20 };
}

function withShortLabels(elements) {
  const nodes = (elements.nodes || []).map((n) => {
    const alts = (n.data.altLabels || []).filter((a) => a.length < n.data.label.length);
    const shortest = alts.sort((a, b) => a.length - b.length)[0];
    return { group: "nodes", data: { ...n.data, short: shortest || n.data.label } };
  });
  const edges = (elements.edges || []).map((e) => ({ group: "edges", data: { ...e.data } }));
  return [...nodes, ...edges];
}

export function createGraph(container, elements, options = {}) {
  let layoutName = options.layout === "cose" ? "cose" : "dagre";
  const cy = cytoscape({
    container, elements: withShortLabels(elements), style: stylesheet(), wheelSensitivity: 0.3,
    selectionType: "single", boxSelectionEnabled: false, minZoom: 0.05, maxZoom: 4,
  });
  cy.on("tap", "node", (ev) => options.onSelect && options.onSelect(ev.target));
  cy.on("tap", (ev) => { if (ev.target === cy && options.onSelect) options.onSelect(null); });
  cy.on("dbltap", "node", (ev) => options.onExpand && options.onExpand(ev.target));

  function runLayout() {
    return new Promise((resolve) => {
      const layout = cy.layout(layoutOptions(layoutName));
      layout.one("layoutstop", () => resolve());
      layout.run();
    });
  }

  const api = {
    cy,
    get layout() { return layoutName; },
    ready: runLayout(),
    setLayout(name) { layoutName = name === "cose" ? "cose" : "dagre"; return runLayout(); },
    setElements(els) { cy.elements().remove(); cy.add(withShortLabels(els)); return runLayout(); },
    addElements(els) {
      const fresh = withShortLabels(els).filter((el) => cy.getElementById(el.data.id).empty());
      const nodes = fresh.filter((el) => el.group === "nodes");
      const edges = fresh.filter((el) => el.group === "edges" &&
        (!cy.getElementById(el.data.source).empty() || nodes.some((n) => n.data.id === el.data.source)) &&
        (!cy.getElementById(el.data.target).empty() || nodes.some((n) => n.data.id === el.data.target)));
      cy.add([...nodes, ...edges]);
      return runLayout();
    },
    select(id) {
      cy.nodes(":selected").unselect();
      if (!id) return null;
      const node = cy.getElementById(id);
      if (node.empty()) return null;
      node.select();
      cy.animate({ center: { eles: node }, duration: 0 });
      return node;
    },
    highlightPath(fromId, toId) {
      api.clearPath();
      const a = cy.getElementById(fromId), b = cy.getElementById(toId);
      if (a.empty() || b.empty()) return [];
      const found = cy.elements().aStar({ root: a, goal: b, directed: false });
      if (!found.found) return [];
      cy.elements().addClass("faded");
      found.path.removeClass("faded").addClass("path");
      return found.path.nodes().map((n) => n.id());
    },
    clearPath() { cy.elements().removeClass("faded path"); },
    png() { return cy.png({ output: "blob-promise", full: true, bg: "#ffffff", scale: 2 }); },
    svg() { return cy.svg({ full: true, bg: "#ffffff" }); },
  };
  return api;
}

// A legend of the kinds and relations, built with DOM nodes (never HTML strings).
export function renderLegend(element, kinds, relations) {
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
  const relList = document.createElement("ul");
  relList.className = "legend-relations";
  for (const rel of relations) {
    const li = document.createElement("li");
    const line = document.createElement("span");
    const st = relationStyle(rel.id);
    line.className = "line";
    line.style.borderTop = `${Math.max(2, st.width)}px ${st.style} ${st.color}`;
    line.setAttribute("aria-hidden", "true");
    li.append(line, document.createTextNode(rel.label));
    li.title = rel.id;
    relList.append(li);
  }
  element.append(kindList, relList);
}
