"""Playing back a busy day on a 10,000-task board, frame by frame, in Chromium.

    .venv/bin/python bench/bench_playback.py              # 3 runs, writes bench/results/playback.md
    .venv/bin/python bench/bench_playback.py --runs 1 --no-write

The board: 10,000 tasks created over the 29 days before the busy day (a clock the builder
moves forward), 3,000 of them moved on through running (and review) to done during those
days; then one busy last day of ``--moves`` moves (2,400 by default: 100 an hour), each a
task stepping ready → running → review → done, at random moments of that day.

One run: the real ``KanbanBoard`` on that file behind the harness page, its messages relayed
both ways as in ``tests/e2e/test_harness_bridge.py`` (``time`` and ``_time_view`` included).
The page opens History, Python sets ``time`` to the start of the busy day, the speed is set
to 1 h/s (cards visibly glide, ``js/src/ui/flip.js``) and Play is clicked; playback runs the
24 hours of the day to the end of the history (about 24 s). Meanwhile the page records every
``requestAnimationFrame`` delta and every PerformanceObserver ``longtask`` entry, and Python
times each ``time_view`` call (what ``_time_view`` costs per playback step).

Reported, each the median over ``--runs``: the longest frame, p95 and p99 frame, frames over
50 ms, long tasks (count, total, longest), playback steps and Python's ms per step (median
and max). Target (issue #15): no frame longer than 50 ms.

``--before DIR`` (a folder holding another build's ``widget.js`` and ``widget.css``, e.g. the
bundle built from the commit before a change) plays the same board with that bundle too,
runs alternating, and the table puts both side by side: before and after in the same run.
``--json-relay`` hands each trait to the page as a JSON string parsed there, as Jupyter's
websocket does, instead of Playwright's argument serialization (which costs the page far
more per large ``_time_view`` than the real transport, and so is not the widget's cost).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bench_graph
from bench_graph import open_harness_page
from bench_render import ARGS, BUNDLE, CHROMIUM, REPO, machine

sys.path.insert(0, str(REPO / "tests" / "e2e"))
import test_harness_bridge  # noqa: E402  (the relay the browser tests use)

from kanban_widget import KanbanBoard, Store  # noqa: E402

RESULTS = REPO / "bench" / "results" / "playback.md"
TARGET_MS = 50
DAY = 86_400
SPEED = 3600  # seconds of history per second of playback: 1 h/s, one of the page's SPEEDS
#: The relay must carry time travel's traits too (as tests/e2e/test_harness_time_travel.py).
TRAITS = test_harness_bridge.TRAITS + ("time", "_time_view")
STEPS = ("running", "review", "done")


class Clock:
    """A clock the builder moves forward, so every event has its own moment."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self):
        return self.now


