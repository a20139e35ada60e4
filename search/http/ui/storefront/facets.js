"use strict";
// Facets (disjunctive: each value's count holds with the other facets' filters) and result pages. They read
// and change the storefront's `state` and call its `runSearch` (storefront.js).

function renderFacets(facets) {
  const aside = $("#facets");
  aside.replaceChildren();
  for (const facet of facets) {
    if (!facet.values.length) continue;
    const set = document.createElement("fieldset");
    set.dataset.facet = facet.name;
    const legend = document.createElement("legend");
    legend.textContent = FACET_TITLES[facet.name] || facet.name;
    const list = document.createElement("ul");
    facet.values.forEach((value, index) => list.append(facetValue(facet.name, value, index)));
    set.append(legend, list);
    aside.append(set);
  }
}

function facetValue(name, value, index) {
  const li = document.createElement("li");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.id = `facet-${name}-${index}`;
  box.dataset.value = value.value;
  const label = document.createElement("label");
  label.htmlFor = box.id;
  const count = document.createElement("span");
  count.className = "count";
  count.textContent = ` (${value.count})`;
  if (name === "price") {
    box.checked = state.priceMin === (value.price_from ?? null) && state.priceMax === (value.price_to ?? null);
    label.textContent = value.price_from == null ? `Under ${value.price_to}`
      : value.price_to == null ? `${value.price_from} and up` : `${value.price_from} – ${value.price_to}`;
    box.addEventListener("change", () => {
      state.priceMin = box.checked ? value.price_from ?? null : null;
      state.priceMax = box.checked ? value.price_to ?? null : null;
      state.page = 1;
      runSearch();
    });
  } else if (name === "in_stock") {
    const inStock = value.value === "true" || value.value === "1";
    box.checked = inStock && state.inStock;
    box.disabled = !inStock;
    label.textContent = inStock ? "In stock" : "Out of stock";
    box.addEventListener("change", () => { state.inStock = box.checked; state.page = 1; runSearch(); });
  } else {
    const chosen = state[name] || [];
    box.checked = value.selected || chosen.includes(value.value);
    label.textContent = value.value;
    box.addEventListener("change", () => {
      state[name] = box.checked ? [...chosen, value.value] : chosen.filter((v) => v !== value.value);
      state.page = 1;
      runSearch();
    });
  }
  label.append(count);
  li.append(box, " ", label);
  return li;
}

function renderPages(response) {
  const nav = $("#pages");
  nav.replaceChildren();
  const last = Math.min(Math.ceil(response.total / response.size), Math.floor(1000 / response.size));
  if (last <= 1) return;
  const from = Math.max(1, response.page - 3);
  for (let page = from; page <= Math.min(last, from + 7); page++) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = page;
    button.setAttribute("aria-label", `Page ${page}`);
    if (page === response.page) button.setAttribute("aria-current", "page");
    button.addEventListener("click", () => { state.page = page; runSearch(); window.scrollTo(0, 0); });
    nav.append(button);
  }
}
