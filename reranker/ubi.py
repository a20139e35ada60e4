"""Events as OpenSearch User Behavior Insights (UBI) clients send them, read into Vindbaar's flat `Event`.

A UBI event nests the product and its rank (``event_attributes.object.object_id``,
``event_attributes.position.ordinal``), may carry any action name and any extra attributes, and its
``user_id`` is whatever the page's script put there. The flat fields are what profiles and analytics
read; the attributes are kept as sent, so the stored event is still a UBI event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Top-level fields of a UBI event that Vindbaar reads into its own fields of the same name.
UBI_FIELDS = frozenset(
    {"action_name", "query_id", "session_id", "client_id", "user_id", "timestamp", "application",
     "message_type", "message", "user_query", "event_attributes"}
)  # fmt: skip
#: Keys that only a UBI client sends: an event with one of them is read as UBI.
_UBI_MARKERS = ("event_attributes", "application", "message_type", "message", "user_query")


def is_ubi(raw: Mapping[str, Any]) -> bool:
    """Whether `raw` is shaped as a UBI client sends it (else it is Vindbaar's flat event)."""
    return any(key in raw for key in _UBI_MARKERS)


def from_ubi(raw: Mapping[str, Any], trust_user: bool) -> dict[str, Any]:
    """The flat event for a UBI event: product, rank and session from `event_attributes`; an empty
    ``user_id`` or ``message`` is absent; no session means the client id keeps the events together;
    top-level fields UBI does not define are kept among the attributes (nothing sent is dropped).

    Without `trust_user` (a public caller without that user's signed token) the ``user_id`` is not
    believed: the event is kept under its session or client instead of being refused, because UBI
    scripts fill the field from whatever the page knows."""
    attributes = raw.get("event_attributes")
    attributes = dict(attributes) if isinstance(attributes, Mapping) else {}
    extra = {key: value for key, value in raw.items() if key not in UBI_FIELDS and key != "event_id"}
    if extra:
        attributes["extra"] = extra
    flat: dict[str, Any] = {key: raw[key] for key in UBI_FIELDS & raw.keys() if raw[key] not in (None, "")}
    flat.pop("event_attributes", None)
    if not trust_user:
        flat.pop("user_id", None)
    if "event_id" in raw:
        flat["event_id"] = raw["event_id"]
    product = attributes.get("object")
    if isinstance(product, Mapping):
        if product.get("object_id") not in (None, ""):
            flat["object_id"] = str(product["object_id"])
        if product.get("object_id_field"):
            flat["object_id_field"] = str(product["object_id_field"])
    position = attributes.get("position")
    if isinstance(position, Mapping) and isinstance(position.get("ordinal"), int):
        flat["position"] = position["ordinal"]
    if "session_id" not in flat and attributes.get("session_id"):
        flat["session_id"] = str(attributes["session_id"])
    if "session_id" not in flat and "user_id" not in flat and flat.get("client_id"):
        flat["session_id"] = flat["client_id"]
    for key in ("message", "user_query"):
        if isinstance(flat.get(key), str):
            flat[key] = flat[key][:1024]  # UBI bounds messages; a longer one is cut, not refused
    if attributes:
        flat["event_attributes"] = attributes
    return flat


#: Where a flat field comes from in a UBI event, to name it in an error.
UBI_PATHS = {"object_id": "event_attributes.object.object_id", "position": "event_attributes.position.ordinal",
             "object_id_field": "event_attributes.object.object_id_field"}  # fmt: skip


def ubi_path(field: str) -> str:
    """The path of flat `field` in a UBI event."""
    return UBI_PATHS.get(field, field)
