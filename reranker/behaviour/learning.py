"""Learning from events: each subject's profile takes in its new events, with optimistic concurrency."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from opensearchpy import OpenSearch

from reranker.behaviour.config import BehaviourConfig, subject_key
from reranker.behaviour.event_log import StoredEvent
from reranker.behaviour.profile_store import MAX_CONFLICT_RETRIES, ProfileStore, StoredProfile
from reranker.errors import TooManyConflicts
from reranker.profiles import ProductFeatures, Profile
from vindbaar import schema

#: A price or category change reaches profiles within this time; vectors only change on reindex.
FEATURE_TTL_S = 300.0


@dataclass(frozen=True)
class Learned:
    """What learning a batch found: products not in the catalog, and the ids of events whose subject
    withdrew consent (they must not be kept)."""

    unknown_products: list[str]
    withdrawn_events: list[str]


class ProfileLearner:
    """Applies stored events to the profiles of their subjects."""

    def __init__(self, client: OpenSearch, config: BehaviourConfig, profiles: ProfileStore) -> None:
        self._client = client
        self.config = config
        self._profiles = profiles
        self._features: TTLCache[str, ProductFeatures] = TTLCache(maxsize=50_000, ttl=FEATURE_TTL_S)
        self._features_lock = threading.Lock()

    def products(self, ids: Sequence[str]) -> dict[str, ProductFeatures]:
        """Features of the products, from a short-lived cache (popular products recur in every batch)."""
        with self._features_lock:
            found = {pid: self._features[pid] for pid in ids if pid in self._features}
        missing = [pid for pid in ids if pid not in found]
        if missing:
            docs = self._client.mget(
                index=self.config.names.products, body={"ids": missing}, _source_includes=list(schema.PROFILE_FIELDS),
                request_timeout=self.config.timeout_s,
            )["docs"]  # fmt: skip
            fetched = {d["_id"]: ProductFeatures.from_source(d["_id"], d["_source"]) for d in docs if d.get("found")}
            with self._features_lock:
                self._features.update(fetched)
            found.update(fetched)
        return found

    def learn(
        self, events: Sequence[StoredEvent], weights: Mapping[str, float], shown: Mapping[str, Sequence[str]]
    ) -> Learned:
        """Update the profiles `events` concern, each event once: a profile remembers the ids it learned.
        `shown` maps the searches events name (`query_id`) to the products they showed.

        Subjects that withdrew consent (maybe while this batch was on its way) learn nothing; they are
        returned so that their events can be removed.

        Raises:
            TooManyConflicts: the profiles kept changing under concurrent updates.
        """
        # A search's page is its context only for products on it (a click naming another search's id is not).
        contexts = {qid: ids for qid, ids in shown.items()
                    if any(e.query_id == qid and e.object_id in ids for _, e in events)}  # fmt: skip
        products = self.products(sorted({e.object_id for _, e in events if e.object_id}
                                        | {pid for ids in contexts.values() for pid in ids}))  # fmt: skip
        unknown = sorted({e.object_id for _, e in events if e.object_id and e.object_id not in products})
        by_subject: dict[str, list[StoredEvent]] = defaultdict(list)
        for stored in sorted(events, key=lambda pair: pair[1].timestamp):
            by_subject[stored[1].subject].append(stored)
        # A session that logs in within this batch: its anonymous events go straight to the user.
        for subject_events in list(by_subject.values()):
            for session_id in {e.session_id for _, e in subject_events if e.user_id and e.session_id}:
                earlier = by_subject.pop(subject_key("session", session_id), [])
                subject_events.extend(earlier)
            subject_events.sort(key=lambda pair: pair[1].timestamp)
        pending = dict(by_subject)
        withdrawn: set[str] = set()
        for _ in range(MAX_CONFLICT_RETRIES):
            if not pending:
                break
            pending = self._update(pending, products, weights, withdrawn, contexts)
        if pending:
            raise TooManyConflicts(f"profiles kept changing under concurrent updates: {', '.join(pending)}")
        withdrawn_ids = [event_id for subject in withdrawn for event_id, _ in by_subject[subject]]
        return Learned(unknown, withdrawn_ids)

    def _update(
        self,
        by_subject: Mapping[str, list[StoredEvent]],
        products: Mapping[str, ProductFeatures],
        weights: Mapping[str, float],
        withdrawn: set[str],
        contexts: Mapping[str, Sequence[str]],
    ) -> dict[str, list[StoredEvent]]:
        """Apply events per profile with optimistic concurrency; return the subjects to retry. Subjects whose
        profile records a withdrawal are added to `withdrawn` and not written."""
        logins = {s: {e.session_id for _, e in evs if e.user_id and e.session_id} for s, evs in by_subject.items()}
        session_keys = sorted({subject_key("session", sid) for ids in logins.values() for sid in ids if sid})
        found = self._profiles.read(sorted(set(by_subject) | set(session_keys)))
        actions: list[dict[str, Any]] = []
        merged_sessions: dict[str, list[dict[str, Any]]] = defaultdict(list)  # user subject -> session deletes
        for subject, subject_events in by_subject.items():
            current = found.get(subject)
            if current is not None and current.doc.get("consent") is False:
                withdrawn.add(subject)  # withdrawal wins, also over events already past the consent check
                continue
            profile = (Profile.from_document(subject, current.doc) if current
                       else Profile(subject=subject, updated_at=subject_events[0][1].timestamp))  # fmt: skip
            for session_id in sorted(s for s in logins.get(subject, set()) if s):
                if session_id not in profile.sessions:
                    profile.sessions.append(session_id)
                    merged_sessions[subject] += self._merge_session(profile, found, session_id)
            seen = set(profile.learned)
            fresh = [(event_id, event) for event_id, event in subject_events if event_id not in seen]
            for _, event in fresh:
                weight = weights.get(event.action_name, 0.0)
                product = products.get(event.object_id or "")
                if product is not None and weight > 0:
                    page = contexts.get(event.query_id or "", ())
                    shown = [products[pid] for pid in page if pid in products] if product.id in page else []
                    profile.add(product, weight, event.timestamp, self.config.half_life_s, shown, event.query_id)
                    if event.action_name == "purchase" and product.id not in profile.purchased:
                        profile.purchased.append(product.id)
            profile.remember_learned([event_id for event_id, _ in fresh])
            actions.append(self._write_action(subject, profile, current))
        written, conflicts = self._profiles.write(actions)
        self._profiles.delete_if_unchanged([d for subject in written for d in merged_sessions.get(subject, [])])
        return {subject: list(by_subject[subject]) for subject in conflicts}

    def _merge_session(
        self, profile: Profile, found: Mapping[str, StoredProfile], session_id: str
    ) -> list[dict[str, Any]]:
        """Login: what the anonymous session learned now belongs to the user. Returns the session's delete,
        to run only once the user's write succeeded, and only if the session is unchanged since read."""
        key = subject_key("session", session_id)
        stored = found.get(key)
        if stored is None or stored.doc.get("consent") is False:
            return []  # nothing learned, or a withdrawal, which stays on record under the session
        session = Profile.from_document(key, stored.doc)
        profile.merge(session, self.config.half_life_s)
        if profile.consent is None:  # the user's own record, even a withdrawal, wins over the session's
            profile.consent = session.consent
        return [{"_op_type": "delete", "_index": self._profiles.index, "_id": key,
                 "if_seq_no": stored.seq_no, "if_primary_term": stored.primary_term}]  # fmt: skip

    def _write_action(self, subject: str, profile: Profile, current: StoredProfile | None) -> dict[str, Any]:
        """The conditional write of `profile`: create it, or replace the version that was read."""
        kind, _, subject_id = subject.partition(":")
        doc = {"kind": kind, "subject_id": subject_id, "updated_at": profile.updated_at.isoformat(),
               "events": profile.events, "sessions": profile.sessions, "purchased": profile.purchased,
               "consent": profile.consent, "state": profile.to_state(),
               "consent_updated_at": current.doc.get("consent_updated_at") if current else None}  # fmt: skip
        source = {k: v for k, v in doc.items() if v is not None}
        if current is None:
            return {"_op_type": "create", "_index": self._profiles.index, "_id": subject, "_source": source}
        return {"_op_type": "index", "_index": self._profiles.index, "_id": subject, "_source": source,
                "if_seq_no": current.seq_no, "if_primary_term": current.primary_term}  # fmt: skip
