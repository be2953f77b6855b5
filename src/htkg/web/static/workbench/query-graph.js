// A named query's relation results drawn as a small graph, with the explorer's graph module.
// The server decides whether the results are relations (two columns of things per row) and sends
// nodes and edges as JSON; null means there is nothing to draw.
import { createGraph } from "/static/explore/graph.js";

const data = JSON.parse(document.getElementById("wb-graph-data").textContent);
const container = document.getElementById("wb-graph");
if (data && container) {
  container.hidden = false;
  const elements = {
    nodes: data.nodes.map((n) => ({ data: { id: n.id, label: n.label, href: n.href } })),
    edges: data.edges.map((e) => ({ data: { id: e.id, source: e.source, target: e.target, label: e.label } })),
  };
  const graph = createGraph(container, elements, {
    layout: "cose",
    onExpand: (node) => { window.location.href = node.data("href"); },
  });
  graph.ready.then(() => { container.dataset.drawn = String(graph.cy.nodes().length); });
}
