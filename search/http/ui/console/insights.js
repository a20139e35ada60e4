"use strict";
// The console's analytics and experiments views (read-only reports, drawn with charts.js); they use the
// console's `admin`, `cell`, `toast` and `loadLive` (console.js), called only once that has loaded.

// ---- analytics ----------------------------------------------------------------------------------------

const percent = (rate) => `${(rate * 100).toFixed(1)}%`;

async function loadAnalytics() {
  const days = Number($("#analytics-days").value);
  const start = new Date(Date.now() - days * 86400000).toISOString();
  const scope = `start=${encodeURIComponent(start)}`;
  const [overview, top, zero, timeline] = await Promise.all([
    admin(`/admin/analytics/overview?${scope}`), admin(`/admin/analytics/queries?${scope}&list=top&size=10`),
    admin(`/admin/analytics/queries?${scope}&list=zero_results&size=10`),
    admin(`/admin/analytics/timeline?${scope}&interval=${days === 1 ? "1h" : "1d"}`)]);
  const t = overview.total;
  const figures = [["Searches", t.searches], ["Without results", t.zero_results], ["Click-through rate", percent(t.click_through_rate)],
    ["Add-to-cart rate", percent(t.add_to_cart_rate)], ["Conversion", percent(t.conversion_rate)]];
  $("#overview").replaceChildren(...figures.map(([name, value]) => {
    const div = document.createElement("div");
    const dt = document.createElement("dt"); dt.textContent = name;
    const dd = document.createElement("dd"); dd.textContent = value;
    div.append(dt, dd);
    return div;
  }));
  const fill = (selector, rows, columns) => $(selector).replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    tr.append(...columns(row).map(cell));
    return tr;
  }));
  top.forEach((q) => { q.query = q.query || "(browsing, no words)"; });
  fill("#top-table tbody", top, (q) => [q.query, q.searches, percent(q.click_through_rate), percent(q.add_to_cart_rate)]);
  fill("#zero-table tbody", zero, (q) => [q.query, q.searches]);
  barChart($("#top-chart"), top.map((q) => ({ label: q.query, value: q.searches })));
  timelineChart($("#timeline-chart"), timeline.map((p) => ({
    label: days === 1 ? p.start.slice(11, 16) : p.start.slice(5, 10), count: p.searches, rate: p.click_through_rate })));
}

// ---- experiments --------------------------------------------------------------------------------------

async function loadExperiments() {
  const experiments = await admin("/admin/experiments");
  const body = $("#experiment-table tbody");
  body.replaceChildren();
  for (const experiment of experiments) {
    const tr = document.createElement("tr");
    tr.append(cell(experiment.id), cell(experiment.kind), cell(experiment.variants.map((v) => v.name).join(", ")),
      cell(experiment.status + (experiment.promoted ? ` (${experiment.promoted} promoted)` : "")));
    const actions = document.createElement("td");
    const report = document.createElement("button");
    report.type = "button"; report.className = "secondary"; report.textContent = "Report";
    report.setAttribute("aria-label", `Report of ${experiment.id}`);
    report.addEventListener("click", () => showReport(experiment.id).catch((error) => toast(error.message)));
    actions.append(report);
    if (experiment.status === "running") {
      const stop = document.createElement("button");
      stop.type = "button"; stop.className = "secondary"; stop.textContent = "Stop";
      stop.setAttribute("aria-label", `Stop ${experiment.id} without promoting a variant`);
      stop.addEventListener("click", async () => {
        await admin(`/admin/experiments/${encodeURIComponent(experiment.id)}/stop`, { method: "POST", body: "{}" });
        await loadLive();
        await loadExperiments();
      });
      actions.append(" ", stop);
    }
    tr.append(actions);
    body.append(tr);
  }
  $("#experiment-report").textContent = experiments.length ? ""
    : "No experiments in the live config. Start one with POST /admin/experiments.";
}

async function showReport(id) {
  const report = await admin(`/admin/experiments/${encodeURIComponent(id)}/report`);
  const rows = report.variants.map((v) => {
    const c = v.click_through_rate;
    const against = c ? ` · vs control ${c.difference >= 0 ? "+" : ""}${percent(c.difference)} (p = ${c.p_value.toFixed(3)})` : "";
    return `${v.name}: ${v.outcome.searches} searches, CTR ${percent(v.outcome.click_through_rate)}, `
      + `conversion ${percent(v.outcome.conversion_rate)}${against}`;
  });
  if (report.interleaving) {
    const i = report.interleaving;
    rows.push(`interleaving: ${i.wins_a} wins for A, ${i.wins_b} for B, ${i.ties} ties; preferred: ${i.preferred || "none yet"}`);
  }
  $("#experiment-report").textContent = `${report.experiment} (${report.kind})\n${rows.join("\n")}`;
  barChart($("#experiment-chart"), report.variants.map((v) => ({ label: v.name, value: v.outcome.click_through_rate })), percent);
}
