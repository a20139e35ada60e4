"""The demo shop's simulated shoppers: who they are, what they bought before, and their user tokens.

Each shopper has a taste (a few categories of the demo catalog). Before the shop opens, `seed_histories`
records their consent and a short history of clicks and purchases in those categories, through the same
behaviour store that `POST /events` writes to, so their profiles exist and personalization shows from the
first search. `shop_session` plays the shop's backend: it signs each shopper's user token with the secret
it shares with the API (see `vindbaar/user_tokens.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from opensearchpy import OpenSearch

from reranker.behaviour.config import BehaviourConfig
from reranker.behaviour.store import BehaviourStore
from reranker.events import Event
from reranker.merchandising.config import MerchConfig
from search.http.demo_shop import DemoShop, DemoShopper
from vindbaar.product import Product
from vindbaar.settings import Settings
from vindbaar.user_tokens import sign_user_token

#: Products of their taste each shopper clicked (the first PURCHASES of them also bought).
HISTORY = 12
PURCHASES = 4
#: Tokens the page gets last a working day; the page asks for fresh ones on every load.
TOKEN_TTL_S = 8 * 3600


@dataclass(frozen=True)
class SimulatedShopper:
    """A demo shopper: a user id, a name to show, and the category paths they like."""

    id: str
    name: str
    taste: str
    categories: tuple[str, ...]


SHOPPERS: tuple[SimulatedShopper, ...] = (
    SimulatedShopper("demo-gina", "Gina", "plays guitar: guitars, pedals, strings",
                     ("Music > Guitars & Basses", "Music > Pedals & Effects", "Music > Strings")),
    SimulatedShopper("demo-pieter", "Pieter", "puzzles and board games",
                     ("Toys & Games > Puzzles", "Toys & Games > Games")),
    SimulatedShopper("demo-rosa", "Rosa", "throws children's parties: party supplies, plush, costumes",
                     ("Toys & Games > Party Supplies", "Toys & Games > Plush", "Toys & Games > Costumes")),
)  # fmt: skip


def history(shopper: SimulatedShopper, catalog: Sequence[Product], now: datetime) -> list[Event]:
    """The shopper's past events: clicks on the first HISTORY products of their taste, a few purchases.

    Event ids are fixed, so seeding again (the next `vindbaar demo`) stores nothing twice.
    """
    liked = [p for p in catalog if " > ".join(p.categories) in shopper.categories][:HISTORY]
    events: list[Event] = []
    for n, product in enumerate(liked):
        when = now - timedelta(days=2, minutes=10 * n)
        events.append(Event(event_id=f"{shopper.id}-click-{product.id}", action_name="click", user_id=shopper.id,
                            object_id=product.id, timestamp=when))  # fmt: skip
        if n < PURCHASES:
            events.append(Event(event_id=f"{shopper.id}-buy-{product.id}", action_name="purchase", user_id=shopper.id,
                                object_id=product.id, timestamp=when, quantity=1, price=product.price))  # fmt: skip
    return events


def seed_histories(client: OpenSearch, settings: Settings, catalog: Sequence[Product]) -> int:
    """Record consent and the past events of every simulated shopper; returns the events newly stored."""
    store = BehaviourStore(client, BehaviourConfig.from_settings(settings))
    weights = MerchConfig().weights(settings).event_weights
    now = datetime.now(UTC)
    stored = 0
    for shopper in SHOPPERS:
        store.set_consent("user", shopper.id, True)  # they agreed when they signed up
        stored += store.ingest(history(shopper, catalog, now), weights).stored
    return stored


def shop_session(settings: Settings) -> Callable[[], DemoShop]:
    """What the demo shop's server gives its page: the search key and a fresh token per shopper.

    Raises:
        ValueError: `settings` has no user token secret (the demo sets one).
    """
    if settings.user_token_secret is None:
        raise ValueError("the demo shop needs VINDBAAR_USER_TOKEN_SECRET to sign its shoppers' tokens")
    secret = settings.user_token_secret.get_secret_value()
    search_key = settings.search_api_key.get_secret_value() if settings.search_api_key else None

    def session() -> DemoShop:
        shoppers = [DemoShopper(id=s.id, name=s.name, taste=s.taste, token=sign_user_token(secret, s.id, TOKEN_TTL_S))
                    for s in SHOPPERS]  # fmt: skip
        return DemoShop(search_key=search_key, shoppers=shoppers)

    return session
