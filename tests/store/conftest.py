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


@pytest.fixture
def open_store():
    """A factory for stores, ``open_store(path, **kwargs)``; every one is closed after the test."""
    opened: list[Store] = []

    def factory(*args, **kwargs) -> Store:
        store = Store(*args, **kwargs)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def clock():
    """A FakeClock starting at a fixed instant."""
    return FakeClock()


@pytest.fixture
def fresh_store(open_store, store_path, clock):
    """A new, empty board on a real file, with a FakeClock (``fresh_store._clock``)."""
    return open_store(store_path, clock=clock)
