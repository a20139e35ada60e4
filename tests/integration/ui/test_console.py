"""The merchandiser console at /console in headless Chromium, against the real API and node."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.integration.ui.conftest import ADMIN_KEY

CONFIG = re.compile(r"/admin/config$")


def _connect(page: Page, shop_url: str) -> None:
    page.goto(f"{shop_url}/console/")
    page.fill("#admin-key", ADMIN_KEY)
    page.click("#key-form button")
    expect(page.locator("#connection")).to_have_text("Connected")


def _error_at(page: Page, field: str) -> str:
    """The message shown at the input `field`, which must be marked invalid and described by it."""
    box = page.locator(field)
    expect(box).to_have_attribute("aria-invalid", "true")
    message = page.locator(f"#{box.get_attribute('aria-describedby')}")
    expect(message).to_be_visible()
    return message.inner_text()


def test_a_wrong_key_is_refused_and_kept_for_the_tab_only(page: Page, shop_url: str) -> None:
    page.goto(f"{shop_url}/console/")
    page.fill("#admin-key", "not-the-key")
    page.click("#key-form button")
    expect(page.locator("#connection")).to_have_text("That key may not use the admin routes.")
    assert page.evaluate("sessionStorage.getItem('vindbaar.adminKey')") == "not-the-key"
    assert page.evaluate("localStorage.getItem('vindbaar.adminKey')") is None


def test_validation_errors_show_at_their_fields(page: Page, shop_url: str) -> None:
    _connect(page, shop_url)
    page.fill("#rule-id", "not an id!")
    page.fill("#boost-brand", "Fender")
    page.fill("#boost-factor", "0")
    with page.expect_response(CONFIG) as answer:
        page.click("text=Publish rule")
    assert answer.value.status == 422
    assert "match pattern" in _error_at(page, "#rule-id")
    assert "greater than 0" in _error_at(page, "#boost-factor")
    expect(page.locator("#rule-description")).not_to_have_attribute("aria-invalid", "true")

    page.fill("#rule-id", "pin-ghost")
    page.fill("#boost-factor", "2")
    page.fill("#pin-product-0", "no-such-product")
    with page.expect_response(CONFIG) as answer:
        page.click("text=Publish rule")
    assert answer.value.status == 422
    assert "unknown product 'no-such-product'" in _error_at(page, "#pin-product-0")
    expect(page.locator("#rule-id")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ranking-form .field-error")).to_have_count(0)

    page.click("[data-tab=ranking]")
    page.fill("#personalization-strength", "3")
    with page.expect_response(CONFIG) as answer:
        page.click("text=Publish ranking")
    assert answer.value.status == 422
    assert "less than or equal to 1" in _error_at(page, "#personalization-strength")


def test_a_pin_published_in_the_console_appears_on_the_storefront(page: Page, shop_url: str, artifacts: Path) -> None:
    with page.expect_response(re.compile(r"/search\?")):
        page.goto(f"{shop_url}/demo/")  # the first page's browse, before the search below
    page.fill("#q", "drum")
    with page.expect_response(re.compile(r"/search\?")) as answer:
        page.press("#q", "Enter")
    ranked = answer.value.json()["items"]
    # The lowest drum on the page becomes the drum of the week.
    outsider = [item["id"] for item in ranked if "drum" in item["title"].lower()][-1]
    assert ranked[0]["id"] != outsider

    console = page.context.new_page()
    console.set_viewport_size({"width": 1280, "height": 1000})
    _connect(console, shop_url)
    console.fill("#rule-id", "drum-pin")
    console.fill("#rule-description", "Our drum of the week")
    console.fill("#rule-query-contains", "drum")
    console.fill("#pin-product-0", outsider)
    console.click("text=Preview this rule")
    draft_first = console.locator("#preview-draft li").first
    expect(draft_first).to_have_attribute("data-id", outsider)
    expect(draft_first.locator(".explain")).to_contain_text("pinned")
    expect(console.locator("#preview-changes")).to_contain_text("added rules[0] (drum-pin)")
    expect(console.locator("#preview-live li").first).not_to_have_attribute("data-id", outsider)
    console.screenshot(path=str(artifacts / "console.png"))

    console.click("[data-tab=rules]")
    with console.expect_response(CONFIG) as published:
        console.click("text=Publish rule")
    assert published.value.status == 201
    expect(console.locator("#rule-table tbody")).to_contain_text("drum-pin")

    def first_result() -> str | None:
        with page.expect_response(re.compile(r"/search\?")):
            page.press("#q", "Enter")
        return page.locator("#results > li").first.get_attribute("data-id")

    # Workers re-read the live config at most once a second.
    for _ in range(20):
        if first_result() == outsider:
            break
        page.wait_for_timeout(200)
    expect(page.locator("#results > li").first).to_have_attribute("data-id", outsider)

    with console.expect_response(CONFIG):
        console.get_by_role("button", name="Delete rule drum-pin").click()
    expect(console.locator("#rule-table tbody")).not_to_contain_text("drum-pin")
    console.click("[data-tab=history]")
    rows = console.locator("#history-table tbody tr")
    expect(rows.first).to_contain_text("deleted rule drum-pin")
    rows.first.get_by_role("button", name=re.compile("^Changes from version")).click()
    expect(console.locator("#history-diff")).to_contain_text("drum-pin")
    with console.expect_response(re.compile(r"/admin/config/rollback$")) as rolled:
        rows.nth(1).get_by_role("button", name=re.compile("^Make version")).click()
    assert rolled.value.status == 201
    expect(rows.first).to_contain_text("rollback to")
    console.click("[data-tab=rules]")
    expect(console.locator("#rule-table tbody")).to_contain_text("drum-pin")


def test_synonyms_published_in_the_console_change_what_the_storefront_finds(page: Page, shop_url: str) -> None:
    with page.expect_response(re.compile(r"/search\?")):
        page.goto(f"{shop_url}/demo/")
    page.fill("#q", "fiddle")
    with page.expect_response(re.compile(r"/search\?")) as before:
        page.press("#q", "Enter")
    violins = [item for item in before.value.json()["items"] if "violin" in item["title"].lower()]
    assert not all("violin" in item["title"].lower() for item in before.value.json()["items"][:3])

    console = page.context.new_page()
    _connect(console, shop_url)
    console.click("[data-tab=synonyms]")
    console.fill("#synonyms", "fiddle => violin")
    console.fill("#synonyms-comment", "shoppers say fiddle")
    with console.expect_response(CONFIG) as published:
        console.click("text=Publish synonyms")
    assert published.value.status == 201

    for _ in range(20):  # workers re-read the live config at most once a second
        with page.expect_response(re.compile(r"/search\?")) as after:
            page.press("#q", "Enter")
        found = [item for item in after.value.json()["items"] if "violin" in item["title"].lower()]
        if len(found) > len(violins) and all("violin" in i["title"].lower() for i in after.value.json()["items"][:3]):
            break
        page.wait_for_timeout(200)
    top = after.value.json()["items"][:3]
    assert all("violin" in item["title"].lower() for item in top), [item["title"] for item in top]
    console.fill("#synonyms", "")
    with console.expect_response(CONFIG):
        console.click("text=Publish synonyms")


def test_analytics_show_searches_in_charts(page: Page, shop_url: str) -> None:
    with page.expect_response(re.compile(r"/search\?")):
        page.goto(f"{shop_url}/demo/")
    for text in ("ukulele", "ukulele", "zzyzx qqq"):
        page.fill("#q", text)
        with page.expect_response(re.compile(r"/search\?")):
            page.press("#q", "Enter")
    _connect(page, shop_url)
    for _ in range(30):  # the search log is written in the background, in bulk
        page.click("[data-tab=analytics]")
        logged = page.locator("#top-table tbody", has_text="ukulele").count()
        if logged and page.locator("#zero-table tbody", has_text="zzyzx qqq").count():
            break
        page.wait_for_timeout(500)
    expect(page.locator("#top-table tbody")).to_contain_text("ukulele")
    expect(page.locator("#zero-table tbody")).to_contain_text("zzyzx qqq")
    expect(page.locator("#top-chart svg rect").first).to_be_visible()
    expect(page.locator("#timeline-chart svg rect").first).to_be_visible()
    assert "ukulele" in (page.locator("#top-chart svg").get_attribute("aria-label") or "")


def test_an_experiment_is_listed_with_its_report_and_can_be_stopped(page: Page, shop_url: str) -> None:
    experiment = {"id": "ui-semantic", "kind": "ab", "variants": [
        {"name": "control"}, {"name": "semantic-heavy", "semantic_weight": 3.0, "lexical_weight": 0.2}]}  # fmt: skip
    started = httpx.post(f"{shop_url}/admin/experiments", json=experiment,
                         headers={"X-API-Key": ADMIN_KEY, "X-Author": "test"})  # fmt: skip
    assert started.status_code == 201, started.text
    with page.expect_response(re.compile(r"/search\?")):
        page.goto(f"{shop_url}/demo/")
    for text in ("violin", "metronome"):
        page.fill("#q", text)
        with page.expect_response(re.compile(r"/search\?")) as answer:
            page.press("#q", "Enter")
        assert answer.value.json()["experiment"]["id"] == "ui-semantic"

    _connect(page, shop_url)
    page.click("[data-tab=experiments]")
    row = page.locator("#experiment-table tbody tr", has_text="ui-semantic")
    expect(row).to_contain_text("running")
    row.get_by_role("button", name="Report of ui-semantic").click()
    report = page.locator("#experiment-report")
    expect(report).to_contain_text("control:")
    expect(report).to_contain_text("semantic-heavy:")
    expect(page.locator("#experiment-chart svg rect")).to_have_count(2)
    with page.expect_response(re.compile(r"/stop$")) as stopped:
        row.get_by_role("button", name=re.compile("^Stop ui-semantic")).click()
    assert stopped.value.ok
    expect(page.locator("#experiment-table tbody tr", has_text="ui-semantic")).to_contain_text("stopped")
