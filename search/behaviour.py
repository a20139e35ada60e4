"""Behaviour routes: `POST /events`, consent, and the GDPR export and erasure of a shopper's data."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, ValidationError

from reranker.events import MAX_EVENTS_PER_REQUEST, Event
from search.deps import AdminDep, BehaviourDep, EngineDep, SearchKeyDep

router = APIRouter(tags=["behaviour"], dependencies=[SearchKeyDep])
admin_router = APIRouter(prefix="/users", tags=["admin: privacy"], dependencies=[AdminDep])


class EventBatch(BaseModel):
    """Events in the order they happened (or any order: each carries its timestamp)."""

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


@router.post("/events", summary="Record shopper behaviour (UBI-style events)")
def post_events(batch: EventBatch, store: BehaviourDep, engine: EngineDep) -> EventsReport:
    """Validate each event, store the valid ones idempotently, update the shoppers' profiles."""
    events: list[Event] = []
    positions: list[int] = []
    rejected: list[EventRejected] = []
    for index, raw in enumerate(batch.events):
        try:
            events.append(Event.model_validate(raw))
            positions.append(index)
        except ValidationError as exc:
            error = exc.errors()[0]
            rejected.append(EventRejected(index=index, field=".".join(map(str, error["loc"])) or "-",
                                          reason=error["msg"]))  # fmt: skip
    weights = engine.merchandising()[1].ranking.event_weights
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
    )


class Consent(BaseModel):
    """Whether the shopper agreed to personalization (and so to storing their behaviour)."""

    personalization: bool


class ConsentRecorded(BaseModel):
    """The consent now on record."""

    subject: str
    personalization: bool


def _consent(
    kind: Literal["user", "session"], subject_id: str, consent: Consent, store: BehaviourDep
) -> ConsentRecorded:
    store.set_consent(kind, subject_id, consent.personalization)
    return ConsentRecorded(subject=f"{kind}:{subject_id}", personalization=consent.personalization)


@admin_router.put("/{user_id}/consent", summary="Record a logged-in shopper's consent (shop backend)")
def user_consent(user_id: str, consent: Consent, store: BehaviourDep) -> ConsentRecorded:
    """Withdrawing consent deletes the user's events and profile.

    Admin key only: user ids are guessable, and the search key ships in web pages.
    """
    return _consent("user", user_id, consent, store)


@router.put("/sessions/{session_id}/consent", summary="Record an anonymous session's consent")
def session_consent(session_id: str, consent: Consent, store: BehaviourDep) -> ConsentRecorded:
    """Withdrawing consent deletes the session's events and profile (session ids are random, not guessable)."""
    return _consent("session", session_id, consent, store)


class UserData(BaseModel):
    """Everything stored about a user (GDPR access request)."""

    user_id: str
    sessions: list[str]
    profiles: dict[str, Any]
    events: list[dict[str, Any]]


class Erased(BaseModel):
    """What an erasure removed."""

    user_id: str
    deleted_events: int
    deleted_profiles: int


@admin_router.get("/{user_id}/data", summary="Export a user's data")
def export_user(user_id: str, store: BehaviourDep) -> UserData:
    """The user's profile(s), consent and events, including their anonymous sessions before login."""
    return UserData.model_validate(store.export_user(user_id))


@admin_router.delete("/{user_id}", summary="Erase a user's data", status_code=status.HTTP_200_OK)
def delete_user(user_id: str, store: BehaviourDep) -> Erased:
    """Delete the user's events (and their sessions'), profiles and consent record."""
    events, profiles = store.delete_user(user_id)
    return Erased(user_id=user_id, deleted_events=events, deleted_profiles=profiles)
