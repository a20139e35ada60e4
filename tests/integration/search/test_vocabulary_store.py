"""The spelling vocabulary on the real node: loaded once up front, then reloaded in the background."""

from __future__ import annotations

import threading
import time

import pytest
from opensearchpy import OpenSearch

from search.spelling import Vocabulary, VocabularyStore
from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings


def test_a_stale_vocabulary_is_reloaded_off_the_request_thread(
    client: OpenSearch, catalog_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = VocabularyStore(client, IndexNames(catalog_settings.index_alias), refresh_s=0.2)
    first = store.get()
    assert first.correct("hedfones") == "headphones", "the first load is waited for"
    loads_on: list[str] = []
    load = Vocabulary.load

    def recorded(*args: object) -> Vocabulary:
        loads_on.append(threading.current_thread().name)
        return load(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(Vocabulary, "load", recorded)
    time.sleep(0.25)
    assert store.get() is first, "the caller goes on with the loaded vocabulary"
    deadline = time.monotonic() + 5
    while store.get() is first:
        assert time.monotonic() < deadline, "the background reload did not land"
        time.sleep(0.02)
    assert loads_on and set(loads_on) == {"vocabulary-reload"}, loads_on
