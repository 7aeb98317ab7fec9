"""First render of a 10,000-task board in Chromium, through the static harness page.

    .venv/bin/python bench/bench_render.py            # 5 runs, writes bench/results/render.md
    .venv/bin/python bench/bench_render.py --runs 9 --tasks 20000

Each run opens a fresh page, loads the built bundle (kanban_widget/static/widget.js, so run
`npm run build` in js/ first) and times, inside the page, from `initialize()` to two animation
frames after `render()` returned: the board is laid out and painted. Also timed: one live patch
(a card moved by "another process") from the message to the moved card in the DOM.
Target (docs: DESIGN.md, performance table): first render <= 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _machine import cpu_model  # bench/ is on sys.path when a bench runs

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "kanban_widget" / "static" / "widget.js"
RESULTS = REPO / "bench" / "results" / "render.md"
CHROMIUM = os.environ.get("KANBAN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TARGET_MS = 1000

PATCH_JS = """async () => {
  const b = window.__boards[0];
  const k = b.kernel;
  const root = b.slot.querySelector('[data-kanban-root]');
  const el = root.querySelector('[data-column="ready"] [data-task-id]');
  const id = el.dataset.taskId;
  k.tasks.get(id).status = 'running';
  const moved = () => root.querySelector(`[data-column="running"] [data-task-id="${id}"]`);
  return await new Promise((resolve) => {
    let t0 = 0;
    const obs = new MutationObserver(() => {
      if (moved()) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(root, { childList: true, subtree: true, attributes: true });
    k.patchDelayMs = 0;
    const realCustom = b.model.pyCustom.bind(b.model);
    b.model.pyCustom = (msg) => { t0 = performance.now(); b.model.pyCustom = realCustom; realCustom(msg); };
    k.publish([id]);
  });
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> str:
    cpu = cpu_model()
    try:
        chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True,
                                  timeout=30).stdout.strip().splitlines()[-1]
    except (OSError, subprocess.SubprocessError, IndexError):
        chromium = CHROMIUM
    try:
        mem_kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal")).split()[1])
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        mem = "RAM unknown"
    return (f"{cpu}, {os.cpu_count()} cores (shared), {mem}; {platform.system()} "
            f"{platform.release()}; {chromium} headless; Python {platform.python_version()}")


def run(runs: int, tasks: int) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(REPO)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    renders, patches, dom_cards = [], [], []
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"{base}/tests/e2e/harness/index.html", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("http.server did not start")
                time.sleep(0.05)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                for i in range(runs):
                    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                    ctx.route(lambda url: not url.startswith("http://127.0.0.1"), lambda r: r.abort())
                    page = ctx.new_page()
                    errors = []
                    page.on("pageerror", lambda e: errors.append(str(e)))
                    page.goto(f"{base}/tests/e2e/harness/index.html")
                    page.wait_for_function("() => window.__harnessLoaded === true")
                    timings = page.evaluate("n => window.__boot({boards: [{generate: n}]})", tasks)
                    if errors:
                        raise SystemExit(f"page errors: {errors}")
                    renders.append(timings["renderMs"][0])
                    dom_cards.append(page.locator("[data-task-id]").count())
                    patches.append(page.evaluate(PATCH_JS))
                    print(f"run {i + 1}: first render {renders[-1]:.0f} ms, "
                          f"{dom_cards[-1]} cards in the DOM, patch to DOM {patches[-1]:.1f} ms",
                          flush=True)
                    ctx.close()
            finally:
                browser.close()
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    return {"renders": renders, "patches": patches, "dom_cards": dom_cards}


def write_report(res: dict, runs: int, tasks: int) -> str:
    r, p = res["renders"], res["patches"]
    med = statistics.median(r)
    verdict = "meets" if med <= TARGET_MS else "MISSES"
    lines = [
        "# First render of a large board (bench/bench_render.py)",
        "",
        f"Measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on: {machine()}.",
        f"Bundle: `kanban_widget/static/widget.js`, {BUNDLE.stat().st_size / 1024:.0f} KiB minified.",
        "",
        f"{tasks:,} tasks through the static harness (fake model and kernel in the page), {runs} runs,",
        "a fresh page each. First render = from `initialize()` to two animation frames after",
        "`render()` returned (laid out and painted). Patch = a card moved by another process, from",
        "the `patch` message to the card in its new column.",
        "",
        "| measure | median | min | max | target |",
        "|---|---|---|---|---|",
        f"| first render, {tasks:,} tasks | {med:.0f} ms | {min(r):.0f} ms | {max(r):.0f} ms "
        f"| ≤ {TARGET_MS} ms ({verdict}) |",
        f"| live patch → DOM, same board | {statistics.median(p):.1f} ms | {min(p):.1f} ms "
        f"| {max(p):.1f} ms | |",
        f"| cards in the DOM after first render | {int(statistics.median(res['dom_cards']))} | | "
        f"| never {tasks:,} |",
        "",
        "Every column shows its first 50 cards (priority order) and a \"Show 50 more\" button;",
        "counts cover every card. Runs: "
        + ", ".join(f"{x:.0f}" for x in r) + " ms.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--no-write", action="store_true", help="print, do not write render.md")
    args = ap.parse_args()
    if not BUNDLE.exists():
        raise SystemExit(f"{BUNDLE} is missing: run `npm ci && npm run build` in js/")
    res = run(args.runs, args.tasks)
    report = write_report(res, args.runs, args.tasks)
    print(report)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(report)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
