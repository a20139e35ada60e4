"""Consent, and the GDPR export and erasure of a shopper's data."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, StrictBool

from search.http.deps import AdminDep, BehaviourDep, SearchKeyDep
from search.http.identity import CallerDep
from search.http.responses import ADMIN, BODY, PUBLIC

router = APIRouter(tags=["behaviour"], dependencies=[SearchKeyDep], responses={**PUBLIC, **BODY})
admin_router = APIRouter(prefix="/users", tags=["admin: privacy"], dependencies=[AdminDep], responses=ADMIN)


class Consent(BaseModel):
    """Whether the shopper agreed to personalization (and so to storing their behaviour)."""

    # Strict: a consent answer is a JSON true or false, never 0, 1, "yes" or "false" coerced into one.
    personalization: StrictBool


class ConsentRecorded(BaseModel):
    """The consent now on record."""

    subject: str
    personalization: bool


def _consent(
    kind: Literal["user", "session"], subject_id: str, consent: Consent, store: BehaviourDep
) -> ConsentRecorded:
    store.set_consent(kind, subject_id, consent.personalization)
    return ConsentRecorded(subject=f"{kind}:{subject_id}", personalization=consent.personalization)


@router.put("/users/{user_id}/consent", summary="Record a logged-in shopper's consent")
def user_consent(user_id: str, consent: Consent, store: BehaviourDep, caller: CallerDep) -> ConsentRecorded:
    """Withdrawing consent deletes the user's events and profile; it wins over any session's consent.

    User ids are guessable and the search key ships in web pages: this needs the user's signed token
    (X-User-Token), or the server or admin key.
    """
    caller.user(user_id)
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
