"use strict";
// The merchandiser console: the admin routes (/admin/config, /admin/preview, /admin/analytics/*,
// /admin/experiments) as forms, tables and charts. The admin key stays in this tab's sessionStorage and is
// sent as X-API-Key; X-Author names who made a change in the history.

const live = { version: 0, config: null };
let editing = -1;          // index of the rule in the rule form (-1: a new rule)
let draft = null;          // the config the preview compares with the live one

// ---- talking to the API -------------------------------------------------------------------------------

async function admin(path, options = {}) {
  return callApi(path, options, { "X-API-Key": sessionStorage.getItem("vindbaar.adminKey") || "",
    "X-Author": $("#author").value || "merchandiser" });
}

const clone = (value) => JSON.parse(JSON.stringify(value));
const cell = (text) => { const td = document.createElement("td"); td.textContent = text; return td; };

async function loadLive() {
  const view = await admin("/admin/config");
  live.version = view.version;
  live.config = view.config;
  $("#live-version").textContent = `Live config: version ${view.version}${view.version ? "" : " (the defaults)"}`;
  renderRules();
  $("#synonyms").value = live.config.synonyms.join("\n");
  const ranking = live.config.ranking;
  $("#lexical-weight").value = ranking.lexical_weight ?? "";
  $("#semantic-weight").value = ranking.semantic_weight ?? "";
  $("#personalization-strength").value = ranking.personalization_strength ?? "";
  $("#click-learning-strength").value = ranking.click_learning_strength ?? "";
  $("#default-sort").value = ranking.default_sort;
}

/** Publish `config`; on a 422 show the errors in `form` (whose fields are relative to `prefix`). */
async function publish(config, form, prefix, comment) {
  clearErrors(form);
  try {
    await admin("/admin/config", { method: "PUT", body: JSON.stringify({ config, base_version: live.version, comment }) });
  } catch (error) {
    if (error.status === 422) { showErrors(form, error.detail, prefix); return false; }
    if (error.status === 409) { form.querySelector(".form-error").textContent = "Someone published a change meanwhile: reload and try again."; return false; }
    form.querySelector(".form-error").textContent = error.message;
    return false;
  }
  await loadLive();
  toast(`Published version ${live.version}`);
  return true;
}

// ---- rules --------------------------------------------------------------------------------------------

function describeRule(rule) {
  const c = rule.condition;
  const when = [c.query_contains.length ? `query contains ${c.query_contains.join(", ")}` : "",
    c.query_equals.length ? `query is ${c.query_equals.join(", ")}` : "",
    c.category.length ? `in ${c.category.join(", ")}` : ""].filter(Boolean).join("; ") || "always";
  const does = [rule.pins.length ? `pins ${rule.pins.map((p) => `${p.product_id}@${p.position}`).join(", ")}` : "",
    rule.boosts.length ? `boosts ×${rule.boosts.map((b) => b.factor).join(", ")}` : "",
    rule.hide ? "hides products" : "", rule.filter ? "filters" : "", rule.banner ? "banner" : ""].filter(Boolean).join("; ");
  return [when, does || "nothing"];
}

function renderRules() {
  const body = $("#rule-table tbody");
  body.replaceChildren();
  live.config.rules.forEach((rule, index) => {
    const tr = document.createElement("tr");
    const [when, does] = describeRule(rule);
    tr.append(cell(rule.id), cell(when), cell(does), cell(rule.enabled ? "yes" : "no"));
    const actions = document.createElement("td");
    const edit = document.createElement("button");
    edit.type = "button"; edit.className = "secondary"; edit.textContent = "Edit";
    edit.setAttribute("aria-label", `Edit rule ${rule.id}`);
    edit.addEventListener("click", () => fillRuleForm(index));
    const remove = document.createElement("button");
    remove.type = "button"; remove.className = "secondary"; remove.textContent = "Delete";
    remove.setAttribute("aria-label", `Delete rule ${rule.id}`);
    remove.addEventListener("click", async () => {
      const config = clone(live.config);
      config.rules.splice(index, 1);
      await publish(config, $("#rule-form"), ["body", "config"], `deleted rule ${rule.id}`);
    });
    actions.append(edit, " ", remove);
    tr.append(actions);
    body.append(tr);
  });
  if (!live.config.rules.length) {
    const tr = document.createElement("tr");
    const td = cell("No rules yet: add one below.");
    td.colSpan = 5;
    tr.append(td);
    body.append(tr);
  }
}

function fillRuleForm(index) {
  const form = $("#rule-form");
  clearErrors(form);
  form.reset();
  editing = index;
  const rule = index >= 0 ? live.config.rules[index] : null;
  $("#rule-form-title").textContent = rule ? `Edit rule ${rule.id}` : "New rule";
  if (!rule) return;
  $("#rule-id").value = rule.id;
  $("#rule-description").value = rule.description;
  $("#rule-priority").value = rule.priority;
  $("#rule-enabled").checked = rule.enabled;
  $("#rule-query-contains").value = rule.condition.query_contains.join(", ");
  $("#rule-query-equals").value = rule.condition.query_equals.join(", ");
  rule.pins.slice(0, 2).forEach((pin, i) => {
    $(`#pin-product-${i}`).value = pin.product_id;
    $(`#pin-position-${i}`).value = pin.position;
  });
  const boost = rule.boosts[0];
  if (boost) {
    $("#boost-brand").value = (boost.filter.brand || []).join(", ");
    $("#boost-category").value = (boost.filter.category || []).join(", ");
    $("#boost-factor").value = boost.factor;
  }
  $("#rule-hide").value = rule.hide ? (rule.hide.ids || []).join(", ") : "";
}

