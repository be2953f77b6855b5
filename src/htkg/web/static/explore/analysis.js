// analysis.js — questions asked of the whole network (Cytoscape JSON from /api/graph), without drawing:
// the shortest paths between two nodes, and what two nodes share. Pure functions, no DOM.

// Kinds a path never passes through unless asked to: a topic, a page or a source ties everything to
// everything, which says nothing about who is under, funds or runs whom.
export const HUB_KINDS = new Set(["topic", "page", "source"]);

// Undirected adjacency over the edges of the given relations (all if null), skipping hub nodes unless `any`.
export function adjacency(full, relations, any = false) {
  const kinds = new Map(full.elements.nodes.map((n) => [n.data.id, n.data.kind]));
  const wanted = relations ? new Set(relations) : null;
  const adj = new Map();
  for (const e of full.elements.edges) {
    const d = e.data;
    if (wanted && !wanted.has(d.relation)) continue;
    if (!kinds.has(d.source) || !kinds.has(d.target)) continue;
    for (const [a, b] of [[d.source, d.target], [d.target, d.source]]) {
      if (!adj.has(a)) adj.set(a, []);
      adj.get(a).push({ to: b, edge: d.id });
    }
  }
  return { adj, passable: (id) => any || !HUB_KINDS.has(kinds.get(id)) };
}

// Shortest paths from `from` to `to` (breadth first, either direction): [{nodes: [...], edges: [...]}].
// With all=false only the first found; with all=true every shortest one (at most `cap`).
export function shortestPaths(graph, from, to, all = false, cap = 24) {
  const { adj, passable } = graph;
  if (from === to || !adj.has(from) || !adj.has(to)) return [];
  const dist = new Map([[from, 0]]);
  const preds = new Map();
  let frontier = [from];
  while (frontier.length && !dist.has(to)) {
    const next = [];
    for (const a of frontier) {
      if (a !== from && !passable(a)) continue;          // a hub may end a path, not carry one
      for (const { to: b, edge } of adj.get(a) || []) {
        if (!dist.has(b)) { dist.set(b, dist.get(a) + 1); next.push(b); }
        if (dist.get(b) === dist.get(a) + 1) {
          if (!preds.has(b)) preds.set(b, []);
          preds.get(b).push({ from: a, edge });
        }
      }
    }
    frontier = next;
  }
  if (!dist.has(to)) return [];
  const paths = [];
  const walk = (node, nodes, edges) => {
    if (paths.length >= (all ? cap : 1)) return;
    if (node === from) { paths.push({ nodes: [from, ...nodes], edges: [...edges] }); return; }
    const ps = [...(preds.get(node) || [])].sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : 0));
    for (const p of ps) walk(p.from, [node, ...nodes], [p.edge, ...edges]);
  };
  walk(to, [], []);
  return paths;
}

// What a and b share: common wholes (through the upward relations, transitively), then per relation the
// nodes both point to and the nodes pointing to both. [{heading, ids: [...]}], empty groups left out.
export function compareNodes(full, a, b, upward) {
  const up = new Set(upward);
  const out = new Map(), inn = new Map();
  for (const e of full.elements.edges) {
    const d = e.data;
    if (!out.has(d.source)) out.set(d.source, []);
    if (!inn.has(d.target)) inn.set(d.target, []);
    out.get(d.source).push(d);
    inn.get(d.target).push(d);
  }
  const ancestors = (id) => {
    const seen = new Set(), todo = [id];
    while (todo.length) {
      const x = todo.pop();
      for (const d of out.get(x) || []) {
        if (up.has(d.relation) && !seen.has(d.target)) { seen.add(d.target); todo.push(d.target); }
      }
    }
    return seen;
  };
  const groups = [];
  const pa = ancestors(a), pb = ancestors(b);
  const parents = [...pa].filter((x) => pb.has(x) && x !== a && x !== b);
  if (parents.length) groups.push({ heading: "Both are part of", ids: parents });
  const by = (list, end) => {
    const m = new Map();
    for (const d of list || []) {
      if (!m.has(d.label)) m.set(d.label, new Set());
      m.get(d.label).add(d[end]);
    }
    return m;
  };
  const oa = by(out.get(a), "target"), ob = by(out.get(b), "target");
  for (const [label, ids] of oa) {
    if (ob.has(label)) {
      const shared = [...ids].filter((x) => ob.get(label).has(x) && !(label === "is part of" && parents.includes(x)));
      if (shared.length) groups.push({ heading: `Both ${label}`, ids: shared });
    }
  }
  const ia = by(inn.get(a), "source"), ib = by(inn.get(b), "source");
  for (const [label, ids] of ia) {
    if (ib.has(label)) {
      const shared = [...ids].filter((x) => ib.get(label).has(x));
      if (shared.length) groups.push({ heading: `… ${label} both`, ids: shared });
    }
  }
  return groups;
}
