"""The behaviour store: ingest events (idempotent, consent-aware), personalize from profiles, and keep
shoppers' rights (consent, export, erasure, retention)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from opensearchpy import OpenSearch

from reranker.behaviour.assignments import Assignments
from reranker.behaviour.config import BehaviourConfig
from reranker.behaviour.event_log import EventLog, StoredEvent
from reranker.behaviour.learning import ProfileLearner
from reranker.behaviour.privacy import Privacy
from reranker.behaviour.profile_store import ProfileStore
from reranker.behaviour.search_log import SearchLog
from reranker.events import Event
from reranker.profiles import DEFAULT_EVENT_WEIGHTS, Profile


@dataclass
class IngestReport:
    """What happened to a batch of valid events."""

    stored: int = 0
    duplicates: int = 0
    skipped_no_consent: int = 0
    expired: list[int] = field(default_factory=list)  # positions in the batch, older than the retention
    unknown_products: list[str] = field(default_factory=list)


class BehaviourStore:
    """The events and profiles indices that belong to one product alias."""

    def __init__(self, client: OpenSearch, config: BehaviourConfig) -> None:
        self.config = config
        self.events = EventLog(client, config)
        self.profiles = ProfileStore(client, config)
        self.learner = ProfileLearner(client, config, self.profiles)
        self.searches = SearchLog(client, config, config.search_log_capacity)
        self.assignments = Assignments(client, config)
        self.privacy = Privacy(self.profiles, self.events, self.searches, self.assignments)

    def ensure_indices(self) -> None:
        """Create the events, profiles and search log indices if they do not exist."""
        self.events.ensure_index()
        self.profiles.ensure_index()
        self.searches.ensure_index()

    def ingest(self, events: Sequence[Event], weights: Mapping[str, float] = DEFAULT_EVENT_WEIGHTS) -> IngestReport:
        """Store `events` (idempotent by event_id) and update the profiles they concern with `weights`.

        Events of subjects without consent (when required) are not stored; events older than the
        retention period are refused. An event is acknowledged only once OpenSearch has stored it durably.

        Clicks, carts and purchases that name a search (`query_id`) count in its outcome for analytics
        whether or not the shopper consented: the outcome keeps no identity, only what was done to which
        product at which position.
        """
        self.ensure_indices()
        report = IngestReport()
        cutoff = datetime.now(UTC) - timedelta(days=self.config.retention_days)
        identified = [(event.event_id or uuid.uuid4().hex, event) for event in events]
        current = [(position, pair) for position, pair in enumerate(identified) if pair[1].timestamp >= cutoff]
        report.expired = [position for position, (_, event) in enumerate(identified) if event.timestamp < cutoff]
        # First, so that a failure stores nothing and the shop's retry counts each outcome once.
        self.searches.record_outcomes([pair for _, pair in current])
        allowed = self.privacy.consenting(events)
        batch: list[tuple[str, Event]] = []
        for _, (event_id, event) in current:
            if event.subject not in allowed:
                report.skipped_no_consent += 1
            else:
                batch.append((event_id, event))
        created, duplicates = self.events.store(batch)
        report.stored, report.duplicates = len(created), len(duplicates)
        # A retry of events whose profile update failed: stored before, learned now (each event only once).
        withdrawn = self._learn([*created, *self.events.unlearned(duplicates)], weights, report)
        late = sum(1 for event_id, _ in created if event_id in withdrawn)
        report.stored -= late
        report.skipped_no_consent += late
        return report

    def _learn(self, events: Sequence[StoredEvent], weights: Mapping[str, float], report: IngestReport) -> set[str]:
        """Learn `events` and mark them learned; returns the ids of those dropped for a withdrawal."""
        events = list({event_id: (event_id, event) for event_id, event in events}.values())  # an id learns once
        if not events:
            return set()
        # What each choice was chosen among: the taste learns from the contrast.
        searches = sorted({e.query_id for _, e in events if e.query_id and e.object_id})
        learned = self.learner.learn(events, weights, self.searches.shown(searches) if searches else {})
        report.unknown_products = learned.unknown_products
        withdrawn = set(learned.withdrawn_events)
        if withdrawn:
            # Their subjects withdrew consent while the events were on their way: they are not kept.
            self.events.delete_ids(sorted(withdrawn))
        self.events.mark_learned([event_id for event_id, _ in events if event_id not in withdrawn])
        return withdrawn

    def learn_pending(self, weights: Mapping[str, float], grace_s: float = 60.0) -> IngestReport:
        """Learn events that were stored but never learned (their request failed after storing them and was
        not retried), at least `grace_s` old; returns what was learned."""
        pending = self.events.pending(datetime.now(UTC) - timedelta(seconds=grace_s))
        report = IngestReport()
        report.skipped_no_consent = len(self._learn(pending, weights, report))
        report.stored = len(pending) - report.skipped_no_consent
        return report

    def profile_for_search(self, user_id: str | None, session_id: str | None) -> Profile | None:
        """The profile to personalize with (see `ProfileStore.for_search`)."""
        return self.profiles.for_search(user_id, session_id)

    def set_consent(self, kind: str, subject_id: str, granted: bool) -> None:
        """Record consent; withdrawing it deletes what was learned and stored about the subject."""
        self.ensure_indices()
        self.privacy.set_consent(kind, subject_id, granted)

    def export_user(self, user_id: str) -> dict[str, Any]:
        """Everything stored about a user (GDPR access request)."""
        return self.privacy.export_user(user_id)

    def delete_user(self, user_id: str) -> tuple[int, int]:
        """Erase a user (GDPR): their events, their sessions' events, profiles and consent. Returns counts."""
        return self.privacy.erase("user", user_id)

    def purge_expired(self) -> int:
        """Delete events and searches older than the retention period; returns how many events."""
        cutoff = datetime.now(UTC) - timedelta(days=self.config.retention_days)
        self.searches.delete_older_than(cutoff)
        return self.events.delete_older_than(cutoff)
