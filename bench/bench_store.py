"""Benchmark the store kernel, and Hermes' approaches to the same jobs, in the same run.

Run from the repository root::

    .venv/bin/python bench/bench_store.py              # 5 runs each, writes bench/results/store.md
    .venv/bin/python bench/bench_store.py --runs 9
    .venv/bin/python bench/bench_store.py --no-write   # print only
    .venv/bin/python bench/bench_store.py --demo-tasks 0   # skip the 100,000-task demo build

Each measure is the median of ``--runs`` runs (at least 5), on boards built in a temporary
folder. Ours goes through :class:`kanban_widget.Store`. The Hermes column is the approach the
reference describes (``shared/reference/hermes-kanban.md`` §2.4, §6.1, §9.1), written here
from that description against the same file with plain ``sqlite3``:

- ``recompute_ready``: select every todo task, then one parents query per task, then a
  compare-and-swap UPDATE and an event per promotion, in one write transaction;
- ``/board``: seven separate statements, each its own snapshot (tasks, all links, comment
  counts, links joined with child status, MAX event id, tenants, assignees), cards assembled
  in Python, on a fresh connection as each dashboard request opens one;
- cycle detection when linking: a depth-first walk from the child with one
  ``SELECT child_id … WHERE parent_id = ?`` per visited node;
- the live feed: a fresh connection per poll and 200 events per page (the 0.3 s sleep between
  polls is left out, so the ratio is a lower bound).

It also times ``build_demo`` at 300 tasks (median of the runs) and at 100,000 tasks (once).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from _machine import machine_info  # bench/ is on sys.path when a bench runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kanban_widget import Store  # noqa: E402  (after the path tweak above)

RESULTS = ROOT / "bench" / "results" / "store.md"
TENANTS = ("acme", "globex", "initech")
ASSIGNEES = ("hermes-coder", "qa-agent", "ops-agent", "alice", "bob", "priya")
BASE_TIME = 1_780_000_000


def median_ms(func: Callable[[], object], runs: int, setup: Callable[[], object] | None = None):
    """Median wall time of ``func`` in milliseconds over ``runs`` runs (``setup`` untimed)."""
    times = []
    for _ in range(runs):
        state = setup() if setup else None
        started = time.perf_counter()
        func() if state is None else func(state)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), times


class Clock:
    def __init__(self):
        self.t = BASE_TIME

    def __call__(self):
        self.t += 1
        return self.t


# -- boards ----------------------------------------------------------------------------------


def build_board(path: Path, n: int = 10_000, seed: int = 1) -> Path:
    """``n`` tasks in every status, with chains and fan-ins (~0.8 links per task), ~1.2 comments
    per task and their events, written through Store verbs in one outer transaction."""
    rng = random.Random(seed)
    with Store(path, clock=Clock()) as store, store.atomic():
        ids: list[str] = []
        for i in range(n):
            parents = rng.sample(ids[-200:], rng.choice((0, 0, 1, 1, 2, 3))) if ids else []
            ids.append(store.create_task(
                f"Task {i}: {rng.choice(('fix', 'build', 'test', 'ship'))} the thing",
                body="Some **markdown** body\n\n- [ ] a\n- [ ] b", assignee=rng.choice(ASSIGNEES),
                tenant=rng.choice(TENANTS), priority=rng.choice((0, 0, 0, 1, 2)), parents=parents))
        for task_id in ids:
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                store.add_comment(task_id, rng.choice(ASSIGNEES),
                                  "A comment with some words in it.")
        for task_id in rng.sample(ids, n // 2):
            target = rng.choice(("done", "done", "blocked", "running", "triage", "archived"))
            task = store.get_task(task_id)
            if target == "running" and task.status != "ready":
                continue
            if target == "blocked" and task.status not in ("ready", "todo"):
                continue
            store.move_task(task_id, target)
    return path


def build_todo_board(path: Path, n: int = 10_000, seed: int = 2) -> Path:
    """``n`` todo tasks under 2,000 parents; half the parents are then marked done behind the
    store's back, so about a third of the todo tasks are promotable."""
    rng = random.Random(seed)
    with Store(path, clock=Clock()) as store, store.atomic():
        parents = [store.create_task(f"Parent {i}", triage=True) for i in range(2000)]
        for i in range(n):
            store.create_task(f"Child {i}", parents=rng.sample(parents, rng.choice((1, 1, 2))))
    with sqlite3.connect(path) as conn:
        conn.executemany("UPDATE tasks SET status = 'done' WHERE id = ?",
                         [(p,) for p in parents[:1000]])
    conn.close()
    return path