def build_board(path: Path, n: int, busy_moves: int, seed: int = 15) -> int:
    """Build the board; return the Unix second the busy day starts."""
    rng = random.Random(seed)
    day_start = 1_780_000_000 - 1_780_000_000 % DAY
    clock = Clock(float(day_start - 29 * DAY))
    with Store(path, clock=clock) as store, store.atomic():
        ids = []
        for i in range(n):
            ids.append(store.create_task(f"Task {i}", assignee=rng.choice(["ann", "bo", None])))
            clock.now += (29 * DAY * 0.9) / n
        for task_id in rng.sample(ids[: n // 2], n * 3 // 10):  # the quiet days' work
            for status in rng.choice([["running", "done"], ["running", "review", "done"]]):
                clock.now += rng.randint(1, 40)  # ~1.7 days in all: before the busy day
                store.move_task(task_id, status)
        assert clock.now < day_start, "the quiet days' events must end before the busy day"
        # The busy day: each move steps one task a column further, at a random moment.
        clock.now = float(day_start)
        stage = {task_id: -1 for task_id in rng.sample(ids[n // 2:], busy_moves)}
        moments = sorted(rng.uniform(day_start, day_start + DAY - 1) for _ in range(busy_moves))
        movable = list(stage)
        for moment in moments:
            task_id = rng.choice(movable)
            stage[task_id] += 1
            if stage[task_id] == len(STEPS) - 1:
                movable.remove(task_id)
            clock.now = moment
            store.move_task(task_id, STEPS[stage[task_id]])
    return day_start


RECORD_JS = """() => {
  const rec = { frames: [], longtasks: [], stop: false };
  window.__rec = rec;
  let last = performance.now();
  const tick = (now) => {
    rec.frames.push(now - last);
    last = now;
    if (!rec.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  rec.observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) rec.longtasks.push(e.duration);
  });
  rec.observer.observe({ type: "longtask" });
  // Each step's render on the page: from the relayed _time_view to Preact's commit (it
  // renders in a microtask queued by the change; useFlip's layout reads run in that commit).
  rec.renders = [];
  const model = window.__boards[0].model;
  const pyUpdate = model.pyUpdate.bind(model);
  model.pyUpdate = (key, value) => {
    const t0 = performance.now();
    pyUpdate(key, value);
    if (key === "_time_view") {
      Promise.resolve().then(() => Promise.resolve()).then(() => Promise.resolve())
        .then(() => rec.renders.push(performance.now() - t0));
    }
  };
  document.querySelector('#board-0 [data-time-play]').click();
}"""

STOP_JS = """() => {
  const rec = window.__rec;
  rec.stop = true;
  rec.observer.disconnect();
  return { frames: rec.frames.slice(1), longtasks: rec.longtasks, renders: rec.renders };
}"""

PLAYING_DONE_JS = """(end) => window.__boards[0].model.get('_time_view')?.as_of >= end
  && document.querySelector('#board-0 [data-time-play]').getAttribute('aria-pressed') === 'false'"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


STATIC = "kanban_widget/static/"
REPO_SERVE = bench_graph.serve_repo


def serve_bundle_from(folder: Path | None):
    """The harness page's file server, answering the bundle's files from ``folder`` (None:
    the repository's build)."""
    def serve(route) -> None:
        relative = route.request.url[len(bench_graph.BASE):].split("?", 1)[0]
        if folder is not None and relative.startswith(STATIC):
            route.fulfill(path=str(folder / relative[len(STATIC):]))
        else:
            REPO_SERVE(route)
    return serve


PY_UPDATE_JS = "([k, v]) => window.__boards[0].model.pyUpdate(k, v)"


class JsonRelayPage:
    """The page as the relay sees it, handing trait values over as JSON text (see the
    docstring, ``--json-relay``); everything else goes to the page unchanged."""

    def __init__(self, page):
        self._page = page

    def __getattr__(self, name):
        return getattr(self._page, name)

    def evaluate(self, expression, arg=None):
        if expression == PY_UPDATE_JS:
            key, value = arg
            return self._page.evaluate(
                "([k, s]) => window.__boards[0].model.pyUpdate(k, JSON.parse(s))",
                [key, json.dumps(value)])
        return self._page.evaluate(expression, arg)


def play_once(browser, path: Path, day_start: int, reduced_motion: bool = False,
              bundle: Path | None = None, json_relay: bool = False) -> dict:
    """One page, the real widget: play the busy day back and return what was recorded.
    ``bundle``: a folder with another build's widget.js / widget.css (None: this one)."""
    widget = KanbanBoard(path)
    view_ms: list[float] = []
    compute = widget.time_view

    def timed_view(when):
        t0 = time.perf_counter()
        try:
            return compute(when)
        finally:
            view_ms.append((time.perf_counter() - t0) * 1000)

    widget.time_view = timed_view  # _on_time calls self.time_view: every step is timed
    ctx = browser.new_context(viewport={"width": 1400, "height": 900},
                              reduced_motion="reduce" if reduced_motion else "no-preference")
    try:
        bench_graph.serve_repo = serve_bundle_from(bundle)  # open_harness_page serves with it
        page, bridge = open_harness_page(ctx, widget)
        if json_relay:
            bridge.page = JsonRelayPage(page)
        page.click("#board-0 [data-time-open]")
        bridge.until("() => !!document.querySelector('#board-0 [data-past-board]')", timeout=60)
        widget.time = day_start
        bridge.until(f"() => window.__boards[0].model.get('_time_view')?.as_of === {day_start}",
                     timeout=60)
        page.select_option("#board-0 [data-time-speed]", str(SPEED))
        end = widget._time_view["end"]
        view_ms.clear()  # opening History builds the history once: not a playback step
        page.evaluate(RECORD_JS)
        played_from = time.monotonic()
        deadline = time.monotonic() + 3 * (end - day_start) / SPEED + 60
        while not page.evaluate(PLAYING_DONE_JS, end):
            bridge.pump()
            if page.errors or time.monotonic() > deadline:
                raise SystemExit(f"playback did not reach the end: {page.errors}")
            time.sleep(0.02)  # as Bridge.until: polling less often disturbs the page less
        played_s = time.monotonic() - played_from
        recorded = page.evaluate(STOP_JS)
        cards = page.evaluate("() => document.querySelectorAll('#board-0 [data-past-card]').length")
    finally:
        ctx.close()
        widget.close()
    frames, longtasks, renders = recorded["frames"], recorded["longtasks"], recorded["renders"]
    return {
        "playback wall time, s": played_s,
        "frames": len(frames),
        "longest frame": max(frames),
        "p95 frame": percentile(frames, 0.95),
        "p99 frame": percentile(frames, 0.99),
        f"frames > {TARGET_MS} ms": sum(f > TARGET_MS for f in frames),
        "long tasks": len(longtasks),
        "long tasks, total": sum(longtasks),
        "longest long task": max(longtasks, default=0.0),
        "playback steps (_time_view)": len(view_ms),
        "Python per step, median": statistics.median(view_ms),
        "Python per step, max": max(view_ms),
        "page render per step, median": statistics.median(renders),
        "page render per step, max": max(renders),
        "cards drawn at the end": cards,
    }


def run(runs: int, tasks: int, moves: int, folder: Path, reduced_motion: bool,
        before: Path | None = None, json_relay: bool = False) -> dict[str, list[dict]]:
    """``{"after": [...]}`` (this build), plus ``"before"`` with ``before``: one result per run,
    the two bundles alternating so both see the same machine load."""
    from playwright.sync_api import sync_playwright

    test_harness_bridge.TRAITS = TRAITS
    path = folder / "kanban.db"
    t0 = time.perf_counter()
    day_start = build_board(path, tasks, moves)
    print(f"built the board in {time.perf_counter() - t0:.1f} s", flush=True)
    bundles = {"before": before, "after": None} if before else {"after": None}
    results: dict[str, list[dict]] = {name: [] for name in bundles}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            for i in range(runs):
                for name, bundle in bundles.items():
                    results[name].append(play_once(browser, path, day_start, reduced_motion,
                                                   bundle, json_relay))
                    print(f"run {i + 1} {name}:",
                          {k: round(v, 1) for k, v in results[name][-1].items()}, flush=True)
        finally:
            browser.close()
    return results


COUNTS = ("playback wall time, s", "frames", f"frames > {TARGET_MS} ms", "long tasks",
          "playback steps (_time_view)", "cards drawn at the end")


def cell(key: str, values: list[float]) -> str:
    """``median (min – max)`` of one measure, in its unit."""
    unit = "" if key in COUNTS else " ms"
    fmt = (lambda v: f"{v:,.0f}{unit}") if not unit else (lambda v: f"{v:.1f}{unit}")
    return f"{fmt(statistics.median(values))} ({fmt(min(values))} – {fmt(max(values))})"


def write_report(results: dict[str, list[dict]], runs: int, tasks: int, moves: int,
                 before: Path | None, json_relay: bool, load: str) -> str:
    names = list(results)
    lines = [
        "# Playing back a busy day (bench/bench_playback.py)",
        "",
        f"Measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on: {machine()}; "
        f"load average {load}.",
        "",
        f"{tasks:,} tasks ({tasks * 3 // 10:,} moved to done over the 29 quiet days), then a busy last day of "
        f"{moves:,} moves (ready → running → review → done at random moments). The real widget "
        "behind the harness page; History opened at the start of the busy day, played at "
        f"1 h/s (about {DAY // SPEED} s) to the end. Frames are `requestAnimationFrame` deltas; "
        "long tasks are PerformanceObserver `longtask` entries; Python's step is one "
        f"`time_view` call (one `_time_view`). Median of {runs} runs (min – max)"
        + (f"; \"before\" is the bundle in `{before}`, runs alternating with this build's" if before else "")
        + ("; traits relayed as JSON text (`--json-relay`)" if json_relay else "") + ".",
        "",
        "| measure | " + " | ".join(names) + " | target |",
        "|---|" + "---|" * len(names) + "---|",
    ]
    for key in results["after"][0]:
        target = ""
        if key == "longest frame":
            med = statistics.median(r[key] for r in results["after"])
            target = f"≤ {TARGET_MS} ms ({'meets' if med <= TARGET_MS else 'MISSES'})"
        lines.append(f"| {key} | " + " | ".join(cell(key, [r[key] for r in results[n]]) for n in names)
                     + f" | {target} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="playbacks (the median is kept)")
    ap.add_argument("--tasks", type=int, default=10_000, help="tasks on the board")
    ap.add_argument("--moves", type=int, default=2_400, help="moves on the busy last day")
    ap.add_argument("--reduced-motion", action="store_true",
                    help="prefers-reduced-motion: no FLIP glides, to see their share (implies --no-write)")
    ap.add_argument("--before", type=Path, default=None,
                    help="a folder with another build's widget.js and widget.css, played too")
    ap.add_argument("--json-relay", action="store_true",
                    help="relay traits to the page as JSON text, as Jupyter's websocket does")
    ap.add_argument("--no-write", action="store_true", help="print, do not write playback.md")
    args = ap.parse_args()
    if not BUNDLE.exists():
        raise SystemExit(f"{BUNDLE} is missing: run `npm ci && npm run build` in js/")
    with tempfile.TemporaryDirectory() as folder:
        results = run(args.runs, args.tasks, args.moves, Path(folder), args.reduced_motion,
                      args.before, args.json_relay)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    report = write_report(results, args.runs, args.tasks, args.moves, args.before,
                          args.json_relay, load)
    print(report)
    if args.no_write or args.reduced_motion:
        return
    RESULTS.write_text(report)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
