"""Profile documents in OpenSearch: one per user or session, holding what it learned and its consent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opensearchpy import NotFoundError, OpenSearch, helpers

from reranker.behaviour.config import BehaviourConfig, subject_key
from reranker.profiles import Profile
from vindbaar.errors import WriteFailed
from vindbaar.mappings import ensure_index

#: Optimistic-concurrency retries when two requests update one profile at once.
MAX_CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class StoredProfile:
    """A profile document as read, with the version a conditional write must match."""

    doc: dict[str, Any]
    seq_no: int
    primary_term: int


class ProfileStore:
    """The ``<alias>_profiles`` index."""

    def __init__(self, client: OpenSearch, config: BehaviourConfig) -> None:
        self._client = client
        self.config = config
        self.index = config.names.profiles

    def ensure_index(self) -> None:
        """Create the profiles index if it does not exist."""
        ensure_index(self._client, self.index, "profiles")

    def read(self, subjects: Sequence[str], exclude: Sequence[str] = ()) -> dict[str, StoredProfile]:
        """Documents by subject key (realtime: sees the latest write), without the `exclude`d fields."""
        if not subjects:
            return {}
        # ignore=404: no profiles index yet (no consent or event recorded) is normal, not worth a log line.
        docs = self._client.mget(
            index=self.index, body={"ids": list(subjects)}, request_timeout=self.config.timeout_s, ignore=404,
            _source_excludes=list(exclude),
        ).get("docs", [])  # fmt: skip
        return {d["_id"]: StoredProfile(d["_source"], d["_seq_no"], d["_primary_term"]) for d in docs if d.get("found")}

    def for_search(self, user_id: str | None, session_id: str | None) -> Profile | None:
        """The profile to personalize with: the user's (with an unmerged session folded in) or the session's.

        None without history, or without consent when consent is required.
        """
        subjects = [subject_key(kind, sid) for kind, sid in (("user", user_id), ("session", session_id)) if sid]
        # The learned event ids are for learning, not for ranking: not read on every search.
        found = self.read(subjects, exclude=["state.learned"])
        if user_id and found.get(subject_key("user", user_id), StoredProfile({}, 0, 0)).doc.get("consent") is False:
            return None  # the user withdrew consent: no session of theirs personalizes either
        profiles = [Profile.from_document(subject, found[subject].doc) for subject in subjects if subject in found]
        if self.config.consent_required:
            profiles = [p for p in profiles if p.consent is True]
        profiles = [p for p in profiles if not p.is_empty]
        if not profiles:
            return None
        profile = profiles[0]
        for other in profiles[1:]:
            profile.merge(other, self.config.half_life_s)
        profile.decay_to(datetime.now(UTC), self.config.half_life_s)
        return profile

    def sessions_of(self, user_id: str) -> list[str]:
        """The anonymous sessions merged into a user's profile at login."""
        stored = self.read([subject_key("user", user_id)]).get(subject_key("user", user_id))
        return list(stored.doc.get("sessions") or []) if stored else []

    def record_consent(self, kind: str, subject_id: str, granted: bool) -> None:
        """Set the consent flag of a subject's profile (creating an empty profile if there is none)."""
        now = datetime.now(UTC).isoformat()
        self._client.update(
            index=self.index,
            id=subject_key(kind, subject_id),
            body={
                "doc": {"consent": granted, "consent_updated_at": now},
                "upsert": {
                    "kind": kind,
                    "subject_id": subject_id,
                    "consent": granted,
                    "consent_updated_at": now,
                    "updated_at": now,
                    "events": 0,
                },
            },
            retry_on_conflict=MAX_CONFLICT_RETRIES,
            refresh="wait_for",
        )

    def reset_withdrawn(self, kind: str, subject_id: str, sessions: Sequence[str] = ()) -> None:
        """Replace a subject's profile by an empty one that records the withdrawal of consent (and, for a
        user, the sessions merged into it, so that a later erasure still finds their events).

        One unconditional write: learners that read the old profile lose their conditional write, re-read,
        and see the withdrawal.
        """
        now = datetime.now(UTC).isoformat()
        doc = {"kind": kind, "subject_id": subject_id, "consent": False, "consent_updated_at": now,
               "updated_at": now, "events": 0, "sessions": list(sessions)}  # fmt: skip
        self._client.index(index=self.index, id=subject_key(kind, subject_id), body=doc, refresh="wait_for")

    def write(self, actions: Iterable[dict[str, Any]]) -> tuple[list[str], list[str]]:
        """Run conditional profile writes; return the subjects written and those that lost a version race."""
        written: list[str] = []
        conflicts: list[str] = []
        for ok, item in helpers.streaming_bulk(self._client, actions, raise_on_error=False):
            op = next(iter(item.values()))
            if ok:
                written.append(op["_id"])
            elif op.get("status") == 409:
                conflicts.append(op["_id"])
            else:
                raise WriteFailed(f"updating profile {op['_id']} failed: {op.get('error')}", op.get("status"))
        return written, conflicts

    def delete_if_unchanged(self, deletes: Iterable[dict[str, Any]]) -> None:
        """Run conditional deletes; a document changed or deleted since it was read (409/404) is kept."""
        for ok, item in helpers.streaming_bulk(self._client, deletes, raise_on_error=False):
            op = next(iter(item.values()))
            if not ok and op.get("status") not in (404, 409):
                raise WriteFailed(f"removing merged session {op['_id']} failed: {op.get('error')}", op.get("status"))

    def delete(self, subjects: Sequence[str]) -> int:
        """Delete the subjects' profiles; returns how many existed."""
        deleted = 0
        for subject in subjects:
            try:
                self._client.delete(index=self.index, id=subject, refresh=True)
                deleted += 1
            except NotFoundError:
                pass
        return deleted
