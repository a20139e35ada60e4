"""A value re-read in the background: the first read waits, later ones never do, failures keep the old value."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError

from vindbaar.refreshing import Refreshing


class Source:
    """Hands out 1, 2, 3, … and records the thread of each load; can be made to fail or to stall."""

    def __init__(self) -> None:
        self.value = 0
        self.threads: list[str] = []
        self.fail = False
        self.gate = threading.Event()
        self.gate.set()

    def load(self) -> int:
        self.threads.append(threading.current_thread().name)
        self.gate.wait(5)
        if self.fail:
            raise OpenSearchConnectionError("N/A", "node down", Exception("down"))
        self.value += 1
        return self.value


def _eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "the background reload did not land"
        time.sleep(0.01)


def test_the_first_read_loads_on_the_callers_thread_and_later_ones_reload_in_the_background() -> None:
    source = Source()
    value = Refreshing("counter", source.load, every_s=0.05)
    assert value.get() == 1 and source.threads == [threading.current_thread().name]
    assert value.get() == 1, "fresh: no reload"
    time.sleep(0.06)
    source.gate.clear()  # the reload stalls: the caller must not wait for it
    started = time.monotonic()
    assert value.get() == 1
    assert time.monotonic() - started < 0.5
    source.gate.set()
    _eventually(lambda: value.get() == 2)
    assert source.threads[1:] == ["counter-reload"]


def test_a_failed_reload_keeps_the_old_value_but_a_failed_first_load_raises() -> None:
    source = Source()
    value = Refreshing("counter", source.load, every_s=0.01)
    assert value.get() == 1
    source.fail = True
    time.sleep(0.02)
    value.get()
    _eventually(lambda: len(source.threads) == 2)
    assert value.get() == 1
    broken = Refreshing("counter", source.load, every_s=1)
    with pytest.raises(OpenSearchConnectionError):
        broken.get()


def test_a_change_is_reported_and_a_reload_asked_for_during_one_runs_again_after_it() -> None:
    source = Source()
    changes: list[tuple[int, int]] = []
    value = Refreshing("counter", source.load, every_s=60, on_change=lambda old, new: changes.append((old, new)))
    assert value.reload() == 1 and changes == [], "the first load is not a change"
    source.gate.clear()
    value.reload_in_background()
    _eventually(lambda: len(source.threads) == 2)
    value.reload_in_background()  # the catalog changed again while the first reload was reading
    source.gate.set()
    _eventually(lambda: value.get() == 3)
    assert changes == [(1, 2), (2, 3)]


def test_a_value_set_by_this_process_is_served_without_a_read() -> None:
    source = Source()
    value = Refreshing("counter", source.load, every_s=60)
    value.set(42)
    assert value.get() == 42 and source.threads == []
