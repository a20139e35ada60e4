"""The live ranking model on the real node: a worker loads the latest one published behind the ranker
alias, and none trained on other features (a model from before a feature was added stays out until the
next training replaces it, and the ranking stays hand-set meanwhile)."""

from __future__ import annotations

import random

from opensearchpy import OpenSearch

from indexer.derived_indices import replace_derived_index
from reranker.ranking_model import FEATURES, RankingGroup, RankingModel, base_score, train
from search.ranking_model_store import load_ranking_model
from vindbaar.index_names import IndexNames


def _model() -> RankingModel:
    rng = random.Random(5)
    groups = []
    for _ in range(40):
        rows = [[rng.random() for _ in FEATURES] for _ in range(10)]
        chosen = max(range(10), key=lambda i: rows[i][FEATURES.index("brand")])
        groups.append(RankingGroup(rows, [base_score(i) for i in range(10)], [int(i == chosen) for i in range(10)]))
    return train(groups)


def _publish(client: OpenSearch, names: IndexNames, features: list[str], model: RankingModel) -> None:
    document = {"trained_at": "2026-11-30T12:00:00+00:00", "features": features, "model": {"text": model.text}}
    replace_derived_index(client, names.ranker, "ranker", lambda: [document])
    client.indices.refresh(index=names.ranker)


def test_a_model_trained_on_other_features_is_not_loaded(client: OpenSearch, index_name: str) -> None:
    names, model = IndexNames(index_name), _model()
    assert load_ranking_model(client, names, 10.0) is None  # nothing published yet

    _publish(client, names, [f for f in FEATURES if f != "price_leaning"], model)  # as before the price leaning
    assert load_ranking_model(client, names, 10.0) is None

    _publish(client, names, list(FEATURES), model)
    loaded = load_ranking_model(client, names, 10.0)
    assert loaded is not None and loaded.text == model.text
