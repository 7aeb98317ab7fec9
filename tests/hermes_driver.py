"""Run ``hermes kanban`` commands under a clock the test sets, and say what the board was after
each: run by a Hermes venv's Python (``real_hermes.Hermes.run_timed``), never by the tests'.

Reads ``{"start": unix_seconds, "step": seconds, "commands": [[arg, ...], ...]}`` as JSON on
standard input. Command arguments may name an earlier ``create``'s task as ``{n}`` (the n-th
task created, from 0). Each command runs in this process through Hermes' own entry point
(``hermes_cli.main.main``) at ``start + i * step``; ``time.time`` is that clock, so every
row and event Hermes writes carries it. Prints ``{"ids": [...], "moments": [[t, {id:
status}], ...]}``: the ids created, and after each command its time and every task's status
as Hermes' ``tasks`` table holds it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import sys
import time


def main() -> None:
    plan = json.load(sys.stdin)
    clock = [plan["start"]]
    time.time = lambda: float(clock[0])  # Hermes stamps rows with int(time.time())
    from hermes_cli.main import main as hermes

    db = os.path.join(os.environ["HERMES_HOME"], "kanban.db")
    ids: list[str] = []
    moments = []
    for i, command in enumerate(plan["commands"]):
        clock[0] = plan["start"] + i * plan["step"]
        args = [arg.format(*ids) for arg in command]
        printed = io.StringIO()
        sys.argv = ["hermes", "kanban", *args]
        try:
            with contextlib.redirect_stdout(printed):
                hermes()
        except SystemExit as stop:
            if stop.code not in (0, None):
                raise SystemExit(f"hermes kanban {' '.join(args)} failed ({stop.code}): "
                                 f"{printed.getvalue()}") from None
        if args[0] == "create":
            ids.append(json.loads(printed.getvalue())["id"])
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            moments.append([clock[0], dict(conn.execute("SELECT id, status FROM tasks"))])
    json.dump({"ids": ids, "moments": moments}, sys.stdout)


if __name__ == "__main__":
    main()
