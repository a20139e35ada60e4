"""Consent, access and erasure (GDPR): who may be learned about, and everything stored about a shopper."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reranker.behaviour.assignments import Assignments
from reranker.behaviour.config import subject_key
from reranker.behaviour.event_log import EventLog
from reranker.behaviour.profile_store import ProfileStore
from reranker.behaviour.search_log import SearchLog
from reranker.events import Event


class Privacy:
    """Consent records (kept in the profile documents) and the export and erasure of a shopper's data."""

    def __init__(self, profiles: ProfileStore, events: EventLog, searches: SearchLog, assignments: Assignments) -> None:
        self._profiles = profiles
        self._events = events
        self._searches = searches
        self._assignments = assignments

    def set_consent(self, kind: str, subject_id: str, granted: bool) -> None:
        """Record consent. Withdrawing it first marks the subject withdrawn (so that ingests running now learn
        nothing more), then deletes what was learned and stored about it."""
        if granted:
            self._profiles.record_consent(kind, subject_id, True)
            return
        sessions = self._profiles.sessions_of(subject_id) if kind == "user" else [subject_id]
        self._profiles.reset_withdrawn(kind, subject_id, sessions if kind == "user" else ())
        self._events.delete_of(subject_id if kind == "user" else None, sessions)
        self._searches.delete_of(subject_id if kind == "user" else None, sessions)
        if kind == "user":
            self._profiles.delete([subject_key("session", s) for s in sessions])

    def consenting(self, events: Sequence[Event]) -> set[str]:
        """The subjects among `events` that may be learned about.

        A withdrawal on record always wins. Otherwise, when consent is required, the subject's own consent
        counts, and for a user without a record of their own, the consent of the session they log in from.
        """
        keys = {e.subject for e in events} | {subject_key("session", e.session_id) for e in events if e.session_id}
        consent = {key: stored.doc.get("consent") for key, stored in self._profiles.read(sorted(keys)).items()}
        required = self._profiles.config.consent_required
        allowed: set[str] = set()
        for event in events:
            own = consent.get(event.subject)
            session = consent.get(subject_key("session", event.session_id)) if event.session_id else None
            if own is False:
                continue
            if not required or own is True or (own is None and event.user_id and session is True):
                allowed.add(event.subject)
        return allowed

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
        self._searches.delete_of(subject_id if kind == "user" else None, sessions)
        if kind == "user":
            self._assignments.delete_of(subject_id)
        subjects = [subject_key(kind, subject_id)] + [subject_key("session", s) for s in sessions if kind == "user"]
        return deleted_events, self._profiles.delete(subjects)
