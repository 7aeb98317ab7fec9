"""Kernel cost of a large board, before and after windows (issue #14), in the same run.

Boards of 10,000, 100,000 and 1,000,000 tasks (90 % done or archived, like a fleet of agents
after a year) are generated with bulk SQL inserts. Each is opened by a ``KanbanBoard`` in a
fresh Python process, once with the code this branch started from ("before", exported from git
into a temporary folder, never the main checkout) and once with this tree ("after"), and the
child reports:

- **open**: ``KanbanBoard(path)`` until the first snapshot (``_board``) is serialised;
- **RSS**: the process's resident memory after the open, and what the open added to it;
- **snapshot**: bytes of that first ``_board``;
- **per change**: a top-priority ready card moved between ready and blocked by another
  connection, ``--moves`` times: bytes of the patch sent to the page, and the time from the
  commit's return to the patch's send (the tail thread's wake-up, event read, card reads,
  window upkeep and counts).

Median of ``--runs`` processes per cell. The page's side (JS heap, paint) is not measured here.

    .venv/bin/python bench/bench_windows.py                      # 10k, 100k, 1M; writes results
    .venv/bin/python bench/bench_windows.py --sizes 10000 --runs 1 --no-write

With ``--age-bands`` it times the board's age bands instead (``flow_hints.age_bands``'s
``spell_percentiles``), on the same boards, each in a fresh process: over the whole history
("before": ``recent_events=None``, what the board computed a second after it opened) and over
the last ``flow_hints.BANDS_RECENT_EVENTS`` events ("after"); time and the process's peak RSS
(``ru_maxrss``) against its RSS once the analytics are imported. Writes ``results/age_bands.md``.

    .venv/bin/python bench/bench_windows.py --age-bands --sizes 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import io
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "windows.md"
BANDS_RESULTS = ROOT / "bench" / "results" / "age_bands.md"
BEFORE_COMMIT = "c5bff0a30bdee93814668757355f1900a934303e"  # main when this work began
N_PROBES = 2


# -- the board ----------------------------------------------------------------------------------

def status_of(i: int) -> str:
    """45 % archived, 45 % done, the rest spread over the working columns."""
    r = i % 100
    if r < 45:
        return "archived"
    if r < 90:
        return "done"
    return ("todo", "todo", "todo", "ready", "ready", "ready", "running", "blocked", "triage",
            "review")[r - 90]



def measured(info: dict, how: str) -> str:
    """The results file's line on the machine, its load at the start and end, and ``how``."""
    return (f"Measured {info['date']} on {info['nproc']} CPUs ({info['cpu']}), Python "
            f"{info['python']}, SQLite {info['sqlite']}, {info['platform']}. Load average "
            f"{info['load']:.1f} at the start and {info['load_end']:.1f} at the end (a shared "
            f"machine: {how}).")

def build_board(path: Path, n_tasks: int) -> list[str]:
    """A Hermes-format board of ``n_tasks`` tasks, written with bulk inserts (the store's verbs
    take minutes at a million); returns the probe cards' ids (top-priority ready cards)."""
    sys.path.insert(0, str(ROOT))
    from kanban_widget import Store

    Store(path).close()  # the schema, exactly as the store creates it
    base = 1_700_000_000
    conn = sqlite3.connect(path)
    try:
        with conn:
            tasks, events = [], []
            for i in range(n_tasks):
                status = status_of(i)
                created = base + i * 10
                done = created + 3600 if status in ("done", "archived") else None
                tasks.append((f"t_{i:08x}", f"Task {i}: lorem ipsum dolor", None if i % 4 else
                              "Some notes about the task " * 4, f"agent-{i % 8}" if i % 9 else None,
                              status, i % 4, "bench", created, created + 60 if done else None,
                              done, "scratch", ("acme", "globex", "initech")[i % 3]))
                events.append((f"t_{i:08x}", "created", None, created))
                if done:
                    events.append((f"t_{i:08x}", "completed", None, done))
                if status == "archived":
                    events.append((f"t_{i:08x}", "archived", None, done + 60))
                if len(tasks) >= 50_000:
                    _flush(conn, tasks, events)
            probes = [f"t_probe{i:03d}" for i in range(N_PROBES)]
            for j, task_id in enumerate(probes):
                tasks.append((task_id, f"Probe {j}", None, "bench", "ready", 1000, "bench",
                              base + n_tasks * 10 + j, None, None, "scratch", "acme"))
                events.append((task_id, "created", None, base + n_tasks * 10 + j))
            _flush(conn, tasks, events)
            links = [(f"t_{i - 1:08x}", f"t_{i:08x}") for i in range(1, n_tasks, 20)]
            conn.executemany("INSERT INTO task_links VALUES (?, ?)", links)
            conn.executemany(
                "INSERT INTO task_comments (task_id, author, body, created_at) VALUES (?,?,?,?)",
                [(f"t_{i:08x}", "bot", "progress note", base + i * 10 + 5)
                 for i in range(0, n_tasks, 50)])
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return probes


