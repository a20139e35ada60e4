"""Events and profiles in OpenSearch: ingest (idempotent, consent-aware), profile updates, export, deletion."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cachetools import TTLCache
from opensearchpy import NotFoundError, OpenSearch, helpers
from opensearchpy.exceptions import RequestError

from reranker.events import Event
from reranker.profiles import DEFAULT_EVENT_WEIGHTS, ProductFeatures, Profile
from vindbaar.mappings import load_index_body
from vindbaar.settings import Settings

log = logging.getLogger(__name__)

FEATURE_SOURCE = ["brand", "category_ancestors", "attribute_pairs", "price", "embedding"]
FEATURE_TTL_S = 300.0
#: Optimistic-concurrency retries when two requests update one profile at once.
MAX_CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class BehaviourConfig:
    """How behaviour is stored and learned from."""

    product_alias: str
    half_life_days: float = 14.0
    consent_required: bool = True
    retention_days: int = 365
    event_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_EVENT_WEIGHTS))
    timeout_s: float = 2.0

    @classmethod
    def from_settings(cls, settings: Settings) -> BehaviourConfig:
        """Where and how behaviour is stored, from the settings."""
        return cls(
            product_alias=settings.index_alias,
            half_life_days=settings.event_half_life_days,
            consent_required=settings.consent_required,
            retention_days=settings.event_retention_days,
            timeout_s=settings.search_timeout_s,
        )

    @property
    def events_index(self) -> str:
        return f"{self.product_alias}_events"

    @property
    def profiles_index(self) -> str:
        return f"{self.product_alias}_profiles"

    @property
    def half_life_s(self) -> float:
        return self.half_life_days * 86400


@dataclass
class IngestReport:
    """What happened to a batch of valid events."""

    stored: int = 0
    duplicates: int = 0
    skipped_no_consent: int = 0
    expired: list[int] = field(default_factory=list)  # positions in the batch, older than the retention
    unknown_products: list[str] = field(default_factory=list)


def _subject_id(kind: str, subject_id: str) -> str:
    return f"{kind}:{subject_id}"


class BehaviourStore:
    """The events and profiles indices that belong to one product alias."""

    def __init__(self, client: OpenSearch, config: BehaviourConfig) -> None:
        self._client = client
        self.config = config
        # A price or category change reaches profiles within FEATURE_TTL_S; vectors only change on reindex.
        self._features: TTLCache[str, ProductFeatures] = TTLCache(maxsize=50_000, ttl=FEATURE_TTL_S)
        self._features_lock = threading.Lock()

    def ensure_indices(self) -> None:
        """Create the events and profiles indices if they do not exist."""
        for index, mapping in ((self.config.events_index, "events"), (self.config.profiles_index, "profiles")):
            if not self._client.indices.exists(index=index):
                try:
                    self._client.indices.create(index=index, body=load_index_body(mapping))
                except RequestError as exc:  # another worker created it first
                    if "resource_already_exists_exception" not in str(exc):
                        raise

    # --- reading ---------------------------------------------------------------------------------

    def _get_profiles(self, subjects: Sequence[str]) -> dict[str, tuple[dict[str, Any], int, int]]:
        """Documents by subject, with their seq_no and primary_term (realtime: sees the latest write)."""
        if not subjects:
            return {}
        # ignore=404: no profiles index yet (no consent or event recorded) is normal, not worth a log line.
        docs = self._client.mget(
            index=self.config.profiles_index, body={"ids": list(subjects)}, request_timeout=self.config.timeout_s,
            ignore=404,
        ).get("docs", [])  # fmt: skip
        return {d["_id"]: (d["_source"], d["_seq_no"], d["_primary_term"]) for d in docs if d.get("found")}

    def profile_for_search(self, user_id: str | None, session_id: str | None) -> Profile | None:
        """The profile to personalize with: the user's (with an unmerged session folded in) or the session's.

        None without history, or without consent when consent is required.
        """
        subjects = [s for s in (_subject_id("user", user_id or ""), _subject_id("session", session_id or ""))
                    if not s.endswith(":")]  # fmt: skip
        found = self._get_profiles(subjects)
        profiles = [Profile.from_document(subject, found[subject][0]) for subject in subjects if subject in found]
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

    # --- consent ---------------------------------------------------------------------------------

    def set_consent(self, kind: str, subject_id: str, granted: bool) -> None:
        """Record consent; withdrawing it deletes what was learned and stored about the subject."""
        self.ensure_indices()
        subject = _subject_id(kind, subject_id)
        now = datetime.now(UTC).isoformat()
        if not granted:
            self._delete_subject_data(kind, subject_id)
        self._client.update(
            index=self.config.profiles_index,
            id=subject,
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

    # --- writing events --------------------------------------------------------------------------

    def ingest(self, events: Sequence[Event], weights: Mapping[str, float] | None = None) -> IngestReport:
        """Store `events` (idempotent by event_id) and update the profiles they concern.

        Events of subjects without consent (when required) are not stored. An event is acknowledged
        only once OpenSearch has written it durably (translog fsync per request, the index default).
        """
        self.ensure_indices()
        report = IngestReport()
        cutoff = datetime.now(UTC) - timedelta(days=self.config.retention_days)
        allowed = self._consenting(events)
        batch: list[tuple[str, Event]] = []
        for position, event in enumerate(events):
            if event.timestamp < cutoff:
                report.expired.append(position)
            elif event.subject not in allowed:
                report.skipped_no_consent += 1
            else:
                batch.append((event.event_id or uuid.uuid4().hex, event))
        new_events = self._store(batch, report)
        if new_events:
            self._learn(new_events, report, weights or self.config.event_weights)
        return report

    def _consenting(self, events: Sequence[Event]) -> set[str]:
        subjects = {e.subject for e in events}
        if not self.config.consent_required:
            return subjects
        # A session that logs in carries its consent over; either record suffices.
        keys = subjects | {_subject_id("session", e.session_id) for e in events if e.session_id}
        found = self._get_profiles(sorted(keys))
        granted = {key for key, (doc, _, _) in found.items() if doc.get("consent") is True}
        return {
            e.subject for e in events
            if e.subject in granted or (e.session_id and _subject_id("session", e.session_id) in granted)
        }  # fmt: skip

    def _store(self, batch: Sequence[tuple[str, Event]], report: IngestReport) -> list[Event]:
        received = datetime.now(UTC).isoformat()
        actions = [
            {"_op_type": "create", "_index": self.config.events_index, "_id": event_id,
             "_source": {**event.model_dump(mode="json", exclude_none=True), "event_id": event_id,
                         "received_at": received}}
            for event_id, event in batch
        ]  # fmt: skip
        created: list[Event] = []
        results = helpers.streaming_bulk(
            self._client, actions, raise_on_error=False, request_timeout=self.config.timeout_s * 5
        )
        for (ok, item), (_, event) in zip(results, batch, strict=True):
            status = item["create"].get("status")
            if ok:
                created.append(event)
                report.stored += 1
            elif status == 409:
                report.duplicates += 1
            else:
                raise RuntimeError(f"storing an event failed: {item['create'].get('error')}")
        return created

    def _products(self, ids: Sequence[str]) -> dict[str, ProductFeatures]:
        """Features of the products, from a short-lived cache (popular products recur in every batch)."""
        with self._features_lock:
            found = {pid: self._features[pid] for pid in ids if pid in self._features}
        missing = [pid for pid in ids if pid not in found]
        if missing:
            docs = self._client.mget(
                index=self.config.product_alias, body={"ids": missing}, _source_includes=FEATURE_SOURCE,
                request_timeout=self.config.timeout_s,
            )["docs"]  # fmt: skip
            fetched = {d["_id"]: ProductFeatures.from_source(d["_id"], d["_source"]) for d in docs if d.get("found")}
            with self._features_lock:
                self._features.update(fetched)
            found.update(fetched)
        return found

    def _learn(self, events: Sequence[Event], report: IngestReport, weights: Mapping[str, float]) -> None:
        products = self._products(sorted({e.object_id for e in events if e.object_id}))
        report.unknown_products = sorted({e.object_id for e in events if e.object_id and e.object_id not in products})
        by_subject: dict[str, list[Event]] = defaultdict(list)
        for event in sorted(events, key=lambda e: e.timestamp):
            by_subject[event.subject].append(event)
        # A session that logs in within this batch: its anonymous events go straight to the user.
        for subject_events in list(by_subject.values()):
            for session_id in {e.session_id for e in subject_events if e.user_id and e.session_id}:
                earlier = by_subject.pop(_subject_id("session", session_id), [])
                subject_events.extend(earlier)
            subject_events.sort(key=lambda e: e.timestamp)
        pending = dict(by_subject)
        for _ in range(MAX_CONFLICT_RETRIES):
            if not pending:
                break
            pending = self._update_profiles(pending, products, weights)
        if pending:
            raise RuntimeError(f"profiles kept changing under concurrent updates: {', '.join(pending)}")

    def _update_profiles(
        self,
        by_subject: Mapping[str, list[Event]],
        products: Mapping[str, ProductFeatures],
        weights: Mapping[str, float],
    ) -> dict[str, list[Event]]:
        """Apply events per profile with optimistic concurrency; return the subjects to retry."""
        logins = {s: {e.session_id for e in evs if e.user_id and e.session_id} for s, evs in by_subject.items()}
        session_keys = sorted({_subject_id("session", sid) for ids in logins.values() for sid in ids if sid})
        found = self._get_profiles(sorted(set(by_subject) | set(session_keys)))
        actions: list[dict[str, Any]] = []
        merged_sessions: dict[str, list[dict[str, Any]]] = defaultdict(list)  # user subject -> session deletes
        for subject, subject_events in by_subject.items():
            kind, _, subject_id = subject.partition(":")
            current = found.get(subject)
            profile = (Profile.from_document(subject, current[0]) if current
                       else Profile(subject=subject, updated_at=subject_events[0].timestamp))  # fmt: skip
            for session_id in sorted(s for s in logins.get(subject, set()) if s):
                session_key = _subject_id("session", session_id)
                if session_id not in profile.sessions:
                    profile.sessions.append(session_id)
                    if session_key in found:
                        # Login: what the anonymous session learned now belongs to the user.
                        session = Profile.from_document(session_key, found[session_key][0])
                        profile.merge(session, self.config.half_life_s)
                        profile.consent = profile.consent or session.consent
                        # Deleted only once the user's write succeeded, and only if unchanged since read.
                        merged_sessions[subject].append(
                            {"_op_type": "delete", "_index": self.config.profiles_index, "_id": session_key,
                             "if_seq_no": found[session_key][1], "if_primary_term": found[session_key][2]}
                        )  # fmt: skip
            for event in subject_events:
                weight = weights.get(event.action_name, 0.0)
                product = products.get(event.object_id or "")
                if product is not None and weight > 0:
                    profile.add(product, weight, event.timestamp, self.config.half_life_s)
                    if event.action_name == "purchase" and product.id not in profile.purchased:
                        profile.purchased.append(product.id)
            doc = {"kind": kind, "subject_id": subject_id, "updated_at": profile.updated_at.isoformat(),
                   "events": profile.events, "sessions": profile.sessions, "purchased": profile.purchased,
                   "consent": profile.consent, "state": profile.to_state(),
                   "consent_updated_at": current[0].get("consent_updated_at") if current else None}  # fmt: skip
            action: dict[str, Any] = {"_op_type": "index", "_index": self.config.profiles_index, "_id": subject,
                                      "_source": {k: v for k, v in doc.items() if v is not None}}  # fmt: skip
            if current:
                action.update({"if_seq_no": current[1], "if_primary_term": current[2]})
            else:
                action["_op_type"] = "create"
            actions.append(action)
        retry: dict[str, list[Event]] = {}
        deletes: list[dict[str, Any]] = []
        for ok, item in helpers.streaming_bulk(self._client, actions, raise_on_error=False):
            op = next(iter(item.values()))
            if ok:
                deletes += merged_sessions.get(op["_id"], [])
            elif op.get("status") == 409:
                retry[op["_id"]] = list(by_subject[op["_id"]])
            else:
                raise RuntimeError(f"updating profile {op['_id']} failed: {op.get('error')}")
        # A session changed or deleted since it was read (409/404) keeps its document; nothing is lost.
        for ok, item in helpers.streaming_bulk(self._client, deletes, raise_on_error=False):
            op = next(iter(item.values()))
            if not ok and op.get("status") not in (404, 409):
                raise RuntimeError(f"removing merged session {op['_id']} failed: {op.get('error')}")
        return retry

    # --- privacy ---------------------------------------------------------------------------------

    def _sessions_of(self, user_id: str) -> list[str]:
        found = self._get_profiles([_subject_id("user", user_id)])
        doc = found.get(_subject_id("user", user_id))
        return list(doc[0].get("sessions") or []) if doc else []

    def _events_query(self, user_id: str | None, sessions: Sequence[str]) -> dict[str, Any]:
        should: list[dict[str, Any]] = []
        if user_id:
            should.append({"term": {"user_id": user_id}})
        if sessions:
            should.append({"terms": {"session_id": list(sessions)}})
        return {"bool": {"should": should, "minimum_should_match": 1}}

    def export_user(self, user_id: str) -> dict[str, Any]:
        """Everything stored about a user: profile, consent, and events (theirs and their sessions')."""
        sessions = self._sessions_of(user_id)
        subjects = [_subject_id("user", user_id)] + [_subject_id("session", s) for s in sessions]
        profiles = {subject: doc for subject, (doc, _, _) in self._get_profiles(subjects).items()}
        try:
            # Events written in the last second are not searchable until a refresh: include them.
            self._client.indices.refresh(index=self.config.events_index)
            hits = helpers.scan(self._client, index=self.config.events_index,
                                query={"query": self._events_query(user_id, sessions), "sort": ["timestamp"]},
                                preserve_order=True)  # fmt: skip
            events = [hit["_source"] for hit in hits]
        except NotFoundError:
            events = []
        return {"user_id": user_id, "sessions": sessions, "profiles": profiles, "events": events}

    def _delete_subject_data(self, kind: str, subject_id: str) -> tuple[int, int]:
        sessions = self._sessions_of(subject_id) if kind == "user" else [subject_id]
        user_id = subject_id if kind == "user" else None
        deleted_events = 0
        if self._client.indices.exists(index=self.config.events_index):
            self._client.indices.refresh(index=self.config.events_index)  # erase the last second's events too
            result = self._client.delete_by_query(
                index=self.config.events_index, body={"query": self._events_query(user_id, sessions)},
                refresh=True, conflicts="proceed",
            )  # fmt: skip
            deleted_events = int(result.get("deleted", 0))
        subjects = [_subject_id(kind, subject_id)] + [_subject_id("session", s) for s in sessions if kind == "user"]
        deleted_profiles = 0
        for subject in subjects:
            try:
                self._client.delete(index=self.config.profiles_index, id=subject, refresh=True)
                deleted_profiles += 1
            except NotFoundError:
                pass
        return deleted_events, deleted_profiles

    def delete_user(self, user_id: str) -> tuple[int, int]:
        """Erase a user (GDPR): their events, their sessions' events, profiles and consent. Returns counts."""
        return self._delete_subject_data("user", user_id)

    def purge_expired(self) -> int:
        """Delete events older than the retention period; returns how many."""
        if not self._client.indices.exists(index=self.config.events_index):
            return 0
        cutoff = (datetime.now(UTC) - timedelta(days=self.config.retention_days)).isoformat()
        self._client.indices.refresh(index=self.config.events_index)
        result = self._client.delete_by_query(
            index=self.config.events_index, body={"query": {"range": {"timestamp": {"lt": cutoff}}}},
            conflicts="proceed", refresh=True,
        )  # fmt: skip
        return int(result.get("deleted", 0))
