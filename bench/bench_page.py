"""The page's cost of a large board, before and after windows (issue #14): Chromium, the built
bundle on the harness page, the real widget's first snapshot.

For boards of 10,000, 100,000 and 1,000,000 tasks (``bench_windows.build_board``: 90 % done or
archived), the first ``_board`` is taken from the code this work started from ("before", in a
child process, exported from git) and from this tree ("after"), and booted on a fresh harness
page with the built bundle (``npm run build`` first). Measured, median of ``--runs`` pages:

- **render**: from the widget's ``initialize()`` to two animation frames after ``render()``;
- **JS heap**: the page's used JS heap after a garbage collection (DevTools' ``getHeapUsage``);
- **show more** (after only): a click on the ready column's "show more", answered by the real
  widget through the message bridge of ``tests/e2e/test_harness_bridge.py``: the time Python's
  handler takes, and the time from the patch's arrival in the page to the next 50 cards
  painted (the relay itself, Playwright round trips standing in for a comm, is left out).

    .venv/bin/python bench/bench_page.py                       # writes bench/results/page.md
    .venv/bin/python bench/bench_page.py --sizes 10000 --runs 1 --no-write
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from bench_render import ARGS, CHROMIUM, free_port  # noqa: E402
from bench_windows import BEFORE_COMMIT, build_board, export_before  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "page.md"

SNAPSHOT_SCRIPT = """
import json, sys
from kanban_widget import KanbanBoard
board = KanbanBoard(sys.argv[1], live=False)
state = board.get_state()
json.dump({k: state[k] for k in sys.argv[3].split(",")}, open(sys.argv[2], "w"))
board.close()
"""


def before_traits(code: Path, path: Path, folder: Path, traits: tuple) -> dict:
    """The old code's first state of the board, from a child process."""
    out = folder / "before-state.json"
    subprocess.run([sys.executable, "-c", SNAPSHOT_SCRIPT, str(path), str(out), ",".join(traits)],
                   env=dict(os.environ, PYTHONPATH=str(code)), cwd=code, check=True, timeout=1800)
    try:
        return json.loads(out.read_text())  # our own JSON file, not a board file
    finally:
        out.unlink()


def heap_mb(page) -> float:
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.collectGarbage")
        return cdp.send("Runtime.getHeapUsage")["usedSize"] / 2**20
    finally:
        cdp.detach()


def boot(browser, base: str, traits: dict):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.route(lambda url: not url.startswith("http://127.0.0.1"), lambda r: r.abort())
    page = ctx.new_page()
    page.goto(f"{base}/tests/e2e/harness/index.html")
    page.wait_for_function("() => window.__harnessLoaded === true")
    timings = page.evaluate("t => window.__boot({boards: [{bridge: true, traits: t}]})", traits)
    return ctx, page, timings["renderMs"][0]


PAINT_JS = """n => new Promise((resolve) => {
  const b = window.__boards[0];
  const count = () => document.querySelectorAll("#board-0 [data-column='ready'] [data-task-id]").length;
  const real = b.model.pyCustom.bind(b.model);
  b.model.pyCustom = (msg) => {
    if (msg.type === "patch") {
      b.model.pyCustom = real;
      const t0 = performance.now();
      real(msg);
      const done = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
      if (count() >= n) return done();
      const obs = new MutationObserver(() => { if (count() >= n) { obs.disconnect(); done(); } });
      obs.observe(document.body, { childList: true, subtree: true });
    } else real(msg);
  };
})"""


