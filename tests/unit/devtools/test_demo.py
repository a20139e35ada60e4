"""The demo's catalog, its making from the Vespa sample, and its simulated shoppers (no node needed)."""

from __future__ import annotations

import runpy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from devtools.demo import demo_catalog
from devtools.demo_shoppers import HISTORY, PURCHASES, SHOPPERS, history, shop_session
from vindbaar.settings import Settings
from vindbaar.user_tokens import verify_user_token

ROOT = Path(__file__).resolve().parents[3]
MAKER: dict[str, Any] = runpy.run_path(str(ROOT / "scripts" / "make_demo_catalog.py"))


def test_the_shipped_catalog_is_3000_real_products_plus_the_dutch_sample() -> None:
    products = demo_catalog(nl_products=14)
    assert len(products) == 3014 and len({p.id for p in products}) == 3014
    real = [p for p in products if p.id.startswith("vespa-")]
    assert len(real) == 3000
    assert {p.categories[0] for p in real} == {"Toys & Games", "Music", "Books"}
    assert all(len(p.categories) == 2 and p.price is not None for p in real)  # some Kindle books are free
    assert {p.locale for p in products[3000:]} == {"nl", "en"}


@pytest.mark.parametrize(
    ("category", "title", "expected"),
    [
        ("Musical_Instruments", "Ernie Ball Slinky Electric Guitar Strings", "Strings"),
        ("Musical_Instruments", "Fender Player Stratocaster Electric Guitar", "Guitars & Basses"),
        ("Musical_Instruments", "Gator Guitar Case", "Cases & Bags"),
        ("Musical_Instruments", "Polishing cloth", "Accessories"),
        ("Toys_and_Games", "Ravensburger 1000 Piece Jigsaw Puzzle", "Puzzles"),
        ("Kindle_Store", "Murder at the Manor (A Mystery)", "Mystery & Thriller"),
    ],
)
def test_a_second_category_level_comes_from_title_keywords(category: str, title: str, expected: str) -> None:
    assert MAKER["subcategory"](category, title) == expected


@pytest.mark.parametrize(
    ("category", "title", "expected"),
    [
        ("Musical_Instruments", "Fender Player Stratocaster", "Fender"),
        ("Toys_and_Games", "LEGO, Star Wars set", "LEGO"),
        ("Toys_and_Games", "21st Birthday Banner", None),
        ("Toys_and_Games", "The Game of Life", None),
        ("Kindle_Store", "Dune Messiah", None),
    ],
)
def test_the_brand_is_the_first_word_of_the_title_when_it_can_be(
    category: str, title: str, expected: str | None
) -> None:
    assert MAKER["brand"](category, title) == expected


def test_descriptions_lose_their_heading_and_are_cut_after_a_sentence() -> None:
    text = "## A Title\n\n" + "This is a sentence about the product. " * 20
    short = MAKER["short_description"](text)
    assert not short.startswith("#") and short.endswith(".") and len(short) <= MAKER["DESCRIPTION_CHARS"]


def test_a_shoppers_history_is_in_their_taste_and_has_fixed_event_ids() -> None:
    catalog = demo_catalog(nl_products=0)
    gina = SHOPPERS[0]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    events = history(gina, catalog, now)
    by_id = {p.id: p for p in catalog}
    assert len([e for e in events if e.action_name == "click"]) == HISTORY
    assert len([e for e in events if e.action_name == "purchase"]) == PURCHASES
    assert all(" > ".join(by_id[e.object_id or ""].categories) in gina.categories for e in events)
    assert all(e.user_id == gina.id and e.timestamp < now for e in events)
    assert [e.event_id for e in events] == [e.event_id for e in history(gina, catalog, now)]


def test_the_demo_shop_signs_a_token_per_shopper_and_needs_a_secret() -> None:
    settings = Settings(user_token_secret=SecretStr("a-demo-secret-of-enough-length"))
    session = shop_session(settings)()
    assert [s.id for s in session.shoppers] == [s.id for s in SHOPPERS]
    for shopper in session.shoppers:
        assert verify_user_token("a-demo-secret-of-enough-length", shopper.token) == shopper.id
    with pytest.raises(ValueError, match="VINDBAAR_USER_TOKEN_SECRET"):
        shop_session(Settings(user_token_secret=None))
