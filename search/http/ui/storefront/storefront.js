"use strict";
// The demo storefront: what a shop's own frontend does with Vindbaar's public API. It searches and
// completes with the public search key, and sends shoppers' clicks and add-to-carts to POST /events with
// the search's query_id and the result's position. A logged-in shopper is proven by the user token the
// shop's backend signed (X-User-Token); the page never names a user without it.

const PAGE_SIZE = 24;
const FACET_TITLES = { category: "Category", brand: "Brand", price: "Price", in_stock: "Availability" };
const PLACEHOLDER_COLOURS = ["#0a58a8", "#1d6b35", "#8a1c5c", "#7a4b00", "#4b3f99", "#005f6b"];

const state = {
  q: "", brand: [], category: [], priceMin: null, priceMax: null, inStock: false, sort: "", page: 1,
  correct: true, shopper: null, lastResponse: null,
};
const shop = { searchKey: null, shoppers: [] };
let cart = 0;
let completion = null;

function randomId() {
  return (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)).replace(/-/g, "");
}
// Session: this tab's visit; client: the browser (UBI's client_id). Both random, never personal data.
const sessionId = sessionStorage.getItem("vindbaar.session") || randomId();
sessionStorage.setItem("vindbaar.session", sessionId);
const clientId = localStorage.getItem("vindbaar.client") || randomId();
localStorage.setItem("vindbaar.client", clientId);

function headers() {
  const result = {};
  if (shop.searchKey) result["X-API-Key"] = shop.searchKey;
  if (state.shopper) result["X-User-Token"] = state.shopper.token;
  return result;
}

async function api(path, options = {}) {
  return callApi(path, options, headers());
}

// ---- search -------------------------------------------------------------------------------------------

function searchParams() {
  const params = new URLSearchParams({ q: state.q, page: state.page, size: PAGE_SIZE, explain: "true",
    highlight: "false", session_id: sessionId, client_id: clientId });
  state.brand.forEach((b) => params.append("brand", b));
  state.category.forEach((c) => params.append("category", c));
  if (state.priceMin != null) params.set("price_min", state.priceMin);
  if (state.priceMax != null) params.set("price_max", state.priceMax);
  if (state.inStock) params.set("in_stock", "true");
  if (state.sort) params.set("sort", state.sort);
  if (!state.correct) params.set("correct", "false");
  if (state.shopper) params.set("user_id", state.shopper.id);
  return params;
}

let searchesStarted = 0;

async function runSearch() {
  // Answers can arrive out of order (a browse page is slower than a word search): only the latest search's
  // answer is shown, or a shopper would see, and click in, the results of a search they already replaced.
  const number = ++searchesStarted;
  let response;
  try {
    response = await api(`/search?${searchParams()}`);
  } catch (error) {
    if (number === searchesStarted) $("#summary").textContent = `Search failed: ${error.message}`;
    return;
  }
  if (number !== searchesStarted) return;
  state.lastResponse = response;
  renderResults(response);
  renderFacets(response.facets);
  renderPages(response);
  const words = state.q ? ` for “${response.corrected_query || state.q}”` : "";
  $("#status").textContent = `${response.total} results${words}.`;
}

function newSearch(text) {
  Object.assign(state, { q: text, brand: [], category: [], priceMin: null, priceMax: null, page: 1, correct: true });
  $("#q").value = text;
  if (completion) completion.close();
  runSearch();
}

function renderResults(response) {
  const words = state.q ? ` for “${state.q}”` : "";
  $("#summary").textContent = `${response.total} results${words} · ${Math.round(response.took_ms)} ms`;
  const dym = $("#did-you-mean");
  dym.hidden = !response.corrected_query;
  dym.replaceChildren();
  if (response.corrected_query) {
    dym.append(`Showing results for “${response.corrected_query}”. `);
    const original = document.createElement("button");
    original.className = "link";
    original.textContent = `Search instead for “${state.q}”`;
    original.addEventListener("click", () => { state.correct = false; state.page = 1; runSearch(); });
    dym.append(original);
  }
  const badge = $("#personalized");
  badge.hidden = !response.personalized;
  badge.textContent = response.personalized
    ? `Personalized for ${state.shopper ? state.shopper.name : "this visit"}` : "";
  const list = $("#results");
  list.replaceChildren(...response.items.map((item, index) => tile(item, (response.page - 1) * response.size + index + 1)));
}