def show_more_ms(page, widget) -> tuple[float, float]:
    """(Python's handling of the ``more`` request, the page's apply-and-paint of its patch), in
    ms; the test relay between them is left out (it is not a comm)."""
    from test_harness_bridge import Bridge

    bridge = Bridge(page, widget)
    handled = []
    answer = widget._HANDLERS["more"]

    def timed(me, req):
        start = time.perf_counter()
        try:
            return answer(me, req)
        finally:
            handled.append((time.perf_counter() - start) * 1000)

    widget._HANDLERS = {**widget._HANDLERS, "more": timed}
    count = "document.querySelectorAll(\"#board-0 [data-column='ready'] [data-task-id]\").length"
    wanted = page.evaluate(f"() => {count}") + 50
    page.evaluate(f"n => {{ window.__paint = ({PAINT_JS})(n); }}", wanted)
    page.locator("#board-0 [data-column='ready'] [data-show-more]").first.click()
    bridge.until(f"n => {count} >= n", arg=wanted, timeout=60)
    paint = page.evaluate("() => window.__paint")
    del widget._HANDLERS
    return handled[0], paint


def measure(sizes: list[int], runs: int, before_up_to: int) -> list[tuple]:
    from playwright.sync_api import sync_playwright

    from kanban_widget import KanbanBoard
    from test_harness_bridge import TRAITS

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                               "127.0.0.1", "--directory", str(ROOT)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        time.sleep(1.0)
        with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
            before_code = export_before(Path(tmp) / "before")
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for n in sizes:
                path = Path(tmp) / f"board-{n}.db"
                build_board(path, n)
                widget = KanbanBoard(path, live=False)
                after = widget.get_state()
                cells = {"after": {k: after[k] for k in TRAITS}}
                if n <= before_up_to:
                    cells["before"] = before_traits(before_code, path, Path(tmp), TRAITS)
                for code in ("before", "after"):
                    if code not in cells:
                        rows.append((n, code, None))
                        continue
                    found = []
                    for _ in range(runs):
                        ctx, page, render = boot(browser, base, cells[code])
                        cards = page.locator("[data-task-id]").count()
                        heap = heap_mb(page)
                        more = show_more_ms(page, widget) if code == "after" else (None, None)
                        found.append((render, heap, cards, *more))
                        print(n, code, found[-1], flush=True)
                        ctx.close()
                        if code == "after":  # the next page starts from the first window again
                            widget._state.reload(keep_limits=False)
                            cells["after"]["_board"] = widget.get_state()["_board"]
                    rows.append((n, code, [statistics.median(x for x in col if x is not None)
                                           if any(x is not None for x in col) else None
                                           for col in zip(*found)]))
                widget.close()
                path.unlink()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return rows


def table(rows: list[tuple]) -> str:
    lines = ["| tasks | code | first render (ms) | JS heap after GC (MB) | cards in the DOM | "
             "show more: Python answers (ms) | show more: the page paints the 50 (ms) |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    for n, code, cell in rows:
        if cell is None:
            lines.append(f"| {n:,} | {code} | not run (the old snapshot of this board is "
                         "too large to load) | | | | |")
            continue
        render, heap, cards, handled, painted = cell
        more = (f"{handled:.1f} | {painted:.0f}" if handled is not None
                else "(every card was sent) | ")
        lines.append(f"| {n:,} | {code} | {render:.0f} | {heap:.1f} | {cards:.0f} | {more} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before-up-to", type=int, default=100_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    from _machine import machine_info

    info = machine_info()
    rows = measure([int(s) for s in args.sizes.split(",")], args.runs, args.before_up_to)
    text = "\n".join([
        "# Page benchmark: a large board in Chromium, before and after windows (issue #14)", "",
        f"Measured {info['date']} on {info['nproc']} CPUs ({info['cpu']}), Python "
        f"{info['python']}, SQLite {info['sqlite']}, Chromium (Debian), {info['platform']}; "
        f"load average {info['load']:.1f} at the start (a shared machine).", "",
        f"Median of {args.runs} pages per cell. \"before\": the first snapshot of the code at "
        f"`{BEFORE_COMMIT[:7]}` (every card), \"after\": this tree's (each column's first 50 "
        "cards and the counts), both rendered by this tree's bundle on the harness page. The "
        "ready column holds 3 % of the board (300, 3,000, 30,000 cards). Reproduce with "
        "`.venv/bin/python bench/bench_page.py`.", "",
        table(rows), ""])
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
