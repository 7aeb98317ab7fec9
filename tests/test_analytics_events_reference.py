"""``analytics.events`` against a plain reference implementation, on randomized histories.

``events`` takes shortcuts for speed (one scan per column, payloads decoded once per distinct
text in batches, flattened columns built on the distinct payloads): the reference here reads
row by row and decodes each payload on its own, so any shortcut that changes a value, a dtype
or the row order shows up as a difference.
"""

from __future__ import annotations

import json
import random
import sqlite3

import numpy as np
import pandas as pd
import pytest

from analytics_fixtures import T0, BoardWriter
from kanban_widget import analytics
from kanban_widget.analytics import _events
from kanban_widget.analytics._source import EVENT_ALIASES, TEXT

#: Payloads as stored: valid objects of every value type, JSON that is not an object, broken
#: text, NULL, the empty text, JSON nulls, non-finite numbers SQLite rejects, huge ints.
ODD_PAYLOADS = [
    None, "", "{not json", "[1, 2]", "42", '"text"', "null", "{}", '{"a": null}',
    '{"a": 1}', '{"a": 2, "b": "x"}', '{"b": "y", "a": 3}', '{"a": 1.5}', '{"c": true}',
    '{"c": false}', '{"d": [1, {"x": 2}]}', '{"e": {"k": "v"}}', '{"f": NaN}',
    '{"g": 123456789012345678901234567890}', '{"h": "caf\\u00e9 \\ud83d\\ude00"}',
    ' {"a": 4} ', '{"a": 5,}', '{"b": "unterminated}', '{"i": "x", "i": "y"}',
    '{"j": -0.0, "k": 1e400}', "[" * 50 + "]" * 50, '{"l": ' + "[" * 30 + "]" * 30 + "}",
]
KINDS = ["created", "promoted", "ready", "claimed", "completed", "priority", "reprioritized",
         "spawn_auto_blocked", "gave_up", "note"]


def _random_board(path, seed: int, n_events: int):
    rng = random.Random(seed)
    w = BoardWriter(path)
    tasks = [f"t_{i}" for i in range(12)]
    for i, t in enumerate(tasks):
        w.task(t, T0 + i, "todo", tenant=rng.choice(["acme", "globex", None]),
               assignee=rng.choice(["alice", "bob", None]))
    for _ in range(n_events):
        if rng.random() < 0.5:
            payload = rng.choice(ODD_PAYLOADS)
        else:                           # distinct generated objects, some keys sparse
            obj = {"n": rng.randint(-5, 5)}
            if rng.random() < 0.3:
                obj["s"] = rng.choice(["a", "b", None])
            if rng.random() < 0.2:
                obj["m"] = rng.choice([1, 2.5, "x", [1], None])
            payload = json.dumps(obj)
        # Few distinct times, inserted out of order: ties broken by id.
        w.event(rng.choice(tasks), rng.choice(KINDS), T0 + rng.randint(0, 40), payload)
    return w.close()


def _reference(path, since=None, kinds=None) -> pd.DataFrame:
    """events() computed the slow, obvious way."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT id, task_id, kind, created_at, payload, json_valid(payload)"
                        " FROM task_events").fetchall()
    conn.close()
    rows.sort(key=lambda r: (r[3], r[0]))
    rows = [r[:2] + (EVENT_ALIASES.get(r[2], r[2]),) + r[3:] for r in rows]
    if since is not None:
        rows = [r for r in rows if r[3] >= since]
    if kinds is not None:
        rows = [r for r in rows if r[2] in kinds]
    payloads = []
    for r in rows:
        value = None
        if r[4] is not None and r[5]:
            try:
                value = json.loads(r[4])
            except (ValueError, RecursionError):
                value = None
        payloads.append(value if isinstance(value, dict) else {})
    frame = pd.DataFrame({
        "id": np.array([r[0] for r in rows], dtype=np.int64),
        "task_id": pd.Series([r[1] for r in rows], dtype=TEXT),
        "kind": pd.Series([r[2] for r in rows], dtype=TEXT),
        "created_at": pd.to_datetime(np.array([r[3] for r in rows], dtype=np.int64), unit="s",
                                     utc=True).as_unit("ns"),
        "payload": pd.Series(payloads, dtype=object),
    })
    keys = sorted({k for p in payloads for k in p})
    for key in keys:
        values = [p.get(key) for p in payloads]
        present = [v for v in values if v is not None]
        types = set(map(type, present))
        complete = len(present) == len(values)
        column = None
        if types <= {int} and complete:
            try:
                column = np.array(values, dtype=np.int64)
            except OverflowError:
                pass
        elif types <= {int, float}:
            try:
                column = np.array([np.nan if v is None else v for v in values], dtype=float)
            except OverflowError:
                pass
        elif types <= {bool} and complete:
            column = np.array(values, dtype=bool)
        if column is None and types <= {str}:
            column = pd.Series([np.nan if v is None else v for v in values], dtype=TEXT)
        if column is None:
            column = np.empty(len(values), dtype=object)
            for i, v in enumerate(values):
                column[i] = v
        frame[f"payload.{key}"] = pd.Series(column, dtype=column.dtype)
    return frame


@pytest.mark.parametrize("seed", range(6))
def test_events_match_the_reference(tmp_path, seed):
    path = _random_board(tmp_path / "kanban.db", seed, n_events=[0, 1, 30, 300, 3000, 9000][seed])
    got = analytics.events(path)
    pd.testing.assert_frame_equal(got, _reference(path), check_exact=True)
    # Rows with the same payload text share one dict; rows without an object share another.
    conn = sqlite3.connect(path)
    texts = dict(conn.execute("SELECT id, payload FROM task_events"))
    conn.close()
    by_text: dict = {}
    for event_id, payload in zip(got["id"], got["payload"]):
        assert by_text.setdefault(texts[event_id], payload) is payload


@pytest.mark.parametrize("seed", range(3))
def test_events_filters_match_the_reference(tmp_path, seed):
    path = _random_board(tmp_path / "kanban.db", 100 + seed, n_events=500)
    since = T0 + 20
    got = analytics.events(path, since=since, kinds=["promoted", "gave_up", "note"])
    want = _reference(path, since=since, kinds={"promoted", "gave_up", "note"})
    # Only the keys found among the kept rows get a column.
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_events_without_numpy_fromiter_objects(tmp_path, monkeypatch):
    # numpy < 1.23 cannot build object arrays from an iterator; the fallback gives the same.
    path = _random_board(tmp_path / "kanban.db", 7, n_events=400)
    want = analytics.events(path)
    real = np.fromiter

    def old_fromiter(values, dtype=None, count=-1):
        if np.dtype(dtype) == object:
            raise ValueError("cannot create object arrays from iterator")
        return real(values, dtype=dtype, count=count)

    class OldNumpy:                     # numpy as _events sees it; pandas keeps the real one
        fromiter = staticmethod(old_fromiter)

        def __getattr__(self, name):
            return getattr(np, name)

    monkeypatch.setattr(_events, "np", OldNumpy())
    pd.testing.assert_frame_equal(analytics.events(path), want, check_exact=True)
