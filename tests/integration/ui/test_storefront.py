"""The storefront at /demo in headless Chromium, against the real API and node."""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI
from opensearchpy import OpenSearch
from playwright.sync_api import Page, Route, expect

from reranker.price_taste import PriceTaste
from reranker.ranking_model import FEATURES, RankingGroup, RankingModel, base_score, train
from reranker.word_taste import WordTaste
from search.engine import SearchEngine
from vindbaar.index_names import IndexNames
from vindbaar.refreshing import Refreshing
from vindbaar.settings import Settings
from vindbaar.text import words

SEARCH = re.compile(r"/search\?")


def _search(page: Page, text: str) -> dict[str, Any]:
    """Type `text`, press Enter (no suggestion highlighted) and return the API's answer the page rendered."""
    page.fill("#q", text)
    # The answer to this search: one started before it (a consent change searches again) may come later.
    with page.expect_response(
        lambda r: bool(SEARCH.search(r.url)) and parse_qs(urlsplit(r.url).query).get("q") == [text]
    ) as answer:
        page.press("#q", "Enter")
    body: dict[str, Any] = answer.value.json()
    expect(page.locator("#summary")).to_contain_text(f"{body['total']} results")
    return body


def _tile_ids(page: Page) -> list[str]:
    return page.locator("#results > li").evaluate_all("tiles => tiles.map(t => t.dataset.id)")


def _open(page: Page, shop_url: str) -> None:
    with page.expect_response(SEARCH):
        page.goto(f"{shop_url}/demo/")
    expect(page.locator("#results > li").first).to_be_visible()


