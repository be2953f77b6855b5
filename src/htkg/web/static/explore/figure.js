// figure.js — the exported picture: what is on screen, at print resolution, with its legend and a caption
// naming the release and the filters. PNG is composed on a canvas, SVG as one document.

import { OUTSIDE_NOTE, kindStyle, legendRelations, relationStyle } from "./graph.js";

const DASH = { solid: [], dashed: [8, 5], dotted: [2, 4] };
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

// Legend rows laid out for a given width (CSS pixels): [{type, x, y, label, …}], and the height used.
function legendLayout(kinds, relations, width, outside) {
  const items = [
    ...kinds.map((k) => ({ type: "kind", kind: k, label: k })),
    ...(outside ? [{ type: "outside", label: OUTSIDE_NOTE }] : []),
    ...legendRelations(relations).map((r) => ({ type: "relation", label: r.label })),
  ];
  const rows = [];
  let x = 12, y = 20;
  for (const it of items) {
    const w = 40 + it.label.length * 7.2;
    if (x + w > width - 12) { x = 12; y += 22; }
    rows.push({ ...it, x, y });
    x += w + 14;
  }
  return { rows, height: y + 16 };
}

function captionLines(caption, width) {
  const words = caption.split(" ");
  const lines = [];
  let line = "";
  for (const w of words) {
    if ((line + " " + w).length * 7 > width - 24 && line) { lines.push(line); line = w; } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

export async function figurePNG(graph, kinds, relations, caption, outside = false, scale = 3) {
  const blob = await graph.png({ scale });
  const img = await createImageBitmap(blob);
  const width = img.width / scale;
  const legend = legendLayout(kinds, relations, width, outside);
  const lines = captionLines(caption, width);
  const extra = legend.height + lines.length * 18 + 12;
  const canvas = document.createElement("canvas");
  canvas.width = img.width;
  canvas.height = img.height + extra * scale;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0);
  ctx.scale(scale, scale);
  ctx.translate(0, img.height / scale);
  ctx.strokeStyle = "#d1d9e0";
  ctx.beginPath(); ctx.moveTo(0, 2); ctx.lineTo(width, 2); ctx.stroke();
  ctx.font = `12px ${FONT}`;
  ctx.textBaseline = "middle";
  for (const r of legend.rows) {
    if (r.type === "kind") {
      ctx.fillStyle = kindStyle(r.kind).color;
      ctx.fillRect(r.x, r.y - 6, 12, 12);
    } else if (r.type === "outside") {
      ctx.strokeStyle = "#333";
      ctx.lineWidth = 1.5;
      ctx.setLineDash([3, 2]);
      ctx.strokeRect(r.x, r.y - 6, 12, 12);
      ctx.setLineDash([]);
    } else {
      const st = relationStyle(r.label);
      ctx.strokeStyle = st.color;
      ctx.lineWidth = Math.max(2, st.width);
      ctx.setLineDash(DASH[st.style] || []);
      ctx.beginPath(); ctx.moveTo(r.x, r.y); ctx.lineTo(r.x + 30, r.y); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.fillStyle = "#1b1f24";
    ctx.fillText(r.label, r.x + (r.type === "relation" ? 36 : 18), r.y);
  }
  ctx.fillStyle = "#444";
  lines.forEach((l, i) => ctx.fillText(l, 12, legend.height + 10 + i * 18));
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

export function figureSVG(graph, kinds, relations, caption, outside = false) {
  const NS = "http://www.w3.org/2000/svg";
  const inner = new DOMParser().parseFromString(graph.svg(), "image/svg+xml").documentElement;
  const width = parseFloat(inner.getAttribute("width")) || graph.cy.width();
  const height = parseFloat(inner.getAttribute("height")) || graph.cy.height();
  const legend = legendLayout(kinds, relations, width, outside);
  const lines = captionLines(caption, width);
  const total = height + legend.height + lines.length * 18 + 12;
  const doc = document.implementation.createDocument(NS, "svg", null);
  const svg = doc.documentElement;
  const attrs = (el, a) => { for (const [k, v] of Object.entries(a)) el.setAttribute(k, String(v)); return el; };
  attrs(svg, { width, height: total, viewBox: `0 0 ${width} ${total}`, "font-family": FONT });
  const title = doc.createElementNS(NS, "title");
  title.textContent = caption;
  svg.append(title);
  svg.append(attrs(doc.createElementNS(NS, "rect"), { x: 0, y: 0, width, height: total, fill: "#fff" }));
  const picture = doc.importNode(inner, true);
  attrs(picture, { x: 0, y: 0, width, height });
  svg.append(picture);
  const g = attrs(doc.createElementNS(NS, "g"), { transform: `translate(0 ${height})`, "font-size": 12 });
  g.append(attrs(doc.createElementNS(NS, "line"), { x1: 0, y1: 2, x2: width, y2: 2, stroke: "#d1d9e0" }));
  for (const r of legend.rows) {
    if (r.type === "kind") {
      g.append(attrs(doc.createElementNS(NS, "rect"), { x: r.x, y: r.y - 6, width: 12, height: 12, fill: kindStyle(r.kind).color }));
    } else if (r.type === "outside") {
      g.append(attrs(doc.createElementNS(NS, "rect"), { x: r.x, y: r.y - 6, width: 12, height: 12, fill: "none",
        stroke: "#333", "stroke-dasharray": "3 2" }));
    } else {
      const st = relationStyle(r.label);
      g.append(attrs(doc.createElementNS(NS, "line"), { x1: r.x, y1: r.y, x2: r.x + 30, y2: r.y, stroke: st.color,
        "stroke-width": Math.max(2, st.width), "stroke-dasharray": (DASH[st.style] || []).join(" ") || "none",
        class: "legend-relation", "data-relation": r.label }));
    }
    const t = attrs(doc.createElementNS(NS, "text"), { x: r.x + (r.type === "relation" ? 36 : 18), y: r.y + 4, fill: "#1b1f24" });
    t.textContent = r.label;
    g.append(t);
  }
  lines.forEach((l, i) => {
    const t = attrs(doc.createElementNS(NS, "text"), { x: 12, y: legend.height + 14 + i * 18, fill: "#444", class: "caption" });
    t.textContent = l;
    g.append(t);
  });
  svg.append(g);
  return new XMLSerializer().serializeToString(doc);
}