def build_deep_graph(path: Path, n: int = 10_000) -> tuple[Path, str, str]:
    """A tree of ``n`` tasks below one root, plus one loose task: linking loose -> root makes
    the cycle check visit every task of the tree."""
    with Store(path, clock=Clock()) as store, store.atomic():
        nodes = [store.create_task("Root")]
        for i in range(1, n):
            nodes.append(store.create_task(f"Node {i}", parents=[nodes[(i - 1) // 3]]))
        loose = store.create_task("Loose")
    return path, loose, nodes[0]


def add_events(path: Path, n: int = 100_000, seed: int = 3) -> Path:
    """``n`` more events with Hermes-shaped payloads (bulk SQL: the feed is what is timed)."""
    rng = random.Random(seed)
    with sqlite3.connect(path) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM tasks")]
        kinds = (("commented", {"author": "alice", "len": 42}),
                 ("claimed", {"lock": "h:1", "expires": 1}), ("completed", {"result_len": 12}),
                 ("promoted", None), ("blocked", {"reason": "x"}))
        rows = []
        for i in range(n):
            kind, payload = rng.choice(kinds)
            rows.append((rng.choice(ids), kind, json.dumps(payload) if payload else None,
                         BASE_TIME + 10**6 + i))
        conn.executemany(
            "INSERT INTO task_events (task_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
            rows)
    conn.close()
    return path


def copy_board(template: Path, folder: Path, name: str) -> Path:
    target = folder / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return target


# -- Hermes' approaches, from the reference's description ------------------------------------


def board_card_query() -> str | None:
    """The SQL behind ``board()`` (the store's private constant), to split its time; None
    when the store has changed shape."""
    try:
        from kanban_widget.store import snapshot
        return (snapshot._BOARD_TASKS_SQL + " WHERE t.status != 'archived'" + snapshot._ORDER)
    except (ImportError, AttributeError):
        return None


def hermes_recompute_ready(conn: sqlite3.Connection) -> int:
    """One write transaction; every todo task, one parents query each, CAS + event per promotion."""
    promoted = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        todo = [r[0] for r in conn.execute("SELECT id FROM tasks WHERE status = 'todo'")]
        now = int(time.time())
        for task_id in todo:
            statuses = [r[0] for r in conn.execute(
                "SELECT t.status FROM task_links l JOIN tasks t ON t.id = l.parent_id "
                "WHERE l.child_id = ?", (task_id,))]
            if all(s == "done" for s in statuses):
                cur = conn.execute("UPDATE tasks SET status = 'ready' "
                                   "WHERE id = ? AND status = 'todo'", (task_id,))
                if cur.rowcount == 1:
                    conn.execute("INSERT INTO task_events (task_id, kind, payload, created_at) "
                                 "VALUES (?, 'ready', NULL, ?)", (task_id, now))
                    promoted += 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return promoted


def hermes_board(path: Path) -> dict:
    """The v1.1 ``GET /board``: a fresh connection and seven statements, each its own snapshot."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        tasks = conn.execute("SELECT * FROM tasks WHERE status != 'archived' "
                             "ORDER BY priority DESC, created_at ASC").fetchall()
        links = conn.execute("SELECT parent_id, child_id FROM task_links").fetchall()
        comments = dict(conn.execute(
            "SELECT task_id, COUNT(*) FROM task_comments GROUP BY task_id").fetchall())
        child_status = conn.execute(
            "SELECT l.parent_id, t.status FROM task_links l JOIN tasks t ON t.id = l.child_id"
        ).fetchall()
        latest = conn.execute("SELECT MAX(id) FROM task_events").fetchone()[0] or 0
        tenants = [r[0] for r in conn.execute(
            "SELECT DISTINCT tenant FROM tasks WHERE tenant IS NOT NULL ORDER BY tenant")]
        assignees = [r[0] for r in conn.execute(
            "SELECT DISTINCT assignee FROM tasks WHERE assignee IS NOT NULL "
            "AND status != 'archived' ORDER BY assignee")]
    finally:
        conn.close()
    parents: dict = {}
    children: dict = {}
    for link in links:
        children[link[0]] = children.get(link[0], 0) + 1
        parents[link[1]] = parents.get(link[1], 0) + 1
    progress: dict = {}
    for parent_id, status in child_status:
        done, total = progress.get(parent_id, (0, 0))
        progress[parent_id] = (done + (status == "done"), total + 1)
    now = int(time.time())
    columns: dict = {s: [] for s in ("triage", "todo", "ready", "running", "blocked", "done")}
    for row in tasks:
        card = dict(row)
        card["age"] = {"created_age_seconds": now - card["created_at"]}
        card["link_counts"] = {"parents": parents.get(card["id"], 0),
                               "children": children.get(card["id"], 0)}
        card["comment_count"] = comments.get(card["id"], 0)
        done, total = progress.get(card["id"], (0, 0))
        card["progress"] = {"done": done, "total": total} if total else None
        columns.get(card["status"], columns["todo"]).append(card)
    return {"columns": columns, "tenants": tenants, "assignees": assignees,
            "latest_event_id": latest, "now": now}


def hermes_link(conn: sqlite3.Connection, parent_id: str, child_id: str) -> None:
    """Link with a depth-first cycle check, one query per visited node, in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        stack, seen = [child_id], set()
        while stack:
            node = stack.pop()
            if node == parent_id:
                raise ValueError(f"linking {parent_id} -> {child_id} would create a cycle")
            if node in seen:
                continue
            seen.add(node)
            stack.extend(r[0] for r in conn.execute(
                "SELECT child_id FROM task_links WHERE parent_id = ?", (node,)))
        conn.execute("INSERT OR IGNORE INTO task_links (parent_id, child_id) VALUES (?, ?)",
                     (parent_id, child_id))
        conn.execute("INSERT INTO task_events (task_id, kind, payload, created_at) VALUES "
                     "(?, 'linked', ?, ?)", (child_id, json.dumps({"parent": parent_id,
                                                                   "child": child_id}),
                                             int(time.time())))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def hermes_drain(path: Path, page: int = 200) -> int:
    """The dashboard's WebSocket loop without its sleeps: a new connection per poll."""
    cursor, seen = 0, 0
    while True:
        conn = sqlite3.connect(path)
        try:
            rows = conn.execute(
                "SELECT id, task_id, kind, payload, created_at FROM task_events WHERE id > ? "
                "ORDER BY id ASC LIMIT ?", (cursor, page)).fetchall()
        finally:
            conn.close()
        if not rows:
            return seen
        for row in rows:
            json.loads(row[3]) if row[3] else None
        seen += len(rows)
        cursor = rows[-1][0]


def ours_drain(store: Store, page: int = 1000) -> int:
    cursor, seen = 0, 0
    while True:
        events = store.events_since(cursor, limit=page)
        if not events:
            return seen
        seen += len(events)
        cursor = events[-1].id


# -- the run ---------------------------------------------------------------------------------


def run(runs: int, folder: Path, echo: Callable[[str], None]) -> list[dict]:
    rows: list[dict] = []

    def row(measure, ours, hermes=None, target="", note=""):
        entry = {"measure": measure, "ours": ours, "hermes": hermes, "target": target, "note": note}
        rows.append(entry)
        ratio = f"{hermes / ours:6.1f}x" if hermes else ""
        theirs = f"{hermes:9.1f} ms" if hermes else ""
        echo(f"  {measure:<58} {ours:9.1f} ms  {theirs:>12}  {ratio}")

    echo("building boards ...")
    board_path = build_board(folder / "board.db")
    todo_template = build_todo_board(folder / "todo-template.db")
    deep_path, loose, root = build_deep_graph(folder / "deep.db")
    events_path = add_events(build_board(folder / "events.db", n=2000, seed=4))
    echo(f"timing, median of {runs} runs")

    # create 10,000 tasks
    def fresh_store(name):
        def setup():
            return Store(copy_board(folder / "empty.db", folder, name))
        return setup

    Store(folder / "empty.db").close()

    def create_each(store):
        for i in range(10_000):
            store.create_task(f"Task {i}", assignee="alice", tenant="acme")
        store.close()

    def create_batched(store):
        with store.atomic():
            for i in range(10_000):
                store.create_task(f"Task {i}", assignee="alice", tenant="acme")
        store.close()

    row("create 10,000 tasks, one transaction each",
        median_ms(create_each, runs, fresh_store("create.db"))[0])
    row("create 10,000 tasks inside one store.atomic()",
        median_ms(create_batched, runs, fresh_store("create.db"))[0])

    # board snapshot
    with Store(board_path) as store:
        snap = store.board()
        cards = len(snap.cards)
        store.board()  # warm the page cache for both sides alike
        ours = median_ms(store.board, runs)[0]
    hermes_board(board_path)
    hermes = median_ms(lambda: hermes_board(board_path), runs)[0]
    row(f"board() on 10,000 tasks ({cards} cards shown, links, comments)", ours, hermes,
        "<= 100 ms", "Hermes: 7 statements, 7 snapshots")
    card_sql = board_card_query()
    if card_sql:
        with Store(board_path) as store:
            def query_only():
                with store.reading() as conn:
                    conn.execute(card_sql).fetchall()
            row("  of which the task query alone (SQL, no Python)", median_ms(query_only, runs)[0],
                None, "", "the rest: link and comment counts, building card dicts")

    # recompute_ready
    def ours_setup():
        return Store(copy_board(todo_template, folder, "todo.db"))

    def ours_recompute(store):
        store.recompute_ready()
        store.close()

    def hermes_setup():
        return sqlite3.connect(copy_board(todo_template, folder, "todo.db"), isolation_level=None)

    def hermes_recompute(conn):
        hermes_recompute_ready(conn)
        conn.close()

    with Store(copy_board(todo_template, folder, "todo.db")) as check:
        promotable = check.recompute_ready()
    row(f"recompute_ready with 10,000 todo ({promotable} promoted)",
        median_ms(ours_recompute, runs, ours_setup)[0],
        median_ms(hermes_recompute, runs, hermes_setup)[0],
        "one query-set", "Hermes: a parents query per todo task")

    # cycle detection when linking
    with Store(deep_path) as store:
        def ours_link():
            store.link_tasks(loose, root)

        times = []
        for _ in range(runs):
            started = time.perf_counter()
            ours_link()
            times.append((time.perf_counter() - started) * 1000)
            store.unlink_tasks(loose, root)
        ours = statistics.median(times)
    conn = sqlite3.connect(deep_path, isolation_level=None)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        hermes_link(conn, loose, root)
        times.append((time.perf_counter() - started) * 1000)
        conn.execute("DELETE FROM task_links WHERE parent_id = ? AND child_id = ?", (loose, root))
    conn.close()
    row("link above a 10,000-task tree (cycle check visits all)", ours, statistics.median(times),
        "", "Hermes: one query per visited node")

    # the live feed
    with Store(events_path) as store:
        total = store.board().cursor
        ours_drain(store)
        ours = median_ms(lambda: ours_drain(store), runs)[0]
    hermes_drain(events_path)
    row(f"events_since draining {total:,} events (pages of 1,000)", ours,
        median_ms(lambda: hermes_drain(events_path), runs)[0], "",
        "Hermes: new connection per 200-event poll, sleeps left out")

    # a finding: completions on a board SQLite has no statistics for
    def complete_setup(analyze):
        def setup():
            path = copy_board(todo_template, folder, "complete.db")
            if analyze:
                with sqlite3.connect(path) as conn:
                    conn.execute("ANALYZE")
                conn.close()
            store = Store(path)
            ready = [t.id for t in store.list_tasks(status="triage", limit=200)]
            return store, ready
        return setup

    def complete_200(state):
        store, ids = state
        for task_id in ids:
            store.move_task(task_id, "done")
        store.close()

    plain = median_ms(complete_200, runs, complete_setup(False))[0]
    analyzed = median_ms(complete_200, runs, complete_setup(True))[0]
    row("200 completions on a board of 10,000 todo (no ANALYZE)", plain, None, "",
        "children promoted in the same transaction")
    row("200 completions, same board after ANALYZE", analyzed, None, "",
        f"no ANALYZE takes {plain / analyzed:.2f}x as long: see the note below")
    return rows


def run_demo(runs: int, big: int, folder: Path, echo: Callable[[str], None]) -> list[dict]:
    """``build_demo`` at the default size (median of ``runs``) and at ``big`` tasks (once)."""
    from kanban_widget.demo import build_demo

    rows = []
    sizes = [(300, runs)] + ([(big, 1)] if big else [])
    for tasks, repeat in sizes:
        times, cpu = [], []
        for i in range(repeat):
            path = folder / f"demo-{tasks}-{i}.db"
            started, started_cpu = time.perf_counter(), time.process_time()
            build_demo(path, tasks=tasks, seed=i)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            with Store(path, read_only=True) as store:
                events = store.board().cursor
            path.unlink()
        rows.append({"tasks": tasks, "runs": repeat, "seconds": statistics.median(times),
                     "cpu": statistics.median(cpu), "events": events})
        echo(f"  build_demo({tasks:,} tasks): {statistics.median(times):.2f} s wall, "
             f"{statistics.median(cpu):.2f} s CPU, {events:,} events")
    return rows


def machine() -> dict:
    return machine_info()


def write_results(rows: list[dict], demo_rows: list[dict], info: dict, runs: int,
                  load_after: float) -> None:
    lines = [
        "# Store benchmark",
        "",
        f"Measured {info['date']} on {info['nproc']} CPUs ({info['cpu']}), Python "
        f"{info['python']}, SQLite {info['sqlite']}, {info['platform']}. Load average "
        f"{info['load']:.1f} at the start and {load_after:.1f} at the end (a shared machine: "
        "absolute times carry that noise; the ratios compare both sides in the same run).",
        "",
        f"Median of {runs} runs. Reproduce with `.venv/bin/python bench/bench_store.py`.",
        "",
        "| measure | ours | Hermes' approach | Hermes / ours | target | notes |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        hermes = f"{r['hermes']:.1f} ms" if r["hermes"] else ""
        ratio = f"{r['hermes'] / r['ours']:.1f}x" if r["hermes"] else ""
        lines.append(f"| {r['measure']} | {r['ours']:.1f} ms | {hermes} | {ratio} | "
                     f"{r['target']} | {r['note']} |")
    lines += [
        "",
        "Hermes' approaches are written in `bench/bench_store.py` from the reference's description",
        "(§2.4, §6.1, §9.1), run against the same files in the same process.",
        "",
        "**Note on completions.** Completing a task promotes its todo children with one",
        "query that starts from the parent's links (`+status` keeps SQLite from driving it",
        "through `idx_tasks_status`, which would visit every todo task on the board), so a",
        "completion costs O(children) with or without `ANALYZE`; the two rows show it.",
        "",
        "**Note on `board()`.** One read transaction: the tasks with the time each entered",
        "its status (completed_at for done cards, else the latest status event), then one",
        "pass over the links and one over the comment counts, joined into card dicts in Python.",
        "Hermes' read does less: no `status_since`, and its seven statements are seven",
        "snapshots, so it can pair tasks with counts from different moments.",
        "",
    ]
    if demo_rows:
        lines += [
            "## Demo boards",
            "",
            "`build_demo` writes weeks of history through the real verbs (targets: 300 tasks in",
            "about a second, 100,000 in well under five minutes).",
            "",
            "| tasks | runs | wall (median) | CPU (median) | events written |",
            "|---:|---:|---:|---:|---:|",
        ]
        lines += [f"| {r['tasks']:,} | {r['runs']} | {r['seconds']:.2f} s | {r['cpu']:.2f} s | "
                  f"{r['events']:,} |" for r in demo_rows]
        lines.append("")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measure (at least 5)")
    parser.add_argument("--no-write", action="store_true", help="print only; keep the results file")
    parser.add_argument("--demo-tasks", type=int, default=100_000,
                        help="also time one build_demo of this many tasks (0: skip)")
    args = parser.parse_args()
    runs = max(5, args.runs)
    info = machine()
    print(f"{info['date']}  {info['nproc']} CPUs  {info['cpu']}  Python {info['python']}  "
          f"SQLite {info['sqlite']}  load {info['load']:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        rows = run(runs, Path(tmp), print)
        print("demo boards")
        demo_rows = run_demo(runs, args.demo_tasks, Path(tmp), print)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if not args.no_write:
        write_results(rows, demo_rows, info, runs, load_after)
        print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
