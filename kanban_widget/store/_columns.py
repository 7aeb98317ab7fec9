"""Reading a query's result column by column, fast: int64 arrays and lists of text.

Used by the replay engine and by analytics on boards of millions of events. Needs numpy (a
dependency of the package through pandas); the rest of ``store`` imports only the standard
library and does not import this module.
"""

from __future__ import annotations

import sqlite3
import warnings
from typing import Optional, Sequence

import numpy as np

#: A separator that cannot appear in valid JSON text or in sane ids and kinds.
_SEP = "\x1f"


def fetch_columns(conn: sqlite3.Connection, select_sql: str, columns: Sequence[tuple[str, str]],
                  params: Sequence = ()) -> list:
    """Fetch the result of ``select_sql`` column by column: int64 arrays and lists of str.

    ``columns`` names each output column of ``select_sql`` with its kind, ``"int"`` (never
    NULL) or ``"text"`` (NULL comes back as ``""``). A million rows through ``fetchall`` cost
    seconds in tuple building; one ``group_concat`` per column, split in C, costs a fraction.
    All aggregates run over the same scan, so the columns stay aligned row for row. When a
    value would break the split (a separator inside a text), it falls back to ``fetchall``.
    """
    parts = ["COUNT(*)"]
    for name, kind in columns:
        if kind == "int":
            parts.append(f"group_concat(CAST(q.{name} AS INTEGER), ',')")
        else:
            # The separator as a literal, not char(31): SQLite evaluates a function call in
            # the separator for every row, which cost about 0.1 s per million rows per column.
            parts.append(f"group_concat(COALESCE(q.{name}, ''), '{_SEP}')")
    row = conn.execute(f"SELECT {', '.join(parts)} FROM ({select_sql}) AS q", params).fetchone()
    n = row[0]
    out: list = []
    for (_, kind), joined in zip(columns, row[1:]):
        values = _split(joined, kind, n)
        if values is None:
            return _fetch_rows(conn, select_sql, columns, params)
        out.append(values)
    return out


def _split(joined: Optional[str], kind: str, n: int):
    if n == 0 or joined is None:
        return np.empty(0, dtype=np.int64) if kind == "int" else []
    if kind == "int":
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                values = np.fromstring(joined, dtype=np.int64, sep=",")
            except (ValueError, DeprecationWarning):
                return None
    else:
        values = joined.split(_SEP)
    return values if len(values) == n else None


def _fetch_rows(conn, select_sql, columns, params) -> list:
    names = ", ".join(f"q.{name}" for name, _ in columns)
    rows = conn.execute(f"SELECT {names} FROM ({select_sql}) AS q", params).fetchall()
    out: list = []
    for i, (_, kind) in enumerate(columns):
        if kind == "int":
            out.append(np.array([r[i] for r in rows], dtype=np.int64).reshape(-1))
        else:
            out.append(["" if r[i] is None else str(r[i]) for r in rows])
    return out
