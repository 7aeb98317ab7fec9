"""Server load benchmark: one ``kanban-widget api``, 50 remote notebook boards, agents writing.

One real server (uvicorn in a subprocess, loopback) serves a 10,000-task demo board. Fifty real
``KanbanBoard(url, token=...)`` widgets, spread over a few client processes (so the measuring
side is not the bottleneck; outside a kernel, each widget's comm is a stand-in that records
what it would send its page), follow it over ``WS /patches``. Agent processes then commit 20
changes a second for 30 seconds through the :class:`~kanban_widget.Store` (each change
retitles one task, ``bench <run>-<seq>``; each task at most once a run, so no two changes of
one card can merge into one patch; every other one, while they last, a card of the windows
every widget holds, each column's first page, the rest beyond them). Measured:

* convergence: once the writers stop, every widget waits for the file's last event, then its
  cards and counts are compared with what a local board (``BoardState`` on the file) shows:
  cards that differ, changes to held cards never sent to the page, changes sent twice;
* latency, commit → client: the client's wall clock when its widget sends the page the patch
  carrying the new title, minus the writer's wall clock right after its commit returned (one
  machine, one clock), over every (client, change to a held card) pair;
* bytes per change per client: the JSON each widget sent its page during the writing,
  divided by the changes;
* the server process's CPU (% of one core over the writing) and peak RSS (psutil, sampled);
* commit → the DOM of one real page: a notebook in real JupyterLab (headless Chromium) whose
  kernel makes one more ``KanbanBoard(url)`` and shows it, timed by a MutationObserver on the
  cards (``--harness-page``: the static harness page instead, showing a ``KanbanBoard(url)``
  of the bench process, its comm relayed by Playwright);
* ``--columns``: instead, the column reads of a served board (``--tasks 100000``), written
  to ``results/server_columns.md``.

    .venv/bin/python bench/bench_server.py              # 3 runs, writes bench/results/server.md
    .venv/bin/python bench/bench_server.py --runs 1 --seconds 10 --no-write   # a quick look
    .venv/bin/python bench/bench_server.py --columns --tasks 100000   # results/server_columns.md
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _machine import machine_info  # bench/ is on sys.path when a bench runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from kanban_widget import Store  # noqa: E402

TITLE_PREFIX = "bench "
CHROMIUM = os.environ.get("KANBAN_CHROMIUM", "/usr/bin/chromium")
RESULTS = ROOT / "bench" / "results" / "server.md"


# -- the client processes ---------------------------------------------------------------------


def wire_sender(on_message):
    """A stand-in for a widget's ``comm.send`` outside a kernel: each message the widget
    would send its page, as the page gets it (a custom message's content, or a state
    update), to ``on_message(kind, content, size)`` with its JSON size in bytes."""
    def send(data=None, metadata=None, buffers=None):
        size = len(json.dumps(data, default=str)) + sum(len(b) for b in buffers or ())
        if data.get("method") == "custom":
            on_message("custom", data["content"], size)
        elif data.get("method") == "update":
            on_message("update", data.get("state", {}), size)
    return send


def following(board) -> bool:
    """Whether a remote ``KanbanBoard`` has the server's board and is live."""
    return board._state.status == "live" and bool(board._state.cards)


