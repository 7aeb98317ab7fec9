"""Idle cost of an open board in JupyterLab: the same kernel with and without a board.

``bench_lab.py`` measures the whole kernel process with a board open; this separates the
board's share. Alternating, ``--runs`` times: a notebook that only imports ``kanban_widget``
and one that also shows a 100,000-task board (``bench_windows.build_board``), each open in
Chromium; after the kernel is quiet (``bench_lab.settle``), the kernel process's CPU time over
``--seconds`` seconds (120 by default: an idle board's wake-ups are rare now, the feed's fallback
check every 15 s and the page's safety-net poll every 60 s, so a shorter window could miss
them). The board's idle cost is the difference. The 1-minute load average at the start of each
measurement is noted with it (a shared machine).

    .venv/bin/python bench/bench_lab_idle.py          # writes bench/results/lab_idle.md
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_lab as lab_bench  # noqa: E402
from bench_sync import machine  # noqa: E402
from bench_windows import build_board  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "lab_idle.md"


def idle_pct(lab, browser, name: str, cells: list[str], seconds: float) -> tuple[float, float]:
    """Open ``cells`` as a notebook, wait for a quiet kernel, return its CPU % over ``seconds``
    and the load average when the measurement began."""
    lab.write_notebook(name, cells)
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    session_id = None
    try:
        lab.open_notebook(page, name, len(cells))
        kernel, session_id = lab_bench.kernel_process(lab, name)
        lab_bench.settle(kernel)
        time.sleep(2)
        load = os.getloadavg()[0]
        cpu, start = sum(kernel.cpu_times()[:2]), time.monotonic()
        time.sleep(seconds)
        return 100 * (sum(kernel.cpu_times()[:2]) - cpu) / (time.monotonic() - start), load
    finally:
        context.close()
        if session_id:
            lab.http(f"/api/sessions/{session_id}", method="DELETE", timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()
    from labserver import LabServer
    from playwright.sync_api import sync_playwright

    header = machine()
    setup = lab_bench.SETUP_CELL.format(code=str(ROOT))
    found: dict[str, list[float]] = {"kernel only": [], "kernel + 100,000-task board": []}
    loads: dict[str, list[float]] = {label: [] for label in found}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "board.db"
        build_board(path, 100_000)
        with LabServer(Path(tmp), env={"PYTHONPATH": str(ROOT)}) as lab, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=lab_bench.CHROMIUM,
                                         args=lab_bench.CHROMIUM_ARGS)
            for run in range(args.runs):
                for label, cells in (("kernel only", [setup]), ("kernel + 100,000-task board",
                                     [setup + "\n" + lab_bench.OPEN_CELL.format(path=str(path))])):
                    pct, load = idle_pct(lab, browser, f"idle_{run}_{len(found[label])}"
                                         f"_{label[:8].strip()}.ipynb", cells, args.seconds)
                    found[label].append(pct)
                    loads[label].append(load)
                    print(f"run {run + 1} {label}: {pct:.2f} % (load {load:.2f})", flush=True)
            browser.close()
    rows = [f"| {label} | {statistics.median(v):.2f} % | {', '.join(f'{x:.2f}' for x in v)} | "
            f"{', '.join(f'{x:.2f}' for x in loads[label])} |" for label, v in found.items()]
    share = statistics.median(found["kernel + 100,000-task board"]) - statistics.median(
        found["kernel only"])
    text = "\n".join([
        "# Idle cost of an open board in JupyterLab (kernel with and without a board)", "",
        f"Machine: {header}. {args.runs} runs, alternating; the kernel process's CPU time over "
        f"{args.seconds:.0f} s once quiet, the page open in headless Chromium.", "",
        "| kernel | idle CPU, median | runs | load average (1 min) at each run's start |",
        "|---|---:|---|---|", *rows, "",
        f"The board's share: {share:.2f} % of a core (target, issue #14: ≤ 0.2 %).", "",
        f"Run: `.venv/bin/python bench/bench_lab_idle.py` (about {args.runs * 2 * (args.seconds + 20) / 60 + 1:.0f} "
        "minutes with the defaults' 3 runs of 120 s).",
    ])
    print(text)
    RESULTS.write_text(text + "\n")


if __name__ == "__main__":
    main()
