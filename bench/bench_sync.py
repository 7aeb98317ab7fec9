"""Live-sync benchmark: a commit in another process → the card moved in the browser's DOM.

Measured in real JupyterLab, driven by Playwright and Debian's Chromium, on boards of 100 and
10,000 tasks, for our design (tail thread + small patches) and, side by side in the same run,
the Hermes dashboard's design implemented here as the baseline (0.3 s event poll, 250 ms
debounce, full board re-read and re-send). Also the bytes sent to the front end for one changed
task, and the idle CPU cost of the tail thread.

    .venv/bin/python bench/bench_sync.py             # full run, writes bench/results/sync.md
    .venv/bin/python bench/bench_sync.py --quick     # 10 moves per case, no results file
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from _machine import machine_info  # bench/ is on sys.path when a bench runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from kanban_widget import KanbanBoard, Store  # noqa: E402

CHROMIUM = os.environ.get("KANBAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class HermesStyleBoard(KanbanBoard):
    """The Hermes dashboard's live design on our widget, for comparison: poll ``task_events``
    every 0.3 s on a new connection (200 rows at a time), debounce 250 ms, then re-read the
    whole board and send all of it."""

    POLL, DEBOUNCE = 0.3, 0.25

    def __init__(self, path, **kwargs):
        super().__init__(path, live=False, **kwargs)
        self._stop_poll = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, daemon=True, name="hermes-poll")
        self._poller.start()

    def _poll_loop(self):
        cursor = self._state.cursor
        due = None
        while not self._stop_poll.wait(self.POLL if due is None else max(0, due - time.monotonic())):
            conn = sqlite3.connect(self.store.path)  # v1.1 opened a connection per poll
            rows = conn.execute("SELECT id FROM task_events WHERE id > ? ORDER BY id LIMIT 200",
                                (cursor,)).fetchall()
            conn.close()
            if rows:
                cursor = rows[-1][0]
                if due is None:
                    due = time.monotonic() + self.DEBOUNCE
                continue
            if due is not None and time.monotonic() >= due:
                due = None
                self.refresh()  # full board re-read, whole snapshot sent

    def close(self):
        self._stop_poll.set()
        super().close()


def build_board(path: Path, n_tasks: int, n_probes: int) -> list[str]:
    """A board of ``n_tasks`` tasks with links and comments, ``n_probes`` of them top-priority
    ready cards the bench moves (top priority so they render at the head of their column)."""
    with Store(path) as store, store.atomic():
        ids = []
        for i in range(n_tasks - n_probes):
            parents = [ids[-1]] if ids and i % 5 == 0 else []
            ids.append(store.create_task(f"Task {i}: {'lorem ipsum ' * 3}", assignee=f"agent-{i % 8}",
                                         tenant=("acme", "globex", "initech")[i % 3],
                                         priority=i % 4, parents=parents))
            if i % 3 == 0:
                store.add_comment(ids[-1], "bot", "progress note")
        probes = [store.create_task(f"Probe {i}", assignee="bench", priority=1000)
                  for i in range(n_probes)]
    return probes


def bytes_per_change(n_tasks: int, hermes: bool) -> int:
    """Bytes the widget sends to the page when one task changes (in process, DummyComm)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bytes.db"
        probes = build_board(path, n_tasks, 1)
        sent: list[bytes] = []
        board = HermesStyleBoard(path) if hermes else KanbanBoard(path)
        board.comm.send = lambda data=None, metadata=None, buffers=None: sent.append(
            json.dumps(data).encode())
        with Store(path) as writer:
            writer.move_task(probes[0], "blocked", reason="bench")
        deadline = time.monotonic() + 10
        while not sent and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.7 if hermes else 0.2)  # let any follow-up message arrive
        board.close()
        return sum(len(b) for b in sent)


