"use strict";
// Live and draft side by side (POST /admin/preview), and DeepDiff changes in words (also for the history).
// Uses the console's `admin` and `draft` (console.js), called only once that has loaded.

// ---- preview ------------------------------------------------------------------------------------------

function explainText(item) {
  const e = item.explain || {};
  const parts = [];
  if (e.pinned) parts.push("pinned");
  if (e.rules) parts.push(`rules: ${JSON.stringify(e.rules)}`);
  parts.push(e.lexical_rank ? `words #${e.lexical_rank}` : "no word match");
  parts.push(e.semantic_rank ? `meaning #${e.semantic_rank}` : "not near in meaning");
  if (e.personalization) {
    const words = e.personalization.taste_words;  // the shopper's taste words this item has
    const price = e.personalization.price_leaning;  // "lower" or "higher": the shopper's price leaning
    const reasons = [...(words || []), ...(price ? [`${price} price`] : [])];
    parts.push(`taste: from #${e.personalization.base_rank}${reasons.length ? ` (${reasons.join(", ")})` : ""}`);
  }
  if (e.learned) parts.push(`learned ×${e.learned.factor}`);
  return parts.join(" · ");
}

function renderRanked(list, items, other) {
  // Each item with its move against the other ranking: ▲ up, ▼ down, "new" when the other lacks it.
  list.replaceChildren();
  items.forEach((item, index) => {
    const li = document.createElement("li");
    li.dataset.id = item.id;
    const there = other.indexOf(item.id);
    const move = there < 0 ? "new here" : there > index ? `▲ ${there - index}` : there < index ? `▼ ${index - there}` : "";
    if (there < 0 || Math.abs(there - index) > 1) li.className = "moved";
    const title = document.createElement("div");
    title.textContent = `${item.title} (${item.id})`;
    const why = document.createElement("div");
    why.className = "explain";
    why.textContent = [move, explainText(item)].filter(Boolean).join(" · ");
    li.append(title, why);
    list.append(li);
  });
}

/** DeepDiff's answer as lines a person reads: "added rules[0] (drum-pin)", "changed ranking.x: 1 → 2". */
function describeChanges(changes) {
  const path = (p) => p.replace(/^root/, "").replace(/\['([^']+)'\]/g, ".$1").replace(/^\./, "");
  const lines = [];
  for (const [kind, entries] of Object.entries(changes)) {
    const verb = kind.includes("added") ? "added" : kind.includes("removed") ? "removed" : "changed";
    const items = Array.isArray(entries) ? entries.map((p) => [p, null]) : Object.entries(entries);
    for (const [where, what] of items) {
      let detail = "";
      if (what && typeof what === "object" && "old_value" in what) detail = `: ${JSON.stringify(what.old_value)} → ${JSON.stringify(what.new_value)}`;
      else if (what && typeof what === "object" && what.id) detail = ` (${what.id})`;
      else if (what != null && typeof what !== "object") detail = `: ${JSON.stringify(what)}`;
      lines.push(`${verb} ${path(where)}${detail}`);
    }
  }
  return lines;
}

async function runPreview() {
  const config = draft || live.config;
  try {
    const result = await admin("/admin/preview", { method: "POST",
      body: JSON.stringify({ search: { q: $("#preview-q").value, size: 10 }, draft: config }) });
    const lines = describeChanges(result.changes);
    $("#preview-changes").textContent = lines.length
      ? `The draft against live version ${result.base_version}:\n${lines.join("\n")}` : "The draft is the live config.";
    const liveIds = result.live.items.map((i) => i.id), draftIds = result.draft.items.map((i) => i.id);
    renderRanked($("#preview-live"), result.live.items, draftIds);
    renderRanked($("#preview-draft"), result.draft.items, liveIds);
  } catch (error) {
    $("#preview-changes").textContent = error.status === 422
      ? `The draft is not valid: ${error.detail.map((d) => `${d.loc.slice(2).join(".")}: ${d.msg}`).join("; ")}` : error.message;
  }
}
