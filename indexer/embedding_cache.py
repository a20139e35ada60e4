"""A persistent embedding cache keyed by (model id, content hash), so unchanged products are never re-embedded."""

from __future__ import annotations

import sqlite3
import threading
from array import array
from collections.abc import Iterable, Mapping
from pathlib import Path

_CHUNK = 500  # SQLite's parameter limit is 999 on old builds


class EmbeddingCache:
    """Float32 vectors in a local SQLite file (one writer at a time; readers never block)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Shared by the API's worker threads: one lock around the connection keeps it simple and safe.
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings ("
            " model TEXT NOT NULL, hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, hash)"
            ") WITHOUT ROWID"
        )

    def get_many(self, model: str, hashes: Iterable[str]) -> dict[str, list[float]]:
        """Return the cached vectors of `hashes` for `model` (missing ones are absent)."""
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, list[float]] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT hash, vector FROM embeddings WHERE model = ? AND hash IN ({marks})"
            with self._lock:
                rows = self._db.execute(query, [model, *chunk]).fetchall()
            for key, blob in rows:
                found[key] = array("f", blob).tolist()
        return found

    def put_many(self, model: str, vectors: Mapping[str, list[float]]) -> None:
        """Store `vectors` (hash → vector) for `model`."""
        rows = [(model, key, array("f", vector).tobytes()) for key, vector in vectors.items()]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO embeddings (model, hash, vector) VALUES (?, ?, ?)", rows)

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])

    def close(self) -> None:
        self._db.close()