function placeholder(item) {
  // The demo catalog has no pictures we may show offline: a coloured tile with the brand's initials.
  const box = document.createElement("div");
  box.className = "placeholder";
  const seed = [...(item.category_path || item.title)].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  box.style.background = PLACEHOLDER_COLOURS[seed % PLACEHOLDER_COLOURS.length];
  box.textContent = (item.brand || item.title).slice(0, 2).toUpperCase();
  box.setAttribute("aria-hidden", "true");
  return box;
}

function tile(item, position) {
  const li = document.createElement("li");
  li.className = "tile card";
  li.dataset.id = item.id;
  li.dataset.position = position;
  const title = document.createElement("h3");
  const link = document.createElement("a");
  link.href = `#product-${encodeURIComponent(item.id)}`;
  link.textContent = item.title;
  link.title = item.title;  // long titles are cut at three lines
  link.addEventListener("click", (event) => {
    event.preventDefault();
    li.classList.add("viewed");
    sendEvent("click", item, position);
  });
  title.append(link);
  const price = document.createElement("p");
  price.className = "price";
  price.style.margin = "0";
  price.textContent = item.price == null ? "" : formatPrice(item.price, item.currency);
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.style.margin = "0";
  meta.textContent = [item.brand, item.category_path].filter(Boolean).join(" · ");
  const actions = document.createElement("div");
  actions.className = "actions";
  const add = document.createElement("button");
  add.type = "button";
  add.textContent = "Add to cart";
  add.setAttribute("aria-label", `Add ${item.title} to cart`);
  add.addEventListener("click", () => {
    cart += 1;
    $("#cart-count").textContent = cart;
    sendEvent("add_to_cart", item, position);
  });
  actions.append(add);
  li.append(placeholder(item), title, price, meta);
  if ($("#why").checked && item.explain) li.append(why(item.explain));
  li.append(actions);
  return li;
}

function why(explain) {
  // The API's explanation of the item's place, in words.
  const list = document.createElement("ul");
  list.className = "why";
  const line = (text) => { const li = document.createElement("li"); li.textContent = text; list.append(li); };
  line(explain.lexical_rank ? `Words match: #${explain.lexical_rank}` : "No word match");
  line(explain.semantic_rank ? `Meaning match: #${explain.semantic_rank}` : "Not among the closest in meaning");
  line(`Fused score ${Number(explain.fused_score).toFixed(4)}`);
  const moved = (part) => (part.base_rank === part.rank ? `stays #${part.rank}`
    : `moved from #${part.base_rank} to #${part.rank}`);
  const personal = explain.personalization;
  if (personal) {
    // The strongest reasons of the personal boost (each 0..1: how well the item fits the shopper's taste).
    const parts = Object.entries(personal).filter(([k, v]) => !["base_rank", "rank", "boost"].includes(k) && typeof v === "number")
      .sort((a, b) => b[1] - a[1]).slice(0, 2).map(([k, v]) => `${k.replace("_", " ")} ${v.toFixed(2)}`);
    line(`Your taste: ${moved(personal)}${parts.length ? ` (${parts.join(", ")})` : ""}`);
    // The words of the shopper's own choices that this item has: a reason they can check.
    if (personal.taste_words) line(`You often choose: ${personal.taste_words.join(", ")}`);
    // Where the shopper's choices stood among the prices shown, and this item stands likewise.
    if (personal.price_leaning) line(`You often choose ${personal.price_leaning}-priced options`);
  }
  // A ranking model learned from shoppers' choices orders the candidates (its own features, no weights).
  if (explain.learned_model) line(`Learned ranking: ${moved(explain.learned_model)}`);
  if (explain.learned) line(`Shoppers chose it for this search: ×${explain.learned.factor}`);
  if (explain.pinned) line("Placed here by the shop");
  return list;
}

