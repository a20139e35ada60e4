"use strict";
// What the storefront and the console share: a selector shorthand, calling the API (JSON in and out, an
// ApiError with the status and FastAPI's `detail` on failure) and a passing message at the foot of the page.

const $ = (selector) => document.querySelector(selector);

class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

async function callApi(path, options, headers) {
  // `headers`: the page's own (keys, tokens); a body is always JSON.
  const all = { ...headers, ...(options.headers || {}) };
  if (options.body) all["Content-Type"] = "application/json";
  const response = await fetch(path, { ...options, headers: all });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.detail ?? body);
  return body;
}

function toast(text, seconds = 3) {
  const box = $("#toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, seconds * 1000);
}