def client_process(url: str, token: str, clients: int, db: str) -> None:
    """Follow the board with ``clients`` ``KanbanBoard(url)`` widgets (outside a kernel: each
    one's comm is a stand-in recording what it would send its page); print ``{"ready"}`` once
    all are live, read the final cursor from stdin, wait for it, print what each saw."""
    from kanban_widget import KanbanBoard
    from kanban_widget.board import BoardState

    received: list[dict] = [{} for _ in range(clients)]  # per client: change → time sent
    twice = [0] * clients
    sent_bytes = [0] * clients  # what each widget sent its page
    boards_sent = [0] * clients  # whole boards sent its page (resyncs)

    def recorder(i: int):
        def on_message(kind: str, content: dict, size: int) -> None:
            now = time.time()
            sent_bytes[i] += size
            if kind == "update":
                boards_sent[i] += "_board" in content
                return
            if content.get("type") != "patch":
                return
            for card in content["upserts"]:
                title = card["title"]
                if title.startswith(TITLE_PREFIX):
                    change = title[len(TITLE_PREFIX):]
                    if change in received[i]:
                        twice[i] += 1
                    else:
                        received[i][change] = now
        return on_message

    boards = []
    for i in range(clients):
        board = KanbanBoard(url, token=token, api="kanban-widget")
        board.comm.send = wire_sender(recorder(i))
        boards.append(board)
    deadline = time.monotonic() + 600
    while not all(following(b) for b in boards):
        if time.monotonic() > deadline:
            raise SystemExit("a client did not get the board")
        time.sleep(0.05)
    start_bytes = list(sent_bytes)
    board_bytes = statistics.median(len(json.dumps(b._state.payload())) for b in boards)
    print(json.dumps({"ready": True}), flush=True)

    final_cursor = int(sys.stdin.readline())
    deadline = time.monotonic() + 300
    while any(b._state.cursor < final_cursor for b in boards) and time.monotonic() < deadline:
        time.sleep(0.05)
    caught_up = [b._state.cursor >= final_cursor for b in boards]
    end_bytes = list(sent_bytes)
    # What a local board shows of the file now: each column's first page, the counts.
    with Store(db, read_only=True) as store:
        local = BoardState(store)
        expected, expected_counts = dict(local.cards), dict(local.counts)
    report = []
    for i, board in enumerate(boards):
        with board._state.lock:
            cards, counts = dict(board._state.cards), dict(board._state.counts)
        differing = sum(1 for k in expected.keys() | cards.keys()
                        if expected.get(k) != cards.get(k))
        report.append({"caught_up": caught_up[i], "differing": differing,
                       "counts_equal": counts == expected_counts,
                       "received": received[i], "twice": twice[i],
                       "resyncs": boards_sent[i], "bytes": end_bytes[i] - start_bytes[i]})
    for board in boards:
        board.close()
    print(json.dumps({"clients": report, "board_bytes": board_bytes}), flush=True)


# -- one real browser page following the server ---------------------------------------------

#: Watches the page's cards: the first moment each "bench <change>" title is in the DOM.
WATCH_JS = """() => {
  window.__seen = {};
  const root = document.querySelector('[data-kanban-root]');
  const look = () => {
    const now = Date.now();
    for (const el of root.querySelectorAll('[data-task-id]')) {
      const m = /bench (\\d+-\\d+)/.exec(el.textContent);
      if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = now;
    }
  };
  new MutationObserver(look).observe(root, {childList: true, subtree: true, characterData: true});
}"""

#: The traits the page needs besides the board (their defaults).
PAGE_TRAITS = {"search": "", "tenant": "", "assignee": "", "show_archived": False,
               "lanes": False, "selected": [], "has_dispatcher": False, "read_only": True,
               "error": "", "board_slug": "", "boards": []}


