"""How a logged search and its outcomes become bulk actions on the search's document."""

from __future__ import annotations

from datetime import UTC, datetime

from reranker.behaviour.search_record import LoggedSearch, outcome_of, upsert_action
from reranker.events import Event

SEARCH = LoggedSearch(query_id="q1", kind="search", user_query="Lamp", normalized_query="lamp",
                      timestamp=datetime(2026, 11, 29, tzinfo=UTC), result_count=3, hit_ids=["a", "b", "c"],
                      latency_ms=12.5, session_id="s1", filters={"brand": ["X"]})  # fmt: skip


def test_a_logged_search_uses_ubi_query_fields_and_leaves_out_what_it_does_not_know() -> None:
    doc = SEARCH.document()
    assert doc["query_id"] == doc["query_response_id"] == "q1" and doc["query_response_hit_ids"] == ["a", "b", "c"]
    assert doc["user_query"] == "Lamp" and doc["application"] == "vindbaar" and doc["filtered"] is True
    assert "user_id" not in doc and "variant" not in doc and "team_a" not in doc


def test_a_plain_search_merges_as_a_partial_document_and_an_interleaved_one_runs_the_script() -> None:
    plain = upsert_action("log", "q1", SEARCH.document(), None)
    assert plain["doc_as_upsert"] is True and "script" not in plain
    interleaved = LoggedSearch(**{**SEARCH.__dict__, "teams": (["a", "c"], ["b"])}).document()
    scripted = upsert_action("log", "q1", interleaved, None)
    assert scripted["scripted_upsert"] is True and scripted["script"]["params"]["log"]["team_b"] == ["b"]


def test_outcomes_carry_no_identity_and_only_clicks_carts_and_purchases_count() -> None:
    purchase = Event(action_name="purchase", object_id="a", query_id="q1", user_id="u1", session_id="s1",
                     position=1, price=10.0, quantity=3)  # fmt: skip
    outcome = outcome_of("e1", purchase)
    assert outcome is not None and outcome["revenue"] == 30.0 and outcome["event_id"] == "e1"
    assert not {"user_id", "session_id"} & outcome.keys()
    assert outcome_of("e2", Event(action_name="view", object_id="a", query_id="q1", session_id="s")) is None
    assert outcome_of("e3", Event(action_name="click", object_id="a", session_id="s")) is None  # names no search
