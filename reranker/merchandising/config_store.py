"""Versioned merchandising config in OpenSearch: every change is a new version, so every worker sees it
within a second, and any version can be diffed or restored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from deepdiff import DeepDiff
from opensearchpy import ConflictError, NotFoundError, OpenSearch

from reranker.errors import StaleVersion, TooManyConflicts, UnknownVersion
from reranker.merchandising.config import MerchConfig
from vindbaar.index_names import IndexNames
from vindbaar.mappings import ensure_index
from vindbaar.refreshing import Refreshing

#: How stale a worker's view of the config may be.
CONFIG_TTL_S = 1.0


@dataclass(frozen=True)
class ConfigVersion:
    """One stored version: who changed what, when."""

    version: int
    created_at: datetime
    author: str
    comment: str
    config: MerchConfig
    rolled_back_to: int | None = None

    def summary(self) -> dict[str, Any]:
        """The audit line of this version."""
        return {"version": self.version, "created_at": self.created_at.isoformat(), "author": self.author,
                "comment": self.comment, "rolled_back_to": self.rolled_back_to,
                "rules": len(self.config.rules)}  # fmt: skip


class ConfigStore:
    """The config versions of one product alias (index ``<alias>_config``)."""

    def __init__(self, client: OpenSearch, names: IndexNames, ttl_s: float = CONFIG_TTL_S) -> None:
        self._client = client
        self.index = names.config
        # The first read blocks (hide rules must never be skipped); later re-reads run in the background
        # while requests go on with the cached version, which is also kept when a re-read fails.
        self._live: Refreshing[ConfigVersion | None] = Refreshing("config", lambda: self._latest(), ttl_s)

    def _latest(self) -> ConfigVersion | None:
        # ignore=404: "never configured" is the normal state of a new shop, not a failure to log every second.
        answer = self._client.search(
            index=self.index, body={"size": 1, "sort": [{"version": "desc"}], "query": {"match_all": {}}},
            ignore=404,
        )  # fmt: skip
        hits = answer.get("hits", {}).get("hits", [])
        return _version(hits[0]["_source"]) if hits else None

    def current(self) -> ConfigVersion | None:
        """The live version (None: never configured), re-read at most every `ttl_s` seconds, never on a
        request thread after the first read."""
        return self._live.get()

    def publish(
        self, config: MerchConfig, author: str, comment: str = "", base_version: int | None = None,
        rolled_back_to: int | None = None,
    ) -> ConfigVersion:  # fmt: skip
        """Store `config` as the next version.

        With `base_version` (the version the change was made on; 0: none yet) the change is refused when
        another was published since, so that two merchandisers never silently overwrite each other.
        Without it (a rollback), two concurrent publishers are both stored, one after the other.

        Raises:
            StaleVersion: `base_version` is no longer the live version.
            TooManyConflicts: concurrent publishers kept taking the next number.
        """
        ensure_index(self._client, self.index, "config")
        for _ in range(5):
            latest = self._latest()
            current = latest.version if latest else 0
            if base_version is not None and base_version != current:
                raise StaleVersion(base_version, current)
            number = current + 1
            created = ConfigVersion(number, datetime.now(UTC), author, comment, config, rolled_back_to)
            body = {"version": number, "created_at": created.created_at.isoformat(), "author": author,
                    "comment": comment, "config": config.model_dump(mode="json")}  # fmt: skip
            if rolled_back_to is not None:
                body["rolled_back_to"] = rolled_back_to
            try:
                self._client.create(index=self.index, id=f"v{number}", body=body, refresh="true")
            except ConflictError:
                continue  # another publisher took `number`: re-read (a based change then sees it is stale)
            self._live.set(created)  # this worker reads its own write at once; the others within `ttl_s`
            return created
        raise TooManyConflicts("could not store the config: too many concurrent changes; try again")

    def get(self, number: int) -> ConfigVersion:
        """One stored version."""
        try:
            return _version(self._client.get(index=self.index, id=f"v{number}")["_source"])
        except NotFoundError as exc:
            raise UnknownVersion(f"no config version {number}") from exc

    def history(self, size: int = 100) -> list[ConfigVersion]:
        """The newest `size` versions, newest first."""
        try:
            hits = self._client.search(
                index=self.index, body={"size": size, "sort": [{"version": "desc"}], "query": {"match_all": {}}}
            )["hits"]["hits"]
        except NotFoundError:
            return []
        return [_version(hit["_source"]) for hit in hits]

    def rollback(self, number: int, author: str, base_version: int | None = None) -> ConfigVersion:
        """Make version `number`'s config live again, as a new version (the history stays linear)."""
        old = self.get(number)
        return self.publish(old.config, author, f"rollback to version {number}", base_version, rolled_back_to=number)


def diff(old: MerchConfig, new: MerchConfig) -> dict[str, Any]:
    """What changed between two configs, as DeepDiff reports it (paths like ``root['rules'][0]['pins']``)."""
    result = DeepDiff(old.model_dump(mode="json"), new.model_dump(mode="json"), ignore_order=False, verbose_level=2)
    # Through DeepDiff's JSON: its dict holds Python types (a `type_changes` entry names `int` and `float`),
    # which an HTTP answer cannot carry.
    changes: dict[str, Any] = json.loads(result.to_json())
    return changes


def _version(source: dict[str, Any]) -> ConfigVersion:
    return ConfigVersion(
        version=int(source["version"]),
        created_at=datetime.fromisoformat(source["created_at"]),
        author=source["author"],
        comment=source.get("comment", ""),
        config=MerchConfig.model_validate(source["config"]),
        rolled_back_to=source.get("rolled_back_to"),
    )