def test_typing_shows_suggestions_that_the_keyboard_can_pick(page: Page, shop_url: str) -> None:
    _open(page, shop_url)
    combo = page.locator("#q")
    combo.click()
    page.keyboard.type("guit")
    options = page.locator("#ac-list [role=option]")
    expect(options.first).to_be_visible()
    expect(combo).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#status")).to_have_text(re.compile(r"^\d+ suggestions? available\.$"))
    assert "guit" in options.first.inner_text().lower()
    assert page.locator("#ac-list [role=group]").count() >= 2  # searches and products

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = options.nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(combo).to_have_attribute("aria-activedescendant", second.get_attribute("id") or "")
    page.keyboard.press("ArrowUp")
    first = options.first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(second).to_have_attribute("aria-selected", "false")
    chosen = first.locator("span").first.inner_text()

    with page.expect_response(SEARCH) as answer:
        page.keyboard.press("Enter")
    assert answer.value.json()["query"] == chosen
    expect(combo).to_have_value(chosen)
    expect(combo).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#ac-list")).to_be_hidden()
    page.keyboard.type(" x")
    expect(options.first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#ac-list")).to_be_hidden()


def test_a_search_renders_results_and_facets_and_a_facet_click_narrows_them(page: Page, shop_url: str) -> None:
    _open(page, shop_url)
    body = _search(page, "guitar")
    assert body["total"] > 10
    expect(page.locator("#results > li")).to_have_count(len(body["items"]))
    expect(page.locator("#results > li h3").first).to_have_text(body["items"][0]["title"])
    for facet in ("brand", "category", "price"):
        expect(page.locator(f"#facets fieldset[data-facet={facet}] input").first).to_be_visible()

    strings = page.locator("#facets fieldset[data-facet=category] label", has_text="Music > Strings")
    count = int(re.findall(r"\((\d+)\)", strings.inner_text())[-1])
    with page.expect_response(SEARCH) as answer:
        strings.click()
    narrowed = answer.value.json()
    assert narrowed["total"] == count < body["total"]
    assert "category=Music+%3E+Strings" in answer.value.url
    expect(page.locator("#summary")).to_contain_text(f"{count} results")
    paths = page.locator("#results .meta").all_inner_texts()
    assert paths and all("Music > Strings" in path for path in paths)
    expect(page.locator("#facets fieldset[data-facet=category] input:checked")).to_have_count(1)


def test_sorting_and_paging_keep_the_search(page: Page, shop_url: str) -> None:
    _open(page, shop_url)
    body = _search(page, "guitar")
    with page.expect_response(SEARCH) as answer:
        page.select_option("#sort", "price_asc")
    prices = [item["price"] for item in answer.value.json()["items"]]
    assert "sort=price_asc" in answer.value.url and "q=guitar" in answer.value.url
    assert prices == sorted(prices)
    expect(page.locator("#results > li .price").first).to_have_text(f"${prices[0]:,.2f}")
    assert body["total"] > 24
    with page.expect_response(SEARCH) as second:
        page.get_by_role("button", name="Page 2").click()
    assert "page=2" in second.value.url and "sort=price_asc" in second.value.url
    assert min(item["price"] for item in second.value.json()["items"]) >= prices[-1]
    expect(page.get_by_role("button", name="Page 2")).to_have_attribute("aria-current", "page")


def test_a_misspelling_shows_did_you_mean(page: Page, shop_url: str) -> None:
    _open(page, shop_url)
    body = _search(page, "guiitaaar")
    assert body["corrected_query"]
    expect(page.locator("#did-you-mean")).to_contain_text(f"Showing results for “{body['corrected_query']}”")
    with page.expect_response(SEARCH) as answer:
        page.locator("#did-you-mean button").click()
    assert "correct=false" in answer.value.url


def test_clicking_a_result_stores_a_click_with_its_query_id_and_position(
    page: Page, shop_url: str, client: OpenSearch, shop_settings: Settings
) -> None:
    _open(page, shop_url)
    with page.expect_response(SEARCH):
        page.select_option("#shopper", "demo-pieter")  # signed in: their token proves who they are
    body = _search(page, "puzzle")
    third = page.locator("#results > li").nth(2)
    with page.expect_request(re.compile(r"/events$")) as sent, page.expect_response(re.compile(r"/events$")) as done:
        third.locator("h3 a").click()
    assert done.value.status == 200 and done.value.json()["rejected"] == []
    event = json.loads(sent.value.post_data or "{}")["events"][0]
    stored = client.get(index=IndexNames(shop_settings.index_alias).events, id=event["event_id"])["_source"]
    assert stored["action_name"] == "click"
    assert stored["object_id"] == body["items"][2]["id"] == third.get_attribute("data-id")
    assert stored["query_id"] == body["query_id"]
    assert stored["position"] == 3
    assert stored["user_id"] == "demo-pieter" and stored["session_id"]

    with page.expect_response(re.compile(r"/events$")) as carted:
        third.get_by_role("button", name=re.compile("^Add .* to cart$")).click()
    assert carted.value.json()["rejected"] == []
    expect(page.locator("#cart-count")).to_have_text("1")


def test_a_late_answer_to_an_older_search_never_replaces_a_newer_ones(page: Page, shop_url: str) -> None:
    _open(page, shop_url)
    held: list[Route] = []
    page.route(re.compile(r"/search\?q=gift&"), lambda route: held.append(route))  # its answer comes late
    page.fill("#q", "gift")
    page.press("#q", "Enter")
    newer = _search(page, "set")
    assert len(held) == 1
    with page.expect_response(re.compile(r"/search\?q=gift&")) as late:
        held[0].continue_()
    assert late.value.json()["total"] != newer["total"]
    page.locator("#results > li").first.wait_for()
    assert _tile_ids(page) == [item["id"] for item in newer["items"]]
    expect(page.locator("#summary")).to_contain_text(f"{newer['total']} results for “set”")


def test_a_shoppers_clicks_visibly_change_their_ranking(page: Page, shop_url: str, artifacts: Path) -> None:
    _open(page, shop_url)
    with page.expect_response(re.compile(r"/consent$")):
        page.check("#consent")  # an anonymous visitor agrees to personalization
    before = _search(page, "set")
    assert not before["personalized"]
    # Click the lowest results of one category: the session's taste.
    items = before["items"]
    category = items[-1]["category_path"]
    clicked = [n for n, item in enumerate(items) if item["category_path"] == category][-3:]
    for n in clicked:
        with page.expect_response(re.compile(r"/events$")) as stored:
            page.locator("#results > li").nth(n).locator("h3 a").click()
        assert stored.value.json()["stored"] == 1
    page.check("#why")
    after = _search(page, "set")
    assert after["personalized"]
    expect(page.locator("#personalized")).to_have_text("Personalized for this visit")
    ids_before, ids_after = [i["id"] for i in items], [i["id"] for i in after["items"]]
    assert ids_after != ids_before
    rank = {item_id: n for n, item_id in enumerate(ids_after)}
    moved_up = [items[n]["id"] for n in clicked if rank.get(items[n]["id"], len(items)) < n]
    assert moved_up, "no clicked product rose"
    expect(page.locator("#results .why", has_text="Your taste: moved from").first).to_be_visible()
    assert _tile_ids(page) == ids_after


def test_switching_shoppers_changes_the_ranking_and_shows_why(page: Page, shop_url: str, artifacts: Path) -> None:
    _open(page, shop_url)
    rankings: dict[str, list[str]] = {}
    for shopper in ("demo-gina", "demo-pieter"):
        with page.expect_response(SEARCH):
            page.select_option("#shopper", shopper)
        body = _search(page, "gift")
        assert body["personalized"], shopper
        rankings[shopper] = [item["id"] for item in body["items"]]
    assert rankings["demo-gina"] != rankings["demo-pieter"]
    expect(page.locator("#shopper-taste")).to_contain_text("puzzles")
    page.check("#why")
    expect(page.locator("#results .why").first).to_contain_text("Words match")
    page.screenshot(path=str(artifacts / "storefront.png"))

    with page.expect_response(SEARCH) as anonymous:
        page.select_option("#shopper", "")
    assert not anonymous.value.json()["personalized"]
    assert "user_id" not in anonymous.value.url


#: WCAG 2 contrast of every visible text (see contrast.js); a failure lists the text, its colours and the ratio.
CONTRAST = "\n".join(
    line
    for line in (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8").splitlines()
    if not line.startswith("//")
)


def _a_model_that_follows(feature: str) -> RankingModel:
    """A ranking model trained on searches where shoppers chose the candidate their `feature` leans to,
    wherever it stood."""
    rng = random.Random(3)
    groups = []
    for _ in range(60):
        rows = [[0.0] * len(FEATURES) for _ in range(20)]
        chosen = rng.randrange(20)
        rows[chosen][FEATURES.index(feature)] = 0.8
        groups.append(RankingGroup(rows, [base_score(i) for i in range(20)], [int(i == chosen) for i in range(20)]))
    return train(groups)


def test_a_learned_ranking_shows_where_it_moved_each_result(page: Page, shop_app: FastAPI, shop_url: str) -> None:
    engine: SearchEngine = shop_app.state.engine
    model = _a_model_that_follows("category")
    # This shop has no logged searches to train on: the model goes live as a training run would publish it.
    shop_app.state.engine = replace(engine, ranker=Refreshing("test ranking model", lambda: model, math.inf))
    try:
        _open(page, shop_url)
        with page.expect_response(SEARCH):
            page.select_option("#shopper", "demo-gina")
        page.check("#why")
        body = _search(page, "gift")
        placed = [item["explain"]["learned_model"] for item in body["items"]]
        assert any(p["base_rank"] != p["rank"] for p in placed), "the model moved nothing for a shopper it knows"
        tiles = page.locator("#results > li")
        for n, p in enumerate(placed[:6]):
            said = (
                f"moved from #{p['base_rank']} to #{p['rank']}"
                if p["base_rank"] != p["rank"]
                else f"stays #{p['rank']}"
            )
            expect(tiles.nth(n).locator(".why")).to_contain_text(f"Learned ranking: {said}")
    finally:
        shop_app.state.engine = engine


def test_the_why_names_the_words_of_a_visitors_taste(page: Page, shop_app: FastAPI, shop_url: str) -> None:
    engine: SearchEngine = shop_app.state.engine
    assert engine.behaviour is not None
    _open(page, shop_url)
    with page.expect_response(re.compile(r"/consent$")):
        page.check("#consent")
    before = _search(page, "guitar")
    # A word some of the results have in their titles and others lack: the visitor's taste, as if learned
    # from their choices and confident (their profile is written as the learner writes it).
    titles = [set(words(item["title"])) for item in before["items"]]
    word = min(w for t in titles for w in t if w.isalpha() and 2 <= sum(w in u for u in titles) <= len(titles) - 2)
    session = page.evaluate("() => sessionStorage.getItem('vindbaar.session')")
    index, key = engine.behaviour.profiles.index, f"session:{session}"
    doc = engine.client.get(index=index, id=key)["_source"]
    taste = WordTaste({word: 4.0}, {word: 4}, predicted=2.0, predictions=4.0)
    doc.update(events=4, state={**(doc.get("state") or {}), "word_taste": taste.to_state()})
    engine.client.index(index=index, id=key, body=doc, refresh=True)
    page.check("#why")
    body = _search(page, "guitar")
    reasons = [item["explain"]["personalization"].get("taste_words") for item in body["items"]]
    assert [word] in reasons, reasons
    tiles = page.locator("#results > li")
    for n, reason in enumerate(reasons[:8]):
        if reason:
            expect(tiles.nth(n).locator(".why")).to_contain_text(f"You often choose: {word}")
        else:
            expect(tiles.nth(n).locator(".why")).not_to_contain_text("You often choose")


def test_the_why_says_when_an_item_fits_a_visitors_leaning_to_lower_prices(
    page: Page, shop_app: FastAPI, shop_url: str
) -> None:
    engine: SearchEngine = shop_app.state.engine
    assert engine.behaviour is not None
    _open(page, shop_url)
    with page.expect_response(re.compile(r"/consent$")):
        page.check("#consent")
    _search(page, "guitar")
    # The visitor chose among the cheapest quarter of what they were shown, sure of it (as the learner writes
    # a profile).
    session = page.evaluate("() => sessionStorage.getItem('vindbaar.session')")
    index, key = engine.behaviour.profiles.index, f"session:{session}"
    doc = engine.client.get(index=index, id=key)["_source"]
    leaning = PriceTaste(lower=1.25, weight=5.0, predicted=2.0, predictions=4.0)
    doc.update(events=5, state={**(doc.get("state") or {}), "price_taste": leaning.to_state()})
    engine.client.index(index=index, id=key, body=doc, refresh=True)
    page.check("#why")
    body = _search(page, "guitar")
    reasons = [item["explain"]["personalization"].get("price_leaning") for item in body["items"]]
    assert "lower" in reasons[:8], reasons
    tiles = page.locator("#results > li")
    for n, reason in enumerate(reasons[:8]):
        if reason:
            expect(tiles.nth(n).locator(".why")).to_contain_text("You often choose lower-priced options")
        else:
            expect(tiles.nth(n).locator(".why")).not_to_contain_text("priced options")


def test_inputs_have_labels_and_text_has_aa_contrast(page: Page, shop_url: str) -> None:
    page.goto(f"{shop_url}/demo")
    assert page.url == f"{shop_url}/demo/"  # the bare path leads to the page
    _open(page, shop_url)
    page.check("#why")
    page.fill("#q", "gui")
    expect(page.locator("#ac-list [role=option]").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    pages = [("storefront", page)]
    console = page.context.new_page()
    console.goto(f"{shop_url}/console/")
    pages.append(("console", console))
    for name, tab in pages:
        unlabelled = tab.eval_on_selector_all(
            "input, select, textarea",
            "els => els.filter(e => !e.labels.length && !e.getAttribute('aria-label')).map(e => e.id || e.outerHTML)",
        )
        assert unlabelled == [], name
        assert tab.evaluate(CONTRAST) == [], name
