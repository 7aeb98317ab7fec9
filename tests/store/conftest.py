"""Fixtures for the store's tests: board files, stores that are always closed, a movable clock."""

from __future__ import annotations

import pytest

from kanban_widget.store import Store


class FakeClock:
    """A clock the test moves by hand: ``Store(path, clock=clock)``."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def store_path(tmp_path):
    """Where a board file will live (nothing is created there yet)."""
    return tmp_path / "kanban.db"


@pytest.fixture(autouse=True)
def close_stores(monkeypatch):
    """Close every Store the test opened, also those a failing assertion left open."""
    opened: list[Store] = []
    real_init = Store.__init__

    def tracking_init(self, *args, **kwargs):
        opened.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Store, "__init__", tracking_init)
    yield
    for store in opened:
        if getattr(store, "_conn", None) is not None:
            store.close()


@pytest.fixture
def clock():
    """A FakeClock starting at a fixed instant."""
    return FakeClock()


@pytest.fixture
def fresh_store(store_path, clock):
    """A new, empty board on a real file, with a FakeClock (``fresh_store._clock``)."""
    return Store(store_path, clock=clock)