class PageClient:
    """The built front end in headless Chromium (the static harness page, as bench_render.py
    loads it) showing a real ``KanbanBoard(url)`` of this process: what the widget sends its
    comm (``_board`` and its patches) is handed to the page as a Jupyter comm would, and what
    the page sends back is handed to the widget. Playwright is called from the main thread
    only (:meth:`pump`)."""

    def __init__(self, url: str, token: str, browser, base: str):
        from kanban_widget import KanbanBoard

        self.inbox: "queue.Queue[tuple]" = queue.Queue()
        self.widget = KanbanBoard(url, token=token, api="kanban-widget")
        deadline = time.monotonic() + 600
        while not following(self.widget):
            if time.monotonic() > deadline:
                raise SystemExit(f"the page's widget did not get the board: {self.widget.error}")
            time.sleep(0.05)
        self.widget.comm.send = wire_sender(lambda *message: self.inbox.put(message))
        state = self.widget.get_state()
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.page.goto(f"{base}/tests/e2e/harness/index.html")
        self.page.wait_for_function("() => window.__harnessLoaded === true")
        self.page.evaluate("t => window.__boot({boards: [{bridge: true, traits: t}]})",
                           {**{k: state[k] for k in PAGE_TRAITS}, "_board": state["_board"]})
        self.page.evaluate(WATCH_JS)

    def shown_ids(self) -> list[str]:
        """Ids of the cards in the page's DOM (each column's first cards)."""
        return self.page.evaluate("() => [...new Set([...document.querySelectorAll("
                                  "'[data-task-id]')].map(e => e.dataset.taskId))]")

    def pump(self) -> None:
        """Hand every message the widget sent so far to the page."""
        while True:
            try:
                kind, content, _size = self.inbox.get_nowait()
            except queue.Empty:
                return
            if kind == "custom":
                self.page.evaluate("c => window.__boards[0].model.pyCustom(c)", content)
            else:
                for key, value in content.items():
                    if key in PAGE_TRAITS or key == "_board":
                        self.page.evaluate("([k, v]) => window.__boards[0].model.pyUpdate(k, v)",
                                           [key, value])

    def seen(self) -> dict:
        """``{change: Date.now() when its title was first in the DOM}``, in seconds."""
        return {k: v / 1000 for k, v in self.page.evaluate("() => window.__seen").items()}

    def close(self) -> None:
        self.widget.close()
        self.context.close()


LAB_CELL = """import sys
sys.path.insert(0, {root!r})
from kanban_widget import KanbanBoard
board = KanbanBoard({url!r}, token={token!r}, api="kanban-widget")
board"""


class LabClient:
    """The measured page in real JupyterLab: a notebook whose kernel makes a
    ``KanbanBoard(url)`` and shows it, in headless Chromium; the widget's patches reach the
    page through the kernel's comm and the Jupyter server, as in a notebook on a laptop."""

    def __init__(self, url: str, token: str, browser, lab):
        name = lab.write_notebook(f"remote_{time.monotonic_ns()}.ipynb", [LAB_CELL.format(
            root=str(ROOT), url=url, token=token)])
        self.context = browser.new_context(viewport={"width": 1600, "height": 1000})
        self.page = self.context.new_page()
        lab.open_notebook(self.page, name, 1, timeout=600_000)
        self.page.wait_for_selector("[data-kanban-root] [data-task-id]", timeout=600_000)
        self.page.evaluate(WATCH_JS)

    shown_ids = PageClient.shown_ids
    seen = PageClient.seen

    def pump(self) -> None:
        """Nothing to relay: JupyterLab carries the comm."""

    def close(self) -> None:
        self.context.close()


# -- the agent processes ----------------------------------------------------------------------


def agent_process(db: str, plan_file: str, rate: float, start_at: float) -> None:
    """Commit the planned changes (``[[change, task_id], ...]``) at ``rate`` per second from
    ``start_at``; print ``{change: commit time}``."""
    plan = json.loads(Path(plan_file).read_text())
    committed = {}
    with Store(db) as store:
        for i, (change, task_id) in enumerate(plan):
            delay = start_at + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            store.update_task(task_id, title=f"{TITLE_PREFIX}{change}")
            committed[change] = time.time()  # right after the commit returned
    print(json.dumps(committed), flush=True)


# -- one run ----------------------------------------------------------------------------------


