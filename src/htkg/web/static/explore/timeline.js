// timeline.js — draw /api/timeline as an SVG time axis: one row per dated resource, a bar for a period
// (start–end; no end: still running as far as the sources say), a dot for a dated event; each bar and dot
// links to its citation. The page's own date, when the graph has one, is a vertical marker.

import { kindStyle } from "./graph.js";

const NS = "http://www.w3.org/2000/svg";
const ROW = 26, TOP = 34, RIGHT = 24;

const year = (d) => {
  const [y, m = 1, day = 1] = d.split("-").map(Number);
  return y + (m - 1) / 12 + (day - 1) / 365;
};

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Where a bar or dot links: the outside source of its citation, else the resource's own page (which
// quotes the page's words).
function citationOf(item, graphs) {
  const cites = item.citations.filter((c) => !graphs || graphs.includes(c.graph));
  const outside = cites.find((c) => /^https?:\/\//.test(c.source || ""));
  const text = cites.map((c) => (c.quote ? `“${c.quote}”` : [c.title, c.source].filter(Boolean).join(" — "))).join(" | ");
  return { href: outside ? outside.source : item.path || "#", text: text || "no citation" };
}

export function drawTimeline(container, data, width) {
  container.replaceChildren();
  if (!data.items.length) {
    container.append(Object.assign(document.createElement("p"), { textContent: "No dated facts for this selection." }));
    return null;
  }
  const now = new Date().getFullYear();
  const dates = [...data.items.flatMap((i) => i.facts.map((f) => year(f.date))), ...data.pageDates.map((f) => year(f.date))];
  const lo = Math.floor(Math.min(...dates) / 10) * 10, hi = Math.max(now, Math.ceil(Math.max(...dates)));
  const w = Math.max(width, 320);                  // drawn at the container's width: text stays 12 px
  const LEFT = w < 640 ? 150 : 300, room = w < 640 ? 22 : 44;
  const x = (v) => LEFT + ((v - lo) / (hi - lo)) * (w - LEFT - RIGHT);
  const h = TOP + data.items.length * ROW + 12;
  const svg = el("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, "aria-labelledby": "timeline-svg-title", "font-family": "system-ui, sans-serif", "font-size": 12 });
  svg.append(el("title", { id: "timeline-svg-title" }, `Timeline of ${data.items.length} dated resources, ${lo}–${hi}`));
  // axis: a tick per decade (per 5 years on a short span)
  const raw = (hi - lo) / Math.max(2, (w - LEFT - RIGHT) / 60);     // a year label every 60 px or more
  const step = [1, 2, 5, 10, 20, 25, 50, 100].find((n) => n >= raw) || 100;
  for (let t = lo; t <= hi; t += step) {
    svg.append(el("line", { x1: x(t), x2: x(t), y1: TOP - 8, y2: h - 8, stroke: "#e1e6eb" }));
    svg.append(el("text", { x: x(t), y: TOP - 14, "text-anchor": "middle", fill: "#3d444d" }, String(t)));
  }
  for (const p of data.pageDates) {
    svg.append(el("line", { x1: x(year(p.date)), x2: x(year(p.date)), y1: TOP - 8, y2: h - 8, stroke: "#000",
      "stroke-dasharray": "6 4", "stroke-width": 2, class: "page-date" }));
    svg.append(el("text", { x: x(year(p.date)) + 4, y: h - 12, fill: "#000" }, `the page (${p.date})`));
  }
  data.items.forEach((item, i) => {
    const y = TOP + i * ROW + ROW / 2;
    const row = el("g", { class: "timeline-row", "data-iri": item.iri });
    const name = item.label.length > room ? `${item.label.slice(0, room - 2)}…` : item.label;
    const label = el("text", { x: LEFT - 8, y: y + 4, "text-anchor": "end", fill: "#1b1f24" }, name);
    label.append(el("title", {}, `${item.label}${item.type ? ` (${item.type})` : ""}`));
    row.append(label);
    const colour = item.kind ? kindStyle(item.kind).color : "#0072b2";
    if (item.start || item.end) {
      const facts = item.facts.filter((f) => f.reading === "start" || f.reading === "end");
      const cite = citationOf(item, facts.flatMap((f) => f.graphs));
      const x1 = x(year(item.start || item.end)), x2 = item.end ? x(year(item.end)) : x(hi);
      const a = el("a", { href: cite.href, class: "timeline-bar", "data-start": item.start || "", "data-end": item.end || "" });
      a.append(el("title", {}, `${item.label}: ${item.start || "?"}–${item.end || "(no end stated)"}. ${cite.text}`));
      a.append(el("rect", { x: x1, y: y - 7, width: Math.max(4, x2 - x1), height: 14, rx: 3, fill: colour,
        "fill-opacity": item.end ? 0.9 : 0.55 }));
      row.append(a);
    }
    for (const f of item.facts.filter((fa) => fa.reading !== "start" && fa.reading !== "end")) {
      const cite = citationOf(item, f.graphs);
      const a = el("a", { href: cite.href, class: "timeline-point", "data-date": f.date });
      a.append(el("title", {}, `${item.label}: ${f.reading} ${f.date}. ${cite.text}`));
      a.append(el("circle", { cx: x(year(f.date)), cy: y, r: 6, fill: colour, stroke: "#fff", "stroke-width": 1.5 }));
      row.append(a);
    }
    svg.append(row);
  });
  container.append(svg);
  return svg;
}