def _flush(conn, tasks: list, events: list) -> None:
    conn.executemany(
        "INSERT INTO tasks (id, title, body, assignee, status, priority, created_by, created_at, "
        "started_at, completed_at, workspace_kind, tenant) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", tasks)
    conn.executemany(
        "INSERT INTO task_events (task_id, kind, payload, created_at) VALUES (?,?,?,?)", events)
    tasks.clear()
    events.clear()


def export_before(folder: Path) -> Path:
    """The package as it was at BEFORE_COMMIT, from git's objects (no checkout is touched)."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE_COMMIT, "kanban_widget"],
                          check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(folder, filter="data")
    # The built bundle is not in git; the kernel-side measures never run it, but anywidget
    # reads it at import: this tree's will do.
    static = folder / "kanban_widget" / "static"
    static.mkdir(exist_ok=True)
    for name in ("widget.js", "widget.css"):
        shutil.copyfile(ROOT / "kanban_widget" / "static" / name, static / name)
    return folder


# -- one measurement, in a child process ------------------------------------------------------

def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(path: Path, moves: int) -> dict:
    """Open the board, then move a probe card back and forth from another connection."""
    from kanban_widget import KanbanBoard, Store

    rss_start = rss_mb()
    start = time.perf_counter()
    board = KanbanBoard(path)
    snapshot = json.dumps(board.get_state()["_board"])
    opened = time.perf_counter() - start
    rss_open = rss_mb()
    sent: list = []
    board.comm.send = lambda data=None, metadata=None, buffers=None: sent.append(
        (time.perf_counter(), data))
    probe = "t_probe000"
    latencies, sizes = [], []
    with Store(path) as writer:
        # From wherever the last child left it (an odd --moves leaves it blocked): a move to
        # the status it has already writes nothing, and no patch would come.
        first = "ready" if writer.get_task(probe).status == "blocked" else "blocked"
        for i in range(moves):
            target = first if i % 2 == 0 else ("ready" if first == "blocked" else "blocked")
            sent.clear()
            writer.move_task(probe, target, reason="bench")
            committed = time.perf_counter()
            deadline = committed + 10
            while time.perf_counter() < deadline:
                patch = next((d for _, d in sent if d.get("method") == "custom"
                              and probe in d["content"].get("touched", ())), None)
                if patch is not None:
                    break
                time.sleep(0.0005)
            else:
                raise RuntimeError("no patch within 10 s")
            when = next(t for t, d in sent if d is patch)
            latencies.append((when - committed) * 1000)
            sizes.append(len(json.dumps(patch["content"])))
            time.sleep(0.12)  # past the feed's coalescing interval
    board.close()
    latencies.sort()
    return {"open_s": opened, "rss_mb": rss_open, "rss_open_mb": rss_open - rss_start,
            "snapshot_bytes": len(snapshot), "patch_bytes": statistics.median(sizes),
            "p50_ms": statistics.median(latencies),
            "p95_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]}


def measure_bands(path: Path, recent: int | None) -> dict:
    """The age bands' percentiles over the whole history (``recent`` None) or its recent
    events: seconds, peak RSS and the RSS before the call."""
    import resource

    from kanban_widget.analytics import spell_percentiles
    from kanban_widget.flow_hints import BAND_PERCENTILES

    rss_before = rss_mb()
    start = time.perf_counter()
    frame = spell_percentiles(path, percentiles=BAND_PERCENTILES, recent_events=recent)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak, "rss_before_mb": rss_before,
            "spells": int(frame["spells"].sum())}


def run_child(code: Path, path: Path, moves: int, timeout: float,
              bands: str | None = None) -> dict | None:
    env = dict(os.environ, PYTHONPATH=str(code))
    what = ["--measure", str(path), "--moves", str(moves)] if bands is None else [
        "--measure-bands", str(path), "--recent", bands]
    try:
        done = subprocess.run([sys.executable, __file__, *what], env=env, capture_output=True,
                              text=True, timeout=timeout, cwd=code)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the table ----------------------------------------------------------------------------------

COLUMNS = [("open_s", "open (s)", "{:.2f}"), ("rss_mb", "kernel RSS after open (MB)", "{:.0f}"),
           ("rss_open_mb", "of which the open (MB)", "{:.0f}"),
           ("snapshot_bytes", "first snapshot (KB)", "{:.0f}"),
           ("patch_bytes", "bytes per single-task change", "{:.0f}"),
           ("p50_ms", "commit → patch p50 (ms)", "{:.1f}"),
           ("p95_ms", "commit → patch p95 (ms)", "{:.1f}")]


def median_of(results: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in results) for key, _, _ in COLUMNS}


def table(rows: list[tuple[int, str, dict | None, str]]) -> str:
    head = "| tasks | code | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    lines = [head, "|---:|---|" + "---:|" * len(COLUMNS)]
    for n, code, cell, note in rows:
        if cell is None:
            lines.append(f"| {n:,} | {code} | " + " | ".join([note] + [""] * (len(COLUMNS) - 1))
                         + " |")
            continue
        values = [fmt.format(cell[key] / (1024 if key == "snapshot_bytes" else 1))
                  for key, _, fmt in COLUMNS]
        lines.append(f"| {n:,} | {code} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--before-up-to", type=int, default=100_000,
                        help="measure the old code only on boards up to this size")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--age-bands", action="store_true",
                        help="time the age bands, whole history against recent events")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--measure-bands", help=argparse.SUPPRESS)
    parser.add_argument("--recent", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.moves)))
        return
    if args.measure_bands:
        recent = None if args.recent == "none" else int(args.recent)
        print(json.dumps(measure_bands(Path(args.measure_bands), recent)))
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from _machine import machine_info

    info = machine_info()
    if args.age_bands:
        bands_bench(args, info)
        return
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        before = export_before(Path(tmp) / "before")
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"board-{n}.db"
            start = time.perf_counter()
            build_board(path, n)
            built = time.perf_counter() - start
            sys.path.insert(0, str(ROOT))
            from kanban_widget import Store
            from kanban_widget.store import windows

            with Store(path) as store:
                start = time.perf_counter()
                windows.ensure_indexes(store)
                indexed = time.perf_counter() - start
            notes.append(f"{n:,} tasks: built in {built:.1f} s (bulk SQL); the windows' index, "
                         f"created once on the first open of a writable board, took {indexed:.2f} s")
            for code, folder in (("before", before), ("after", ROOT)):
                if code == "before" and n > args.before_up_to:
                    rows.append((n, code, None, f"not run (above --before-up-to {args.before_up_to:,})"))
                    continue
                results = []
                for _ in range(args.runs):
                    result = run_child(folder, path, args.moves, args.timeout)
                    if result is None:
                        break
                    results.append(result)
                    print(n, code, result, flush=True)
                rows.append((n, code, median_of(results) if results else None,
                             f"timed out after {args.timeout:.0f} s"))
            path.unlink()
    info["load_end"] = os.getloadavg()[0]
    text = "\n".join([
        "# Windows benchmark: the kernel's cost of a large board, before and after (issue #14)",
        "",
        measured(info, "both codes ran in the same run, alternating per board"),
        "",
        f"Median of {args.runs} processes per cell, {args.moves} moves each. Boards are 45 % "
        "archived, 45 % done, the rest in the working columns; \"before\" is the code at "
        f"`{BEFORE_COMMIT[:7]}` (the whole board held and sent), \"after\" this tree (each "
        "column's first 50 cards and the counts). Reproduce with "
        "`.venv/bin/python bench/bench_windows.py`.",
        "",
        table(rows),
        "",
        *[f"- {note}" for note in notes],
        "",
    ])
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)
        print(f"written to {RESULTS}")


def bands_bench(args, info: dict) -> None:
    """``--age-bands``: the bands over the whole history and over the recent events, per
    board size, alternating processes."""
    sys.path.insert(0, str(ROOT))
    from kanban_widget.flow_hints import BANDS_RECENT_EVENTS

    cases = [("whole history (before)", "none"),
             (f"last {BANDS_RECENT_EVENTS:,} events (after)", str(BANDS_RECENT_EVENTS))]
    lines = ["| tasks | events | bands over | time (s) | peak RSS (MB) | RSS before the call (MB) "
             "| spells counted | runs (s) |", "|---:|---:|---|---:|---:|---:|---:|---|"]
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"board-{n}.db"
            start = time.perf_counter()
            build_board(path, n)
            built = time.perf_counter() - start
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            n_events = conn.execute("SELECT COUNT(*) FROM task_events").fetchone()[0]
            conn.close()
            notes.append(f"{n:,} tasks, {n_events:,} events: built in {built:.1f} s (bulk SQL)")
            results: dict = {label: [] for label, _ in cases}
            for _ in range(args.runs):
                for label, recent in cases:
                    result = run_child(ROOT, path, 0, args.timeout, bands=recent)
                    if result is not None:
                        results[label].append(result)
                        print(n, label, result, flush=True)
            for label, _ in cases:
                runs = results[label]
                if not runs:
                    lines.append(f"| {n:,} | {n_events:,} | {label} | timed out | | | | |")
                    continue
                med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                lines.append(
                    f"| {n:,} | {n_events:,} | {label} | {med['seconds']:.2f} | "
                    f"{med['peak_mb']:.0f} | {med['rss_before_mb']:.0f} | {med['spells']:,.0f} | "
                    + ", ".join(f"{r['seconds']:.2f}" for r in runs) + " |")
            path.unlink()
    info["load_end"] = os.getloadavg()[0]
    text = "\n".join([
        "# Age bands: the whole history against the recent events (issue #14)",
        "",
        measured(info, "the two cases alternate"),
        "",
        f"Median of {args.runs} processes per row. Each computes the board's age bands "
        "(`spell_percentiles` at p50/p85, what `flow_hints.age_bands` runs a second after a "
        "board opens) on the bench's board (45 % archived, 45 % done; a created and a completed "
        "event per finished task). \"Before\": the whole history is replayed "
        "(`recent_events=None`, what the board did until now); \"after\": only the last "
        f"{BANDS_RECENT_EVENTS:,} events are read (`recent_events=BANDS_RECENT_EVENTS`). Peak "
        "RSS is the process's (`ru_maxrss`), with pandas and the package imported; \"RSS "
        "before the call\" is that baseline. Reproduce with "
        f"`.venv/bin/python bench/bench_windows.py --age-bands --sizes {args.sizes}`.",
        "",
        *lines,
        "",
        *[f"- {note}" for note in notes],
        "",
    ])
    print(text)
    if not args.no_write:
        BANDS_RESULTS.write_text(text)
        print(f"written to {BANDS_RESULTS}")


if __name__ == "__main__":
    main()
