"""Regenerate the README's pictures: the board in JupyterLab's light and dark themes, and charts.

    .venv/bin/python scripts/screenshots.py      # writes docs/images/*.png (about a minute)

The board is the demo board (``kanban_widget.demo``) shown in a real JupyterLab driven by
headless Debian Chromium; the charts come from ``kanban_widget.analytics`` on the same board.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

CHROMIUM = os.environ.get("KANBAN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def board_shots(board: Path) -> None:
    from labserver import LabServer
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, theme in THEMES.items():
            settings = {"@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": theme}}
            with tempfile.TemporaryDirectory() as tmp, \
                    LabServer(Path(tmp), env={"KANBAN_DB": str(board)}, settings=settings) as lab:
                nb = lab.write_notebook("board.ipynb", [
                    "from kanban_widget import KanbanBoard\nboard = KanbanBoard()\nboard"])
                page = browser.new_page(viewport={"width": 2100, "height": 1000},
                                        device_scale_factor=1)
                lab.open_notebook(page, nb, 1)
                root = page.locator(".jp-OutputArea-output [data-kanban-root]").first
                root.wait_for(state="visible", timeout=30_000)
                page.wait_for_timeout(500)  # let fonts and the first patch settle
                root.screenshot(path=str(OUT / f"board-{name}.png"))
                print(f"wrote {OUT / f'board-{name}.png'}")
                page.close()
        browser.close()


def chart_shots(board: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kanban_widget import analytics

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
    analytics.plot_cumulative_flow(board, ax=axes[0])
    analytics.plot_cycle_times(board, ax=axes[1])
    fig.tight_layout()
    fig.savefig(OUT / "charts.png", dpi=110)
    print(f"wrote {OUT / 'charts.png'}")


def main() -> None:
    from kanban_widget.demo import build_demo

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        board = Path(tmp) / "demo.db"
        build_demo(board, tasks=120, seed=4)
        chart_shots(board)
        board_shots(board)


if __name__ == "__main__":
    main()
