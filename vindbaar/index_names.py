"""The names of the OpenSearch indices and aliases that belong to one shop, built in one place.

Everything a shop has hangs off its product alias (``VINDBAAR_INDEX_ALIAS``, default ``products``):

    products                 alias of the live product index (``products-<timestamp>`` behind it)
    products_suggestions     alias of the autocomplete suggestions and spelling vocabulary
    products_searched        alias of the autocomplete suggestions mined from real searches
    products_learned         alias of what searches taught per query (query-level click learning)
    products_ranker          alias of the live learned ranking model (learning to rank)
    products_config          merchandising config versions
    products_events          shopper behaviour events
    products_queries         the search log (searches and autocompletes, with their outcomes)
    products_assignments     experiment variants of logged-in shoppers
    products_profiles        shopper profiles and consent records
    products_journal         catalog writes made over the admin API or CLI, replayed by a reindex running meanwhile
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndexNames:
    """The indices of the shop whose product alias is `alias`."""

    alias: str

    @property
    def products(self) -> str:
        """The alias searches and catalog writes go to."""
        return self.alias

    @property
    def suggestions(self) -> str:
        """The alias of the suggestions index (autocomplete and the spelling vocabulary)."""
        return f"{self.alias}_suggestions"

    @property
    def searched(self) -> str:
        """The alias of the suggestions mined from shoppers' searches."""
        return f"{self.alias}_searched"

    @property
    def learned(self) -> str:
        """The alias of the per-query products learned from clicks and purchases."""
        return f"{self.alias}_learned"

    @property
    def ranker(self) -> str:
        """The alias of the live learned ranking model (learning to rank)."""
        return f"{self.alias}_ranker"

    @property
    def config(self) -> str:
        """The index of merchandising config versions."""
        return f"{self.alias}_config"

    @property
    def events(self) -> str:
        """The index of behaviour events."""
        return f"{self.alias}_events"

    @property
    def queries(self) -> str:
        """The index of the search log (UBI's ubi_queries shape)."""
        return f"{self.alias}_queries"

    @property
    def assignments(self) -> str:
        """The index of logged-in shoppers' experiment variants."""
        return f"{self.alias}_assignments"

    @property
    def profiles(self) -> str:
        """The index of shopper profiles (and consent records)."""
        return f"{self.alias}_profiles"

    @property
    def journal(self) -> str:
        """The index of recent catalog writes (a reindex replays those made while it ran)."""
        return f"{self.alias}_journal"
