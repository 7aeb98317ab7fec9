"""What one live patch costs the page, with about 400 cards on screen, in Chromium.

    .venv/bin/python bench/bench_patch.py --before DIR   # 3 runs each, writes bench/results/patch.md
    .venv/bin/python bench/bench_patch.py --runs 1 --no-write

The board: 60 tasks in each of seven columns (triage, todo, ready, running, review, done,
archived; ``show_archived`` on) and 40 blocked, so the page draws the first 50 of each and
every blocked one: 390 cards (a card moved to blocked is drawn there whatever its rank). The
real ``KanbanBoard`` on that file behind the harness page, its messages relayed both ways as
in ``tests/e2e/test_harness_bridge.py``. Another ``Store`` (another writer of the file) then
moves cards, ``--moves`` times, alternately one of the ten top ready cards to blocked and back
(it comes back to the same rank, on screen); the widget's
thread publishes each as a patch.

Timed inside the page, per patch: from handing the patch to the model (``pyCustom``) to the
moved card laid out in its new column: the board model applying the patch, Preact's render
and commit (a microtask), then a forced style and layout (reading the card's box), so a change
that only moves layout work to later is not counted as a saving. The relay and Python are
not in it. This is the page's share of issue #14's commit → card moved in the DOM.

``--before DIR`` (a folder with another build's ``widget.js`` and ``widget.css``) runs the
same moves against that bundle, runs alternating: before and after in the same run.
Reported per bundle: p50, p95 and max of the patches of all runs, and the median run's p50.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
from pathlib import Path

import bench_graph
from bench_graph import open_harness_page
from bench_playback import percentile, serve_bundle_from
from bench_render import ARGS, BUNDLE, CHROMIUM, REPO, machine

from kanban_widget import KanbanBoard, Store

RESULTS = REPO / "bench" / "results" / "patch.md"
PER_COLUMN = 60
BLOCKED = 40  # fewer than a page: a card blocked by the bench is on screen wherever it ranks
CARDS = 50 * 7 + BLOCKED  # what the page draws
COLUMNS = ("triage", "todo", "ready", "running", "blocked", "review", "done", "archived")


def build_board(path: Path) -> None:
    """PER_COLUMN tasks in each column, BLOCKED in blocked."""
    with Store(path) as store, store.atomic():
        for status in COLUMNS:
            for i in range(BLOCKED if status == "blocked" else PER_COLUMN):
                if status == "triage":
                    store.create_task(f"{status} {i}", triage=True)
                    continue
                task = store.create_task(f"{status} {i}", assignee=("ann", "bo", None)[i % 3])
                if status == "todo":
                    store.move_task(task, "todo")
                elif status == "running":
                    store.move_task(task, "running")
                elif status == "blocked":
                    store.block_task(task, reason="waiting")
                elif status in ("review", "done"):
                    store.move_task(task, "running")
                    store.move_task(task, status)
                elif status == "archived":
                    store.bulk([task], archive=True)


#: Times each patch in the page: pyCustom → applied, rendered and committed → laid out.
TIMER_JS = """() => {
  const model = window.__boards[0].model;
  const root = document.querySelector('#board-0 [data-kanban-root]');
  const custom = model.pyCustom.bind(model);
  window.__patchMs = [];
  model.pyCustom = (msg) => {
    if (!msg || msg.type !== 'patch') return custom(msg);
    const t0 = performance.now();
    custom(msg);
    // The view draws in a microtask queued by the change; ours runs after it.
    queueMicrotask(() => queueMicrotask(() => {
      const rendered = performance.now() - t0;
      const id = (msg.upserts || [])[0]?.id;
      const card = id && root.querySelector(`[data-task-id="${id}"]`);
      (card || root).getBoundingClientRect();   // style and layout, now
      window.__patchMs.push([performance.now() - t0, rendered]);
    }));
  };
}"""


def moves_once(browser, path: Path, moves: int, bundle: Path | None) -> list[list[float]]:
    """One page, the real widget: ``moves`` moves by another writer; per patch, the page's ms
    in all and up to the commit (before the layout): ``[[all, commit], ...]``."""
    widget = KanbanBoard(path, show_archived=True)
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        bench_graph.serve_repo = serve_bundle_from(bundle)  # open_harness_page serves with it
        page, bridge = open_harness_page(ctx, widget)
        bridge.until("() => document.querySelectorAll('#board-0 [data-task-id]').length >= "
                     f"{CARDS}", timeout=60)
        ready = page.evaluate("() => [...document.querySelectorAll("
                              "'#board-0 [data-column=\"ready\"] [data-task-id]')]"
                              ".slice(0, 10).map((el) => el.dataset.taskId)")
        page.evaluate(TIMER_JS)
        with Store(path) as other:
            for i in range(moves):
                task = ready[(i // 2) % len(ready)]
                status = "blocked" if i % 2 == 0 else "ready"
                if status == "blocked":
                    other.block_task(task, reason="bench")
                else:
                    other.move_task(task, "ready")
                bridge.until(f"() => document.querySelector('#board-0 [data-column=\"{status}\"] "
                             f"[data-task-id=\"{task}\"]') !== null && window.__patchMs.length > {i}",
                             timeout=30)
        if page.errors:
            raise SystemExit(f"the page failed: {page.errors}")
        return page.evaluate("() => window.__patchMs")
    finally:
        ctx.close()
        widget.close()


def run(runs: int, moves: int, folder: Path, before: Path | None) -> dict[str, list[list[list[float]]]]:
    """``{"after": [moves_once() per run]}``, plus ``"before"``; bundles alternate per run."""
    from playwright.sync_api import sync_playwright

    path = folder / "kanban.db"
    build_board(path)
    bundles = {"before": before, "after": None} if before else {"after": None}
    results: dict[str, list[list[list[float]]]] = {name: [] for name in bundles}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            for i in range(runs):
                for name, bundle in bundles.items():
                    ms = moves_once(browser, path, moves, bundle)
                    results[name].append(ms)
                    every = [m[0] for m in ms]
                    print(f"run {i + 1} {name}: p50 {statistics.median(every):.2f} ms, "
                          f"p95 {percentile(every, 0.95):.2f} ms", flush=True)
        finally:
            browser.close()
    return results


def write_report(results: dict[str, list[list[list[float]]]], runs: int, moves: int,
                 before: Path | None, load: str) -> str:
    lines = [
        "# One live patch on the page (bench/bench_patch.py)",
        "",
        f"Measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on: {machine()}; "
        f"load average {load}.",
        "",
        f"{len(COLUMNS) - 1} columns of {PER_COLUMN} tasks and {BLOCKED} blocked, the first 50 of "
        f"each drawn: {CARDS} cards on screen. The real widget behind the harness page; another "
        f"writer moves a ready card to blocked and back, {moves} moves per run, {runs} runs per bundle"
        + (f", alternating with the bundle in `{before}` (\"before\")" if before else "")
        + ". Per patch, in the page: `pyCustom` → patch applied, rendered, committed and the "
        "moved card laid out (a forced layout read); \"to the commit\" stops before that read. "
        "The relay and Python are not counted.",
        "",
        "| bundle | patches | p50 | p95 | max | median run's p50 | to the commit, p50 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, per_run in results.items():
        every = [m[0] for run_ms in per_run for m in run_ms]
        commit = [m[1] for run_ms in per_run for m in run_ms]
        run_p50 = statistics.median(statistics.median(m[0] for m in r) for r in per_run)
        lines.append(f"| {name} | {len(every)} | {statistics.median(every):.2f} ms | "
                     f"{percentile(every, 0.95):.2f} ms | {max(every):.2f} ms | {run_p50:.2f} ms | "
                     f"{statistics.median(commit):.2f} ms |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="pages per bundle")
    ap.add_argument("--moves", type=int, default=40, help="moves (patches) per page")
    ap.add_argument("--before", type=Path, default=None,
                    help="a folder with another build's widget.js and widget.css, timed too")
    ap.add_argument("--no-write", action="store_true", help="print, do not write patch.md")
    args = ap.parse_args()
    if not BUNDLE.exists():
        raise SystemExit(f"{BUNDLE} is missing: run `npm ci && npm run build` in js/")
    with tempfile.TemporaryDirectory() as folder:
        results = run(args.runs, args.moves, Path(folder), args.before)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    report = write_report(results, args.runs, args.moves, args.before, load)
    print(report)
    if not args.no_write:
        RESULTS.write_text(report)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
