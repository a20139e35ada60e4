"""Consent, access and erasure (GDPR): who may be learned about, and everything stored about a shopper."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reranker.behaviour.config import subject_key
from reranker.behaviour.event_log import EventLog
from reranker.behaviour.profile_store import ProfileStore
from reranker.events import Event


class Privacy:
    """Consent records (kept in the profile documents) and the export and erasure of a shopper's data."""

    def __init__(self, profiles: ProfileStore, events: EventLog) -> None:
        self._profiles = profiles
        self._events = events

    def set_consent(self, kind: str, subject_id: str, granted: bool) -> None:
        """Record consent; withdrawing it deletes what was learned and stored about the subject."""
        if not granted:
            self.erase(kind, subject_id)
        self._profiles.record_consent(kind, subject_id, granted)

    def consenting(self, events: Sequence[Event]) -> set[str]:
        """The subjects among `events` that may be learned about (all of them when consent is not required)."""
        subjects = {e.subject for e in events}
        if not self._profiles.config.consent_required:
            return subjects
        # A session that logs in carries its consent over; either record suffices.
        keys = subjects | {subject_key("session", e.session_id) for e in events if e.session_id}
        granted = {
            key for key, stored in self._profiles.read(sorted(keys)).items() if stored.doc.get("consent") is True
        }
        return {
            e.subject for e in events
            if e.subject in granted or (e.session_id and subject_key("session", e.session_id) in granted)
        }  # fmt: skip

    def export_user(self, user_id: str) -> dict[str, Any]:
        """Everything stored about a user: profile, consent, and events (theirs and their sessions')."""
        sessions = self._profiles.sessions_of(user_id)
        subjects = [subject_key("user", user_id)] + [subject_key("session", s) for s in sessions]
        profiles = {subject: stored.doc for subject, stored in self._profiles.read(subjects).items()}
        events = self._events.of(user_id, sessions)
        return {"user_id": user_id, "sessions": sessions, "profiles": profiles, "events": events}

    def erase(self, kind: str, subject_id: str) -> tuple[int, int]:
        """Delete a subject's events and profile (for a user, their merged sessions' too); returns the counts."""
        sessions = self._profiles.sessions_of(subject_id) if kind == "user" else [subject_id]
        deleted_events = self._events.delete_of(subject_id if kind == "user" else None, sessions)
        subjects = [subject_key(kind, subject_id)] + [subject_key("session", s) for s in sessions if kind == "user"]
        return deleted_events, self._profiles.delete(subjects)