/** The rule in the form, over the rule being edited (keeping what the form does not show). */
function ruleFromForm() {
  const base = editing >= 0 ? clone(live.config.rules[editing]) : {};
  const read = {};
  for (const input of $("#rule-form").querySelectorAll("[data-field]")) {
    const value = inputValue(input);
    if (value !== null) setPath(read, input.dataset.field, value);
  }
  const rule = { ...base, id: read.id ?? "", description: read.description ?? "", priority: read.priority ?? 0,
    enabled: read.enabled, condition: { ...(base.condition || {}), query_contains: read.condition?.query_contains ?? [],
      query_equals: read.condition?.query_equals ?? [] } };
  // Filled pin rows, in order (fill the first row first: an error at pins.N shows at row N).
  rule.pins = (read.pins || []).filter((pin) => pin && pin.product_id);
  const boost = read.boosts?.[0];
  rule.boosts = boost && (boost.filter || boost.factor != null) ? [{ filter: boost.filter || {}, factor: boost.factor ?? 1 }] : [];
  rule.hide = read.hide?.ids?.length ? { ids: read.hide.ids } : null;
  return rule;
}

function configWithRule(rule) {
  const config = clone(live.config);
  const index = editing >= 0 ? editing : config.rules.length;
  config.rules[index] = rule;
  return [config, index];
}

// ---- history ------------------------------------------------------------------------------------------

async function loadHistory() {
  const versions = await admin("/admin/config/versions");
  const body = $("#history-table tbody");
  body.replaceChildren();
  for (const v of versions) {
    const tr = document.createElement("tr");
    const comment = v.rolled_back_to ? `rollback to ${v.rolled_back_to}${v.comment ? `: ${v.comment}` : ""}` : v.comment;
    tr.append(cell(v.version), cell(new Date(v.created_at).toLocaleString()), cell(v.author), cell(comment), cell(v.rules));
    const actions = document.createElement("td");
    if (v.version > 1) {
      const diff = document.createElement("button");
      diff.type = "button"; diff.className = "secondary"; diff.textContent = "Diff";
      diff.setAttribute("aria-label", `Changes from version ${v.version - 1} to ${v.version}`);
      diff.addEventListener("click", async () => {
        const result = await admin(`/admin/config/diff?from_version=${v.version - 1}&to_version=${v.version}`);
        $("#history-diff").textContent = `Version ${v.version - 1} → ${v.version}:\n${describeChanges(result.changes).join("\n")}`;
      });
      actions.append(diff, " ");
    }
    if (v.version !== live.version) {
      const back = document.createElement("button");
      back.type = "button"; back.className = "secondary"; back.textContent = "Roll back";
      back.setAttribute("aria-label", `Make version ${v.version} live again`);
      back.addEventListener("click", async () => {
        await admin("/admin/config/rollback", { method: "POST", body: JSON.stringify({ version: v.version, base_version: live.version }) });
        await loadLive();
        await loadHistory();
        toast(`Version ${v.version} is live again (as version ${live.version})`);
      });
      actions.append(back);
    }
    tr.append(actions);
    body.append(tr);
  }
}

// ---- wiring -------------------------------------------------------------------------------------------

const LOADERS = { history: loadHistory, analytics: loadAnalytics, experiments: loadExperiments };

function showTab(name) {
  document.querySelectorAll(".tabs button").forEach((b) => {
    if (b.dataset.tab === name) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  });
  document.querySelectorAll(".tab").forEach((section) => { section.hidden = section.id !== `tab-${name}`; });
  if (LOADERS[name] && live.config) LOADERS[name]().catch((error) => toast(error.message));
}

async function connect() {
  try {
    await loadLive();
    $("#connection").textContent = "Connected";
    $("#connection").className = "";
  } catch (error) {
    $("#connection").textContent = error.status === 401 || error.status === 403 ? "That key may not use the admin routes." : error.message;
  }
}

$("#admin-key").value = sessionStorage.getItem("vindbaar.adminKey") || "";
$("#key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("vindbaar.adminKey", $("#admin-key").value);
  connect();
});
document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
$("#rule-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const [config, index] = configWithRule(ruleFromForm());
  if (await publish(config, $("#rule-form"), ["body", "config", "rules", index], $("#rule-comment").value)) fillRuleForm(-1);
});
$("#rule-new").addEventListener("click", () => fillRuleForm(-1));
$("#rule-preview").addEventListener("click", () => {
  const rule = ruleFromForm();
  [draft] = configWithRule(rule);
  // Preview a search the rule applies to.
  const query = rule.condition.query_equals[0] || rule.condition.query_contains[0];
  if (query) $("#preview-q").value = query;
  showTab("preview");
  runPreview();
});
$("#synonyms-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const config = { ...clone(live.config), synonyms: inputValue($("#synonyms")) || [] };
  await publish(config, $("#synonyms-form"), ["body", "config"], $("#synonyms-comment").value);
});
$("#ranking-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const config = clone(live.config);
  for (const input of $("#ranking-form").querySelectorAll("[data-field]")) {
    config.ranking[input.dataset.field.split(".")[1]] = inputValue(input);
  }
  await publish(config, $("#ranking-form"), ["body", "config"], $("#ranking-comment").value);
});
$("#preview-form").addEventListener("submit", (event) => { event.preventDefault(); runPreview(); });
$("#analytics-refresh").addEventListener("click", () => loadAnalytics().catch((error) => toast(error.message)));
$("#analytics-days").addEventListener("change", () => loadAnalytics().catch((error) => toast(error.message)));
if ($("#admin-key").value) connect();
