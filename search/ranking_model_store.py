"""The live ranking model as each worker holds it: read from behind the ranker alias, reloaded when a
training run publishes a new one (the catalog generation names the index behind the alias)."""

from __future__ import annotations

from opensearchpy import NotFoundError, OpenSearch

from reranker.ranking_model import FEATURES, RankingModel
from vindbaar.index_names import IndexNames


def load_ranking_model(client: OpenSearch, names: IndexNames, timeout_s: float) -> RankingModel | None:
    """The live model, or None before one has shipped (or when it was trained on other features)."""
    try:
        hits = client.search(index=names.ranker, body={"size": 1, "sort": [{"trained_at": "desc"}]},
                             request_timeout=timeout_s)["hits"]["hits"]  # fmt: skip
    except NotFoundError:
        return None
    if not hits or tuple(hits[0]["_source"].get("features") or ()) != FEATURES:
        return None
    return RankingModel(hits[0]["_source"]["model"]["text"])
