"""The demo shop's own backend route, present only when `vindbaar demo` serves the shop.

A real shop's server knows who is logged in and renders that shopper's signed user token (and the public
search key) into its pages; the shopper's browser then sends the token as ``X-User-Token`` with searches
and events. The demo has no login, so this route plays the shop's server for a few simulated shoppers:
it hands the storefront page fresh tokens for all of them, and the page's shopper switcher picks one.
`create_app` never installs it: an API serving a real shop must not hand out user tokens.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from pydantic import BaseModel, Field

from search.http.app import create_app
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings


class DemoShopper(BaseModel):
    """A simulated shopper, with a user token signed as the shop's backend signs it."""

    id: str
    name: str
    taste: str = Field(description="What this shopper likes, in words (shown in the switcher).")
    token: str


class DemoShop(BaseModel):
    """What the demo shop's server gives its storefront page."""

    search_key: str | None = Field(default=None, description="The public search key, as a shop ships it.")
    shoppers: list[DemoShopper]


SESSION_PATH = "/demo-shop/session"


def create_demo_app(settings: Settings, session: Callable[[], DemoShop], embedder: Embedder | None = None) -> FastAPI:
    """The API of `create_app` with the demo shop's backend route, answered by `session`."""
    app = create_app(settings, embedder=embedder)
    install_demo_shop(app, session)
    return app


def install_demo_shop(app: FastAPI, session: Callable[[], DemoShop]) -> None:
    """Add `GET /demo-shop/session`, answered by `session` (called per request, so tokens are fresh)."""

    @app.get(SESSION_PATH, include_in_schema=False)
    def demo_session() -> DemoShop:
        return session()
