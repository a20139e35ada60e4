"""The rules of Vindbaar's requests that span several fields or depend on stored data, which JSON Schema
cannot state (the OpenAPI descriptions say them in words, and each has its own 422 test):

- a filter's price_min is at most its price_max; a search's page * size is at most the result window;
- a rule's filters (filter, hide, boosts) select something; pins name products of the catalog;
- a config's rule ids and experiment ids are distinct, and at most one experiment runs;
- an experiment's variant names are distinct, the promoted one is among them; an interleaving test
  compares two variants, without rules;
- sample size: baseline * (1 + effect) stays below 1; without a baseline one must have been measured;
- stopping an experiment promotes one of its variants (stored data).

`repaired` bends a generated *valid* request into these rules, changing as little as it can, so that
Schemathesis's "valid requests are accepted" check tests the API and not a generator that cannot know
them. Invalid requests are never touched.
"""

from __future__ import annotations

from typing import Any

from search.params import MAX_RESULT_WINDOW

Json = Any


def _number(value: Json) -> float | None:
    """A generated number: in a body a JSON number, in a query string its text."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _price_range(given: Json) -> None:
    if isinstance(given, dict):
        low, high = _number(given.get("price_min")), _number(given.get("price_max"))
        if low is not None and high is not None and low > high:
            given["price_min"], given["price_max"] = given["price_max"], given["price_min"]


def _search(given: Json) -> None:
    if not isinstance(given, dict):
        return
    _price_range(given)  # GET /search: the filter's fields are query parameters
    _price_range(given.get("filters"))
    page, size = _number(given.get("page", 1)), _number(given.get("size", 20))
    if page is not None and size is not None and size >= 1 and page * size > MAX_RESULT_WINDOW:
        deepest = max(1, MAX_RESULT_WINDOW // int(size))
        given["page"] = str(deepest) if isinstance(given.get("page"), str) else deepest


def _rule_filter(given: Json) -> Json:
    """A filter that selects something (None where a rule may have none)."""
    if not isinstance(given, dict) or not any(v not in (None, [], {}) for v in given.values()):
        return None
    _price_range(given)
    return given


def _rules(rules: Json) -> None:
    for position, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        if "id" in rule and isinstance(rule["id"], str):
            rule["id"] = f"{rule['id'][:90]}-{position}"
        rule["pins"] = []
        for key in ("filter", "hide"):
            if key in rule:
                rule[key] = _rule_filter(rule[key])
        if isinstance(rule.get("boosts"), list):
            rule["boosts"] = [b for b in rule["boosts"] if isinstance(b, dict) and _rule_filter(b.get("filter"))]


def _experiment(given: Json, position: int = 0, running: bool = True) -> None:
    if not isinstance(given, dict):
        return
    if isinstance(given.get("id"), str):
        given["id"] = f"{given['id'][:50]}-{position}"
    if not running:
        given["status"] = "stopped"
    variants = [v for v in given.get("variants") or [] if isinstance(v, dict)]
    if given.get("kind") == "interleaving":
        variants = variants[:2]
        for variant in variants:
            variant.pop("rules", None)
    for number, variant in enumerate(variants):
        variant["name"] = f"{str(variant.get('name', 'v'))[:30]}-{number}"
        _rules(variant.get("rules"))
    if variants:
        given["variants"] = variants
    given.pop("promoted", None)


def _config(given: Json) -> None:
    if not isinstance(given, dict):
        return
    _rules(given.get("rules"))
    running = False
    for position, experiment in enumerate(given.get("experiments") or []):
        _experiment(experiment, position, running=not running)
        running = running or (isinstance(experiment, dict) and experiment.get("status", "running") == "running")


def repaired(method: str, path: str, query: Json, body: Json) -> None:
    """Bend a valid request for `method` `path` into the rules above, in place."""
    body = body if isinstance(body, dict) else {}
    match (method.upper(), path):
        case ("GET", "/search"):
            _search(query)
        case ("POST", "/search"):
            _search(body)
        case ("PUT", "/admin/config"):
            _config(body.get("config"))
        case ("POST", "/admin/preview"):
            _search(body.get("search"))
            _config(body.get("draft"))
        case ("POST", "/admin/experiments"):
            _experiment(body)
        case ("POST", "/admin/experiments/sample-size"):
            effect = _number(body.get("minimum_detectable_effect")) or 0.05
            baseline = _number(body.get("baseline"))
            if baseline is None or baseline * (1 + effect) >= 1:
                body["baseline"] = min(0.5, 0.9 / (1 + effect))
        case ("POST", "/admin/experiments/{experiment_id}/stop"):
            body["promote"] = None
