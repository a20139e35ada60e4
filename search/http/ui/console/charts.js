"use strict";
// Small inline SVG charts, drawn here: no chart library, nothing fetched from elsewhere.
const SVG = "http://www.w3.org/2000/svg";

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text != null) element.textContent = text;
  return element;
}

/** A horizontal bar chart of [{label, value}]; `format` writes a value. */
function barChart(container, rows, format = String) {
  container.replaceChildren();
  if (!rows.length) { container.textContent = "No data yet."; return; }
  const width = 420, bar = 18, gap = 6, left = 140;
  const height = rows.length * (bar + gap) + 4;
  const max = Math.max(...rows.map((r) => r.value), 1);
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img",
    "aria-label": rows.map((r) => `${r.label}: ${format(r.value)}`).join("; ") });
  rows.forEach((row, i) => {
    const y = i * (bar + gap);
    const w = Math.max(1, ((width - left - 50) * row.value) / max);
    svg.append(svgElement("text", { x: left - 6, y: y + bar * 0.72, "text-anchor": "end" }, row.label.slice(0, 22)));
    svg.append(svgElement("rect", { x: left, y, width: w, height: bar, fill: "#0a58a8", rx: 2 }));
    svg.append(svgElement("text", { x: left + w + 4, y: y + bar * 0.72 }, format(row.value)));
  });
  container.append(svg);
}

/** Bars for counts and a line for a rate (0..1) over time: points [{label, count, rate}]. */
function timelineChart(container, points) {
  container.replaceChildren();
  if (!points.length) { container.textContent = "No searches in this period."; return; }
  const width = 420, height = 190, left = 36, right = 40, top = 10, bottom = 40;
  const plotW = width - left - right, plotH = height - top - bottom;
  const maxCount = Math.max(...points.map((p) => p.count), 1);
  const step = plotW / points.length;
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img",
    "aria-label": points.map((p) => `${p.label}: ${p.count} searches, CTR ${(p.rate * 100).toFixed(0)}%`).join("; ") });
  svg.append(svgElement("line", { x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, stroke: "#4a5560" }));
  svg.append(svgElement("text", { x: 2, y: top + 8 }, String(maxCount)));
  svg.append(svgElement("text", { x: left + plotW + 4, y: top + 8 }, "100%"));
  let path = "";
  points.forEach((p, i) => {
    const h = (plotH * p.count) / maxCount;
    const x = left + i * step;
    svg.append(svgElement("rect", { x: x + step * 0.15, y: top + plotH - h, width: step * 0.7, height: h, fill: "#9cc3ea" }));
    const cx = x + step / 2, cy = top + plotH - plotH * p.rate;
    path += `${i ? "L" : "M"}${cx.toFixed(1)},${cy.toFixed(1)}`;
    if (points.length <= 14 || i % Math.ceil(points.length / 7) === 0) {
      svg.append(svgElement("text", { x: cx, y: top + plotH + 14, "text-anchor": "middle" }, p.label));
    }
  });
  svg.append(svgElement("path", { d: path, fill: "none", stroke: "#a4001d", "stroke-width": 2 }));
  points.forEach((p, i) => svg.append(svgElement("circle", { cx: left + i * step + step / 2,
    cy: top + plotH - plotH * p.rate, r: 3, fill: "#a4001d" })));
  svg.append(svgElement("text", { x: left, y: height - 4 }, "bars: searches · red line: click-through rate"));
  container.append(svg);
}
