"""`POST /events`: what shoppers do, as shop frontends send it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, ValidationError

from reranker.events import MAX_EVENTS_PER_REQUEST, Event
from reranker.ubi import from_ubi, is_ubi, ubi_path
from search.http.deps import BehaviourDep, EngineDep, SearchKeyDep
from search.http.identity import CallerDep
from search.http.responses import BODY, PUBLIC, STRICT

router = APIRouter(tags=["behaviour"], dependencies=[SearchKeyDep], responses={**PUBLIC, **BODY})


class EventBatch(BaseModel):
    """Events in the order they happened (or any order: each carries its timestamp)."""

    model_config = STRICT

    events: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_EVENTS_PER_REQUEST)


class EventRejected(BaseModel):
    """An event that was not stored, by its position in the batch."""

    index: int
    field: str
    reason: str


class EventsReport(BaseModel):
    """What became of a batch. Stored events are durable when this answer arrives."""

    stored: int
    duplicates: int = Field(description="Events whose event_id was stored before (a retry): not counted again.")
    skipped_no_consent: int = Field(description="Events of shoppers without recorded consent: not stored.")
    rejected: list[EventRejected]
    unknown_products: list[str] = Field(description="Stored, but the product is not in the catalog.")
    untrusted_user_ids: int = Field(
        default=0, description="UBI events whose user_id the caller could not prove (no user token): stored "
        "under their session or client id instead.",
    )  # fmt: skip


@router.post("/events", summary="Record shopper behaviour (UBI-style events)")
def post_events(batch: EventBatch, store: BehaviourDep, engine: EngineDep, caller: CallerDep) -> EventsReport:
    """Validate each event, store the valid ones idempotently, update the shoppers' profiles.

    Events come flat (Vindbaar's fields) or exactly as OpenSearch UBI clients send them (nested
    `event_attributes`, any action name, extra attributes kept). A flat event naming a `user_id` needs
    that user's signed token (X-User-Token) or a server key: the whole batch is refused otherwise
    (401/403), and nothing of it is stored. A UBI event's unproven `user_id` is not believed: the event
    is kept under its session or client id.
    """
    events: list[Event] = []
    positions: list[int] = []
    rejected: list[EventRejected] = []
    untrusted = 0
    for index, raw in enumerate(batch.events):
        try:
            if is_ubi(raw):
                trusted = caller.may_act_for(raw.get("user_id") or None)
                untrusted += not trusted
                event = Event.model_validate(from_ubi(raw, trust_user=trusted))
            else:
                event = Event.model_validate(raw)
                caller.user(event.user_id)
            events.append(event)
            positions.append(index)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(map(str, error["loc"])) or "-"
            if field == "-" and error["msg"].startswith("Value error, object_id"):
                field = "object_id"  # the product a product action needs
            rejected.append(EventRejected(index=index, field=ubi_path(field) if is_ubi(raw) else field,
                                          reason=error["msg"]))  # fmt: skip
    weights = engine.merchandising().weights.event_weights
    report = store.ingest(events, weights) if events else None
    if report is not None:
        rejected += [EventRejected(index=positions[i], field="timestamp", reason="older than the retention period")
                     for i in report.expired]  # fmt: skip
    return EventsReport(
        stored=report.stored if report else 0,
        duplicates=report.duplicates if report else 0,
        skipped_no_consent=report.skipped_no_consent if report else 0,
        rejected=sorted(rejected, key=lambda r: r.index),
        unknown_products=report.unknown_products if report else [],
        untrusted_user_ids=untrusted,
    )
