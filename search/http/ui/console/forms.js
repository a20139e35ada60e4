"use strict";
// Forms <-> the API: read a form's inputs into a JSON object by their data-field paths, and show the API's
// 422 validation errors at the inputs they name. The API's error body is FastAPI's:
// {"detail": [{"loc": ["body", "config", "rules", 0, "pins", 0, "product_id"], "msg": "..."}]}.

/** Set `value` at a dotted `path` ("pins.0.product_id") in `target`, making arrays for numeric keys. */
function setPath(target, path, value) {
  const keys = path.split(".");
  let node = target;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) { node[key] = value; return; }
    if (node[key] == null) node[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    node = node[key];
  });
}

/** The value of one input: numbers as numbers, checkboxes as booleans, comma lists as arrays. */
function inputValue(input) {
  if (input.type === "checkbox") return input.checked;
  const text = input.value.trim();
  if (text === "") return null;
  if (input.type === "number") return Number(text);
  if (input.tagName === "TEXTAREA") return text.split("\n").map((l) => l.trim()).filter(Boolean);
  if (input.dataset.list !== undefined || /query_|\.brand$|\.category$|\.ids$/.test(input.dataset.field)) {
    return text.split(",").map((v) => v.trim()).filter(Boolean);
  }
  return text;
}

/** Clear a form's error messages. */
function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((el) => el.remove());
  form.querySelectorAll("[aria-invalid]").forEach((el) => { el.removeAttribute("aria-invalid"); el.removeAttribute("aria-describedby"); });
  const summary = form.querySelector(".form-error");
  if (summary) summary.textContent = "";
}

/** Show one message at `input` (aria-invalid, and described by the message). */
function showFieldError(input, message) {
  const note = document.createElement("p");
  note.className = "field-error";
  note.id = `${input.id}-error`;
  note.textContent = message;
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", note.id);
  input.closest(".field").append(note);
}

/**
 * Show the 422 `detail` of the API at the inputs of `form`. `prefix` is the part of each `loc` the form's
 * data-field paths leave out (e.g. ["body", "config", "rules", 3] for the form that edits rule 3). An error
 * goes to the input whose path is the longest prefix of its loc; one naming no input goes to the summary.
 * Returns how many errors were shown at an input.
 */
function showErrors(form, detail, prefix) {
  clearErrors(form);
  const summary = form.querySelector(".form-error");
  if (typeof detail === "string") { summary.textContent = detail; return 0; }
  const inputs = [...form.querySelectorAll("[data-field]")];
  let placed = 0;
  let first = null;
  for (const error of detail) {
    const loc = error.loc.map(String);
    const rest = prefix.every((p, i) => String(p) === loc[i]) ? loc.slice(prefix.length) : null;
    let target = null;
    for (let n = rest ? rest.length : 0; n > 0 && !target; n--) {
      const path = rest.slice(0, n).join(".");
      target = inputs.find((input) => input.dataset.field === path)
        || (n === rest.length ? inputs.find((input) => input.dataset.field.startsWith(`${path}.`)) : null);
    }
    const message = error.msg.replace(/^Value error, /, "");
    if (target && !target.hasAttribute("aria-invalid")) {
      showFieldError(target, message);
      placed += 1;
      first = first || target;
    } else {
      summary.textContent = `${summary.textContent} ${loc.slice(1).join(".")}: ${message}`.trim();
    }
  }
  if (first) first.focus();
  return placed;
}