async function sendEvent(action, item, position) {
  const response = state.lastResponse;
  const event = { event_id: randomId(), action_name: action, object_id: item.id, position,
    query_id: response ? response.query_id : undefined, session_id: sessionId, client_id: clientId,
  };
  if (state.shopper) event.user_id = state.shopper.id;
  if (action === "add_to_cart") { event.quantity = 1; if (item.price != null) event.price = item.price; }
  try {
    const report = await api("/events", { method: "POST", body: JSON.stringify({ events: [event] }) });
    const verb = action === "click" ? "Viewed" : "Added to cart";
    const note = report.skipped_no_consent ? " (not remembered: no consent to personalize)" : "";
    toast(`${verb}: ${item.title.slice(0, 60)}${note}`);
  } catch (error) {
    toast(`Could not record the ${action}: ${error.message}`);
  }
}

// ---- shoppers and consent -----------------------------------------------------------------------------

async function loadShop() {
  // The demo shop's backend hands the page its search key and its shoppers' tokens. A shop without it
  // (the API alone) still works for anonymous visitors.
  try {
    const response = await fetch("/demo-shop/session");
    if (response.ok) {
      const body = await response.json();
      shop.searchKey = body.search_key;
      shop.shoppers = body.shoppers;
    }
  } catch (error) { /* no demo backend: anonymous only */ }
  const select = $("#shopper");
  for (const shopper of shop.shoppers) {
    const option = document.createElement("option");
    option.value = shopper.id;
    option.textContent = shopper.name;
    select.append(option);
  }
}

function consentKey() {
  return `vindbaar.consent.${state.shopper ? state.shopper.id : sessionId}`;
}

function showShopper() {
  $("#shopper-taste").textContent = state.shopper ? `likes ${state.shopper.taste}` : "";
  // The simulated shoppers agreed to personalization when they signed up; an anonymous visit has not, yet.
  const stored = localStorage.getItem(consentKey());
  $("#consent").checked = stored == null ? Boolean(state.shopper) : stored === "yes";
}

async function setConsent(granted) {
  const path = state.shopper ? `/users/${encodeURIComponent(state.shopper.id)}/consent`
    : `/sessions/${encodeURIComponent(sessionId)}/consent`;
  try {
    await api(path, { method: "PUT", body: JSON.stringify({ personalization: granted }) });
    localStorage.setItem(consentKey(), granted ? "yes" : "no");
    toast(granted ? "Personalization on" : "Personalization off: what was learned is deleted");
  } catch (error) {
    toast(`Could not record consent: ${error.message}`);
  }
  runSearch();
}

// ---- wiring -------------------------------------------------------------------------------------------

async function start() {
  await loadShop();
  showShopper();
  completion = Autocomplete($("#q"), $("#ac-list"), $("#status"), {
    fetch: (text) => api(`/autocomplete?${new URLSearchParams({ q: text, session_id: sessionId, client_id: clientId })}`),
    choose: (option) => {
      if (option.kind === "category") {
        Object.assign(state, { q: "", brand: [], category: [option.path], priceMin: null, priceMax: null, page: 1 });
        $("#q").value = "";
        runSearch();
      } else {
        newSearch(option.text);
      }
    },
  });
  $("#search-form").addEventListener("submit", (event) => { event.preventDefault(); newSearch($("#q").value.trim()); });
  $("#sort").addEventListener("change", () => { state.sort = $("#sort").value; state.page = 1; runSearch(); });
  $("#why").addEventListener("change", () => { if (state.lastResponse) renderResults(state.lastResponse); });
  $("#consent").addEventListener("change", () => setConsent($("#consent").checked));
  $("#shopper").addEventListener("change", () => {
    state.shopper = shop.shoppers.find((s) => s.id === $("#shopper").value) || null;
    showShopper();
    state.page = 1;
    runSearch();
  });
  runSearch();
}

start();
