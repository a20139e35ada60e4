"""UBI events read into Vindbaar's flat events: what moves where, and which user_id is believed."""

from __future__ import annotations

from typing import Any

import pytest

from reranker.events import Event
from reranker.ubi import from_ubi, is_ubi

UBI_CLICK: dict[str, Any] = {
    "application": "shop", "action_name": "click", "query_id": "q1", "client_id": "c1", "session_id": "s1",
    "user_id": "u1", "timestamp": "2026-11-01T10:00:00Z", "message_type": None, "message": "",
    "event_attributes": {"object": {"object_id": "B07", "object_id_field": "asin"}, "position": {"ordinal": 2}},
}  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [({"action_name": "click", "object_id": "p"}, False), ({"action_name": "x", "event_attributes": {}}, True),
     ({"application": "a", "action_name": "x"}, True), ({"user_query": "q", "action_name": "search"}, True)],
)  # fmt: skip
def test_ubi_events_are_recognized_by_ubi_only_fields(raw: dict[str, Any], expected: bool) -> None:
    assert is_ubi(raw) is expected


def test_the_product_and_rank_come_from_event_attributes() -> None:
    flat = from_ubi(UBI_CLICK, trust_user=True)
    assert (flat["object_id"], flat["position"], flat["object_id_field"]) == ("B07", 2, "asin")
    assert flat["user_id"] == "u1" and "message" not in flat and "message_type" not in flat
    assert Event.model_validate(flat).subject == "user:u1"


@pytest.mark.parametrize(
    ("changes", "subject"),
    [({}, "session:s1"), ({"session_id": None}, "session:c1"),
     ({"session_id": None, "event_attributes": {"session_id": "s9", "object": {"object_id": "B07"}}}, "session:s9")],
)  # fmt: skip
def test_an_untrusted_user_id_gives_way_to_the_session_or_client(changes: dict[str, Any], subject: str) -> None:
    event = Event.model_validate(from_ubi({**UBI_CLICK, **changes}, trust_user=False))
    assert event.user_id is None and event.subject == subject


def test_attributes_ubi_does_not_define_are_kept() -> None:
    attributes = {**UBI_CLICK["event_attributes"], "dwell_time": 3.5}
    flat = from_ubi({**UBI_CLICK, "page_url": "/x", "event_attributes": attributes}, trust_user=True)
    assert flat["event_attributes"]["dwell_time"] == 3.5 and flat["event_attributes"]["extra"] == {"page_url": "/x"}


def test_epoch_milliseconds_are_a_time() -> None:
    event = Event.model_validate(from_ubi({**UBI_CLICK, "timestamp": 1717527762129}, trust_user=True))
    assert event.timestamp.year == 2024 and event.timestamp.tzinfo is not None


def test_any_action_name_is_kept_but_product_actions_need_their_product() -> None:
    assert Event.model_validate(from_ubi({**UBI_CLICK, "action_name": "page_exit", "event_attributes": None},
                                         trust_user=True)).object_id is None  # fmt: skip
    with pytest.raises(ValueError, match="object_id"):
        Event.model_validate(from_ubi({**UBI_CLICK, "action_name": "impression", "event_attributes": None},
                                      trust_user=True))  # fmt: skip