class ServerSampler(threading.Thread):
    """Samples the server process's RSS every 0.25 s and its CPU time at start and stop."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process(pid)
        self.peak_rss = 0
        self.stopped = threading.Event()

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    def run(self) -> None:
        while not self.stopped.wait(0.25):
            self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)


def change_plan(db: Path, run: int, changes: int) -> tuple[list[tuple], set]:
    """``[(change, task id)]`` of distinct tasks not archived, every other one (while they
    last) a card in the windows every client holds (each column's first page, which the page
    shows), the rest beyond them; and the ids of those window cards. A retitle moves no card,
    so the windows stay the same through the run."""
    from kanban_widget.board import BoardState

    with Store(db, read_only=True) as store:
        held = list(BoardState(store).cards)
        held_set = set(held)
        rest = [t.id for t in store.list_tasks() if t.id not in held_set]
    if changes > len(held) + len(rest):
        raise SystemExit(f"{changes} changes need as many shown tasks; the board has fewer")
    offset = (run * changes) % max(1, len(rest) - changes + 1)
    others = iter(rest[offset:] + rest[:offset])
    visible = iter(held)
    ids = [next(visible, None) if i % 2 == 0 else None for i in range(changes)]
    ids = [task_id or next(others) for task_id in ids]
    return [(f"{run}-{i}", task_id) for i, task_id in enumerate(ids)], held_set


@contextlib.contextmanager
def page_browser():
    """Headless Debian Chromium (Playwright) and the URL of the repository's files (the
    harness page and the built bundle), served from a thread of this process."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from playwright.sync_api import sync_playwright

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(ROOT), **kwargs)

        def log_message(self, *args):  # no line per file served
            pass

    files = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)  # listening once built
    threading.Thread(target=files.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                yield browser, f"http://127.0.0.1:{files.server_address[1]}"
            finally:
                browser.close()
    finally:
        files.shutdown()
        files.server_close()


@contextlib.contextmanager
def lab_server(wanted: bool, root: Path):
    """A JupyterLab rooted at ``root`` when ``wanted`` (tests/e2e/labserver.py), else None."""
    if not wanted:
        yield None
        return
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from labserver import LabServer

    with LabServer(root) as lab:
        yield lab


def one_run(db: Path, run: int, args: argparse.Namespace, browser=None, base: str = "",
            lab=None) -> dict:
    """Start a server and the clients, let the agents write, collect everything."""
    from server_harness import Server

    server = Server(["--db", str(db)])
    sampler = ServerSampler(server.proc.pid)
    sampler.start()
    per_process = [args.clients // args.client_procs + (1 if i < args.clients % args.client_procs
                                                         else 0)
                   for i in range(args.client_procs)]
    workers = [subprocess.Popen(
        [sys.executable, __file__, "--role", "client", "--url", server.url, "--token",
         server.token, "--clients", str(n), "--db", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for n in per_process if n]
    page, in_dom, in_page = None, {}, set()
    try:
        for worker in workers:
            line = worker.stdout.readline()
            if not line or not json.loads(line).get("ready"):
                raise SystemExit("a client process failed to start")
        page = None if browser is None else LabClient(server.url, server.token, browser, lab) \
            if lab is not None else PageClient(server.url, server.token, browser, base)
        plan, held = change_plan(db, run, int(args.rate * args.seconds))
        in_page = set(page.shown_ids()) if page else set()
        rss_following = sampler.process.memory_info().rss
        rss_connecting, sampler.peak_rss = sampler.peak_rss, 0
        with tempfile.TemporaryDirectory() as tmp:
            start_at = time.time() + 1.0
            agents = []
            for a in range(args.agents):
                plan_file = Path(tmp) / f"agent{a}.json"
                plan_file.write_text(json.dumps(plan[a::args.agents]))
                agents.append(subprocess.Popen(
                    [sys.executable, __file__, "--role", "agent", "--db", str(db), "--plan",
                     str(plan_file), "--rate", str(args.rate / args.agents), "--start-at",
                     str(start_at + a / args.rate)], stdout=subprocess.PIPE, text=True))
            time.sleep(max(0.0, start_at - time.time()))  # CPU over the writing only
            cpu_before, wall_before = sampler.cpu_seconds(), time.time()
            while any(agent.poll() is None for agent in agents):
                if page:
                    page.pump()
                time.sleep(0.002)
            wall = time.time() - wall_before
            cpu = sampler.cpu_seconds() - cpu_before
            rss_writing = sampler.peak_rss
            committed: dict = {}
            for agent in agents:
                committed.update(json.loads(agent.communicate()[0]))
        with Store(db, read_only=True) as store:
            final_cursor = store.board().cursor
        if page:  # until the page shows every change made to its cards (or 2 minutes)
            due = {c for c, task_id in plan if task_id in in_page}
            deadline = time.monotonic() + 120
            while not due <= page.seen().keys() and time.monotonic() < deadline:
                page.pump()
                time.sleep(0.05)
            in_dom = page.seen()
        reports, board_bytes = [], []
        for worker in workers:
            worker.stdin.write(f"{final_cursor}\n")
            worker.stdin.flush()
        for worker in workers:
            out, _ = worker.communicate(timeout=900)
            result = json.loads(out.strip().splitlines()[-1])
            reports += result["clients"]
            board_bytes.append(result["board_bytes"])
    finally:
        sampler.stopped.set()
        if page:
            page.close()
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        server.stop()

    in_windows = {c for c, task_id in plan if task_id in held}  # what a client must receive
    dom = sorted((in_dom[c] - t) * 1000 for c, t in committed.items() if c in in_dom)
    latencies = [(seen[c] - t) * 1000 for r in reports for c, t in committed.items()
                 for seen in [r["received"]] if c in seen]
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "clients": len(reports),
        "changes": len(committed),
        "rate": (len(committed) - 1) / (max(committed.values()) - min(committed.values())),
        "converged": sum(1 for r in reports if r["caught_up"] and r["differing"] == 0
                         and r["counts_equal"]),
        "differing": sum(r["differing"] for r in reports),
        "counts_differing": sum(1 for r in reports if not r["counts_equal"]),
        "lost": sum(1 for r in reports for c in committed
                    if c in in_windows and c not in r["received"]),
        "in_windows": len(in_windows),
        "twice": sum(r["twice"] for r in reports),
        "resyncs": sum(r["resyncs"] for r in reports),
        "p50": quantiles[49], "p95": quantiles[94], "max": max(latencies),
        "bytes_per_change": statistics.median(r["bytes"] for r in reports) / len(committed),
        "board_bytes": statistics.median(board_bytes),
        "cpu": 100 * cpu / wall,
        "rss_following": rss_following / 2**20,
        "rss_connecting": rss_connecting / 2**20,
        "rss_peak": rss_writing / 2**20,
        "dom_changes": len(dom),
        "dom_planned": sum(1 for _c, task_id in plan if task_id in in_page) if page else 0,
        "dom_p50": statistics.median(dom) if dom else float("nan"),
        "dom_p95": statistics.quantiles(dom, n=100)[94] if len(dom) > 1 else float("nan"),
    }


# -- the table ----------------------------------------------------------------------------------

COLUMNS = [  # key, heading, format
    ("converged", "clients converged", "{:.0f}"),
    ("differing", "cards differing", "{:.0f}"),
    ("lost", "changes lost", "{:.0f}"),
    ("twice", "changes twice", "{:.0f}"),
    ("resyncs", "resyncs", "{:.0f}"),
    ("rate", "changes/s", "{:.1f}"),
    ("p50", "p50 commit→client", "{:.0f} ms"),
    ("p95", "p95 commit→client", "{:.0f} ms"),
    ("max", "max", "{:.0f} ms"),
    ("bytes_per_change", "bytes/change/client", "{:,.0f}"),
    ("dom_p50", "p50 commit→page DOM", "{:.0f} ms"),
    ("dom_p95", "p95 commit→page DOM", "{:.0f} ms"),
    ("cpu", "server CPU", "{:.0f} %"),
    ("rss_peak", "server RSS peak, writing", "{:.0f} MiB"),
    ("rss_connecting", "server RSS peak, connecting", "{:.0f} MiB"),
]


def table(runs: list[dict]) -> list[str]:
    lines = ["| run | " + " | ".join(h for _k, h, _f in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for i, row in enumerate(runs, 1):
        lines.append(f"| {i} | " + " | ".join(f.format(row[k]) for k, _h, f in COLUMNS) + " |")
    median = {k: statistics.median(r[k] for r in runs) for k, _h, _f in COLUMNS}
    lines.append("| **median** | " + " | ".join(f"**{f.format(median[k])}**"
                                                for k, _h, f in COLUMNS) + " |")
    return lines


PAGE_TEXT = (
    "Latency to the page DOM: one more `KanbanBoard(url)` in the bench process, shown by the "
    "built front end in headless Chromium (the static harness page), its comm relayed by "
    "Playwright in place of Jupyter's (the `_board` trait, each patch as a custom message); "
    "the page's `Date.now()` when a MutationObserver first sees the new title in a card, minus "
    "the commit, over the changes to cards in the page's windows (each column's first 50).")
LAB_TEXT = (
    "Latency to the page DOM: one more `KanbanBoard(url)`, made and shown by a notebook's "
    "kernel in real JupyterLab (headless Chromium; its patches go kernel → Jupyter server → "
    "page as in any notebook); the page's `Date.now()` when a MutationObserver first sees the "
    "new title in a card, minus the commit, over the changes to cards in the page's windows "
    "(each column's first 50).")


def report(runs: list[dict], args: argparse.Namespace, info: dict, tasks: int) -> str:
    first = runs[0]
    return "\n".join([
        "# Server under load: one `kanban-widget api`, 50 remote clients, agents writing",
        "",
        f"Machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}, SQLite "
        f"{info['sqlite']}; {info['date']}; load average {info['load']:.1f} at the start "
        "(the machine is shared: other jobs ran on the same two cores).",
        "",
        f"One server (uvicorn subprocess on 127.0.0.1) over a {tasks:,}-task demo board; "
        f"{first['clients']} `KanbanBoard(url)` widgets in {args.client_procs} processes "
        f"following `WS /patches`; {args.agents} agent processes committing {args.rate:g} changes/s for "
        f"{args.seconds:g} s through the `Store` (each change retitles one task; each task "
        f"once a run; {first['in_windows']} of the {first['changes']} to cards of the windows "
        "every widget holds, each column's first 50, the rest beyond them). Latency to a "
        "client: the client's wall clock when its widget sends the page the patch with the new "
        "title, minus the writer's right after its commit (same machine, same clock), over "
        "every (client, change to a held card) pair; lost: such changes never sent. "
        + (PAGE_TEXT if args.harness_page else LAB_TEXT) + " Bytes: the JSON each widget sent its page during the writing ÷ the "
        "changes. Server CPU: its CPU time over the writing ÷ the wall time (% of one core). "
        "Converged: after the writers stopped, the widget reached the file's last event and "
        "its cards (all fields) and counts equal those a local board on the file shows.",
        "",
        *table(runs),
        "",
        f"Each widget's board (its windows and counts): {first['board_bytes'] / 2**10:.0f} KiB "
        f"of JSON. Server RSS with all clients connected, before the writing: "
        f"{statistics.median(r['rss_following'] for r in runs):.0f} MiB (median). The page "
        f"saw {statistics.median(r['dom_changes'] for r in runs):.0f} of the "
        f"{statistics.median(r['dom_planned'] for r in runs):.0f} changes made to cards in "
        "its DOM (median).",
        "",
        "Targets (issue #18): every client converges (0 lost), ≤ 2 KB per change per client, "
        "commit → remote client DOM p50 ≤ 30 ms.",
        "",
        f"Run: `.venv/bin/python bench/bench_server.py{' --harness-page' if args.harness_page else ''}` "
        f"({len(runs)} runs, median; about "
        f"{len(runs) * 1.5:.0f} minutes).",
    ])


COLUMN_READS = [  # label, path, query: a served 100,000-task board's column reads
    ("a column's first page", "/columns/done", {"limit": 50}),
    ("a page deep in a column", "/columns/done", {"limit": 50, "offset": 20_000}),
    ("first page, tenant filter", "/columns/done", {"limit": 50, "tenant": "acme"}),
    ("first page, assignee filter", "/columns/done", {"limit": 50, "assignee": "agent-3"}),
    ("first page, search", "/columns/done", {"limit": 50, "search": "task 12"}),
    ("select-all ids, tenant filter", "/columns/done/ids", {"tenant": "acme"}),
    ("snapshot of a filtered view", "/snapshot", {"tenant": "acme", "search": "task 1"}),
]
COLUMNS_RESULTS = ROOT / "bench" / "results" / "server_columns.md"


def column_reads(tasks: int, repeats: int, write: bool) -> None:
    """Time the served board's column reads (``COLUMN_READS``) on a ``tasks``-task board
    (bench_windows' bulk board), median of ``repeats`` each, and write the table."""
    from bench_windows import build_board
    from server_harness import serving

    info = machine_info()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kanban.db"
        print(f"building a {tasks:,}-task board ...", flush=True)
        build_board(db, tasks)
        with serving(db) as server:
            for label, path, query in COLUMN_READS:
                times, answer = [], None
                for _ in range(repeats):
                    began = time.perf_counter()
                    answer = server.http.get(path, params=query)
                    times.append((time.perf_counter() - began) * 1000)
                    answer.raise_for_status()
                data = answer.json()
                size = len(data.get("ids") or data.get("cards") or [])
                rows.append(f"| {label} | `{path}?{'&'.join(f'{k}={v}' for k, v in query.items())}` "
                            f"| {data.get('total', sum(data.get('counts', {}).values())):,} "
                            f"| {size:,} | {statistics.median(times):.1f} ms "
                            f"| {max(times):.1f} ms |")
                print(rows[-1], flush=True)
    text = "\n".join([
        f"# Column reads of a served {tasks:,}-task board",
        "",
        f"Machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}, SQLite "
        f"{info['sqlite']}; {info['date']}; load average {info['load']:.1f} at the start.",
        "",
        "One `kanban-widget api` (uvicorn on 127.0.0.1) over bench_windows' bulk board (90 % "
        "done or archived, three tenants, eight assignees); each request over HTTP from this "
        f"process, median and max of {repeats}. The server made the board-order index at start, "
        "as a writable local board does; filters run in SQL (`store/windows.py`), the page "
        "position by OFFSET.",
        "",
        "| read | request | total under the view | cards or ids returned | median | max |",
        "|---|---|---:|---:|---:|---:|",
        *rows,
        "",
        f"Run: `.venv/bin/python bench/bench_server.py --columns --tasks {tasks}`.",
    ])
    print(text)
    if write:
        COLUMNS_RESULTS.write_text(text + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=["main", "client", "agent"], default="main",
                        help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--client-procs", type=int, default=5)
    parser.add_argument("--agents", type=int, default=2)
    parser.add_argument("--rate", type=float, default=20.0, help="changes per second, in all")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--columns", action="store_true",
                        help="time the column reads of a served board instead (--tasks, "
                             "--runs repeats; writes results/server_columns.md)")
    parser.add_argument("--harness-page", action="store_true",
                        help="measure the page on the static harness page, its comm relayed "
                             "by Playwright, instead of a notebook in real JupyterLab")
    # the worker roles' own arguments
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "client":
        client_process(args.url, args.token, args.clients, args.db)
        return
    if args.role == "agent":
        agent_process(args.db, args.plan, args.rate, args.start_at)
        return

    if args.columns:
        column_reads(args.tasks, max(args.runs, 5), not args.no_write)
        return

    from kanban_widget.demo import build_demo

    info = machine_info()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kanban.db"
        print(f"building a {args.tasks:,}-task demo board ...", flush=True)
        build_demo(db, tasks=args.tasks)
        runs = []
        with page_browser() as (browser, base), lab_server(not args.harness_page, Path(tmp)) as lab:
            for run in range(args.runs):
                print(f"run {run + 1}/{args.runs}: {args.clients} clients, {args.rate:g} "
                      f"changes/s for {args.seconds:g} s ...", flush=True)
                runs.append(one_run(db, run, args, browser, base, lab))
                print("  " + ", ".join(f"{h} {f.format(runs[-1][k])}" for k, h, f in COLUMNS),
                      flush=True)
    text = report(runs, args, info, args.tasks)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text + "\n")


if __name__ == "__main__":
    main()
