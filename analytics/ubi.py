"""OpenSearch's relevance tools (UBI dashboards, Search Relevance Workbench implicit judgments) read the
indices ``ubi_queries`` and ``ubi_events``. Vindbaar's search log and events are stored in those
schemas, so aliases of those names make the tools read a shop's data as it is."""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch

from vindbaar.index_names import IndexNames
from vindbaar.mappings import ensure_index


def point_ubi_aliases(
    client: OpenSearch, names: IndexNames, queries_alias: str = "ubi_queries", events_alias: str = "ubi_events"
) -> dict[str, Any]:
    """Point `queries_alias` at the search log and `events_alias` at the events (moving them from whatever
    they pointed at: one shop per cluster answers to the UBI names)."""
    ensure_index(client, names.queries, "queries")
    ensure_index(client, names.events, "events")
    actions: list[dict[str, Any]] = []
    for alias, index in ((queries_alias, names.queries), (events_alias, names.events)):
        if client.indices.exists_alias(name=alias):
            actions.append({"remove": {"index": "*", "alias": alias}})
        actions.append({"add": {"index": index, "alias": alias}})
    client.indices.update_aliases(body={"actions": actions})
    return {queries_alias: names.queries, events_alias: names.events}