def idle_cpu(seconds: float = 20.0) -> float:
    """Share of one core the tail thread itself uses while nothing changes (its own CPU time,
    read from /proc/self/task/<tid>/schedstat, so other threads do not count)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "idle.db"
        build_board(path, 1000, 1)
        board = KanbanBoard(path)
        time.sleep(3)  # past the busy window that follows the first snapshot
        stat = Path(f"/proc/self/task/{board._feed.thread.native_id}/schedstat")
        before, start = int(stat.read_text().split()[0]), time.monotonic()
        time.sleep(seconds)
        used_ns = int(stat.read_text().split()[0]) - before
        elapsed = time.monotonic() - start
        board.close()
        return used_ns / 1e9 / elapsed


OBSERVER = """
root => {
  window.__seen = {};
  const look = () => {
    for (const el of document.querySelectorAll('[data-column="blocked"] [data-task-id]')) {
      const id = el.getAttribute('data-task-id');
      if (!(id in window.__seen)) window.__seen[id] = Date.now();
    }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true});
  look();
}
"""


def latency_case(lab, browser, n_tasks: int, moves: int, hermes: bool,
                 gap: float = 0.35) -> list[float]:
    """Move ``moves`` cards from another process, ``gap`` seconds apart; return each
    commit→DOM latency in ms."""
    folder = lab.root
    tag = f"{'hermes' if hermes else 'ours'}_{n_tasks}_{int(gap * 1000)}"
    path = folder / f"{tag}.db"
    probes = build_board(path, n_tasks, moves)
    widget = "HermesStyleBoard" if hermes else "KanbanBoard"
    name = lab.write_notebook(f"{tag}.ipynb", [
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
        f"from bench_sync import HermesStyleBoard\nfrom kanban_widget import KanbanBoard\n"
        f"board = {widget}({str(path)!r})\nboard",
    ])
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    try:
        lab.open_notebook(page, name, 1)
        page.wait_for_selector(f'[data-task-id="{probes[0]}"]', timeout=60_000)
        page.evaluate(OBSERVER, None)
        latencies = []
        with Store(path) as writer:
            for task_id in probes:
                time.sleep(gap)  # independent moves, not one burst
                writer.move_task(task_id, "blocked", reason="bench")
                committed = time.time() * 1000
                page.wait_for_function("id => id in window.__seen", arg=task_id, timeout=20_000)
                latencies.append(page.evaluate("id => window.__seen[id]", task_id) - committed)
        return latencies
    finally:
        context.close()
        lab.http("/api/sessions", timeout=5)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def machine() -> str:
    info = machine_info()
    return (f"{info['nproc']} cores, {info['cpu']}; Python {info['python']}, "
            f"SQLite {info['sqlite']}; {info['date']}; load average {info['load']:.1f} at the start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 moves per case; no results file")
    parser.add_argument("--moves", type=int, default=50)
    args = parser.parse_args()
    moves = 10 if args.quick else args.moves
    from labserver import LabServer
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, LabServer(Path(tmp), env={"PYTHONPATH": str(ROOT)}) as lab:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for n_tasks in (100, 10_000):
                for hermes in (False, True):
                    label = "Hermes design (baseline)" if hermes else "kanban-widget"
                    print(f"{label}, {n_tasks} tasks: {moves} moves ...", flush=True)
                    lat = latency_case(lab, browser, n_tasks, moves, hermes)
                    size = bytes_per_change(n_tasks, hermes)
                    rows.append((label, n_tasks, statistics.median(lat), pct(lat, 0.95), size))
                    print(f"  p50 {rows[-1][2]:.0f} ms, p95 {rows[-1][3]:.0f} ms, {size:,} bytes")
            # A change after a quiet spell, when the thread sleeps until a file event (or, with
            # no file notifications, polls at its slower idle pace).
            lulls = max(5, moves // 5)
            print(f"kanban-widget after 2.5 s quiet, 10000 tasks: {lulls} moves ...", flush=True)
            lat = latency_case(lab, browser, 10_000, lulls, False, gap=2.5)
            quiet = ("kanban-widget, each move after 2.5 s quiet", 10_000,
                     statistics.median(lat), pct(lat, 0.95), rows[2][4])
            print(f"  p50 {quiet[2]:.0f} ms, p95 {quiet[3]:.0f} ms")
            browser.close()
    cpu = idle_cpu()
    print(f"idle tail thread: {cpu * 100:.2f} % of one core")
    table = ["| design | tasks | p50 commit→DOM | p95 commit→DOM | bytes sent for one change |",
             "|---|---:|---:|---:|---:|"]
    table += [f"| {r[0]} | {r[1]:,} | {r[2]:.0f} ms | {r[3]:.0f} ms | {r[4]:,} |"
              for r in rows + [quiet]]
    ours = {r[1]: r for r in rows if not r[0].startswith("Hermes")}
    theirs = {r[1]: r for r in rows if r[0].startswith("Hermes")}
    ratios = [f"- {n:,} tasks: p50 {theirs[n][2] / max(ours[n][2], 1):.1f}× faster, "
              f"{theirs[n][4] / max(ours[n][4], 1):,.0f}× fewer bytes" for n in ours]
    text = "\n".join([
        "# Live sync: commit in another process → card moved in the browser",
        "",
        f"Machine: {machine()}. Real JupyterLab, headless Debian Chromium via Playwright; "
        f"{moves} moves per case, one every 0.35 s (and a case with 2.5 s of quiet before each "
        "move, when the watching thread sleeps until the OS reports a file change), each a "
        "`move_task` committed by the bench "
        "process while the kernel's widget follows the file. Latency = the browser's "
        "`Date.now()` when the card appears in the target column (MutationObserver) minus the "
        "wall clock right after the commit. Bytes: every comm message the widget sends for one "
        "changed task (JSON), measured in process.",
        "",
        *table,
        "",
        "Ratios (baseline ÷ ours):",
        *ratios,
        "",
        f"Idle cost of the watching thread (inotify wakes it; a 250 ms fallback check): {cpu * 100:.2f} % of one core (its own CPU time over "
        "20 s on a quiet 1,000-task board).",
        "",
        "Targets (DESIGN.md): p50 ≤ 50 ms and p95 ≤ 150 ms at 10,000 tasks; ≤ 2 KB per change; "
        "idle ≤ 1 % of a core.",
        "",
        "Run: `.venv/bin/python bench/bench_sync.py` (about 5 minutes).",
    ])
    print(text)
    if not args.quick:
        out = ROOT / "bench" / "results" / "sync.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")


if __name__ == "__main__":
    main()
