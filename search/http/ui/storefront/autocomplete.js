"use strict";
// As-you-type suggestions in the ARIA combobox pattern (WAI-ARIA APG, "list autocomplete"): the input keeps
// the focus, aria-activedescendant names the highlighted option, the listbox holds groups of options, and a
// polite live region says how many suggestions there are.

/**
 * @param {HTMLInputElement} input the role=combobox input
 * @param {HTMLElement} list the role=listbox element
 * @param {HTMLElement} status a role=status live region
 * @param {{fetch: function(string): Promise<object>, choose: function(object): void}} handlers
 *   fetch: the /autocomplete answer for a text; choose: called with {kind, text, id, path} when a shopper
 *   picks an option (by click or Enter).
 */
function Autocomplete(input, list, status, handlers) {
  let options = [];      // [{kind, text, id, path, element}]
  let active = -1;
  let latest = 0;        // answers to older keystrokes are dropped
  let timer = null;

  function close() {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  }

  function highlight(index) {
    if (active >= 0 && options[active]) options[active].element.setAttribute("aria-selected", "false");
    active = index;
    if (index < 0) { input.removeAttribute("aria-activedescendant"); return; }
    const option = options[index].element;
    option.setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  function group(label, entries) {
    if (!entries.length) return;
    const id = `ac-group-${list.children.length}`;
    const box = document.createElement("div");
    box.setAttribute("role", "group");
    box.setAttribute("aria-labelledby", id);
    const heading = document.createElement("div");
    heading.id = id;
    heading.className = "group-label";
    heading.setAttribute("role", "presentation");
    heading.textContent = label;
    box.append(heading);
    for (const entry of entries) {
      const element = document.createElement("div");
      element.setAttribute("role", "option");
      element.setAttribute("aria-selected", "false");
      element.id = `ac-option-${options.length}`;
      element.dataset.kind = entry.kind;
      const text = document.createElement("span");
      text.textContent = entry.text;
      element.append(text);
      if (entry.note) {
        const note = document.createElement("span");
        note.className = "muted";
        note.textContent = entry.note;
        element.append(note);
      }
      const index = options.length;
      element.addEventListener("mousedown", (event) => event.preventDefault());  // keep the focus in the input
      element.addEventListener("click", () => pick(index));
      options.push({ ...entry, element });
      box.append(element);
    }
    list.append(box);
  }

  function render(answer) {
    list.replaceChildren();
    options = [];
    active = -1;
    group("Searches", [...(answer.recent || []).map((text) => ({ kind: "query", text, note: "recent" })),
      ...answer.suggestions.map((s) => ({ kind: "query", text: s.text }))]);
    group("Products", answer.products.map((p) => ({ kind: "product", text: p.title, id: p.id,
      note: p.price == null ? "" : formatPrice(p.price, p.currency) })));
    group("Categories", answer.categories.map((c) => ({ kind: "category", text: c.path, path: c.path,
      note: String(c.count) })));
    const count = options.length;
    if (!count) { close(); status.textContent = "No suggestions."; return; }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = `${count} suggestion${count === 1 ? "" : "s"} available.`;
  }

  function pick(index) {
    const option = options[index];
    close();
    if (option) handlers.choose(option);
  }

  async function update() {
    const text = input.value;
    const ticket = ++latest;
    if (!text.trim()) { close(); return; }
    try {
      const answer = await handlers.fetch(text);
      if (ticket === latest) render(answer);
    } catch (error) {
      if (ticket === latest) close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 80);  // one request per pause in typing, not per key
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && options.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) { update(); return; }
      highlight(active + 1 >= options.length ? 0 : active + 1);
    } else if (event.key === "ArrowUp") {
      if (!open) return;
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); close(); } else { input.value = ""; }
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  // A search started otherwise (the Search button, Enter without a highlighted option) closes the list and
  // drops answers still on their way.
  function dismiss() {
    clearTimeout(timer);
    latest += 1;
    close();
  }
  return { close: dismiss };
}

/** A price in its currency, e.g. "$23.34" or "€39.00". */
function formatPrice(price, currency) {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency || "EUR" }).format(price);
  } catch (error) {
    return `${price.toFixed(2)} ${currency || ""}`;
  }
}
