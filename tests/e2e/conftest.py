"""Fixtures for browser tests: Debian's Chromium through Playwright, a static server for the
harness page, and a `page` that records JS errors and leaves a screenshot when a test fails.

Reusable by any browser test (the harness tests here, a real-JupyterLab test later):
`chromium_browser` (session), `page` (per test, offline: only 127.0.0.1 is reachable),
`harness_server` (session: base URL of http.server over the repository root), and the helpers
`free_port`, `wait_visible`, `SHOTS`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).resolve().parent / "shots"
BUNDLE = REPO / "kanban_widget" / "static" / "widget.js"
CHROMIUM = os.environ.get("KANBAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium for the session (Playwright gives it a fresh temporary profile).

    A missing Chromium fails the browser tests with the fix, never skips them: a skipped
    browser test would prove nothing.
    """
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium` "
                    "(or set KANBAN_CHROMIUM to a Chromium binary)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=30_000
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        pw.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _new_page(browser, request, **context_args):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, **context_args)
    ctx.set_default_timeout(15_000)
    blocked: list[str] = []

    def _block(route):
        blocked.append(route.request.url)
        route.abort()

    # Offline: the page may only talk to 127.0.0.1.
    ctx.route(
        lambda url: not url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")),
        _block,
    )
    pg = ctx.new_page()
    pg.blocked = blocked
    pg.errors = []
    pg.console_errors = []
    pg.failed_requests = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("requestfailed", lambda r: pg.failed_requests.append(f"{r.url} {r.failure}"))
    return ctx, pg


def _finish_page(ctx, pg, request):
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        SHOTS.mkdir(exist_ok=True)
        shot = SHOTS / f"FAILED-{request.node.name}.png"
        try:
            pg.screenshot(path=str(shot), full_page=True)
        except Exception as exc:  # the page may be gone; the report matters more
            print(f"[failure] no screenshot: {exc}")
        print(
            f"\n[failure] screenshot: {shot}\n[failure] page errors: {pg.errors}"
            f"\n[failure] console errors: {pg.console_errors}"
            f"\n[failure] failed requests: {pg.failed_requests}\n[failure] blocked: {pg.blocked}"
        )
    ctx.close()


@pytest.fixture
def page(chromium_browser, request):
    """A fresh offline page; on failure, saves shots/FAILED-<test>.png and prints JS errors."""
    ctx, pg = _new_page(chromium_browser, request)
    yield pg
    _finish_page(ctx, pg, request)


@pytest.fixture
def touch_page(chromium_browser, request):
    """Like `page`, in a touch-enabled context (has_touch=True)."""
    ctx, pg = _new_page(chromium_browser, request, has_touch=True, is_mobile=False)
    yield pg
    _finish_page(ctx, pg, request)


@pytest.fixture(scope="session")
def harness_server():
    """Base URL of `python -m http.server` on 127.0.0.1 serving the repository root.

    The harness page is at `/tests/e2e/harness/index.html`; it imports the built bundle from
    `/kanban_widget/static/widget.js` (run `npm run build` in js/ first).
    """
    if not BUNDLE.exists():
        pytest.fail(f"{BUNDLE} is missing: run `npm ci && npm run build` in js/ first")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(REPO)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            assert proc.poll() is None, "http.server exited"
            try:
                urllib.request.urlopen(f"{base}/tests/e2e/harness/index.html", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "http.server did not answer within 15 s"
                time.sleep(0.05)
        yield base
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def wait_visible(page, selector, timeout=15.0):
    """Wait until `selector` is visible; fail at once if the page throws meanwhile."""
    loc, deadline = page.locator(selector).first, time.monotonic() + timeout
    while True:
        if page.errors:
            raise AssertionError(f"JS error while waiting for {selector!r}: {page.errors}")
        if loc.count() and loc.is_visible():
            return loc
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{selector!r} not visible after {timeout}s; console errors: {page.console_errors}"
            )
        page.wait_for_timeout(50)


NOW = 1764000000
HOUR = 3600
DAY = 86400


def sample_tasks():
    """A small board covering every card feature (badges, progress, staleness, links)."""
    return [
        {"id": "t_parent01", "title": "Parent epic", "status": "running", "assignee": "alice",
         "priority": 3, "tenant": "acme", "created_at": NOW - 5 * DAY, "status_since": NOW - 2 * HOUR,
         "started_at": NOW - 2 * HOUR},
        {"id": "t_child001", "title": "Child one", "status": "todo", "assignee": "bob",
         "created_at": NOW - 4 * DAY, "status_since": NOW - 40 * DAY},
        {"id": "t_child002", "title": "Child two", "status": "done", "assignee": "bob",
         "created_at": NOW - 4 * DAY, "status_since": NOW - DAY},
        {"id": "t_ready001", "title": "Ready and waiting", "status": "ready", "assignee": "carol",
         "priority": 1, "created_at": NOW - 3 * DAY, "status_since": NOW - 2 * HOUR},
        {"id": "t_ready002", "title": "Second ready", "status": "ready", "assignee": None,
         "created_at": NOW - 2 * DAY, "status_since": NOW - 30 * HOUR},
        {"id": "t_ready003", "title": "Third ready", "status": "ready", "assignee": "alice",
         "tenant": "globex", "created_at": NOW - DAY, "status_since": NOW - 60},
        {"id": "t_triage01", "title": "An idea", "status": "triage", "created_at": NOW - HOUR,
         "body": "Some **bold** idea with a [link](https://example.org)."},
        {"id": "t_block001", "title": "Stuck on access", "status": "blocked", "assignee": "dave",
         "created_at": NOW - 6 * DAY, "status_since": NOW - 3 * HOUR},
        {"id": "t_done0001", "title": "Finished thing", "status": "done", "assignee": "erin",
         "created_at": NOW - 9 * DAY, "status_since": NOW - 8 * DAY, "result": "All good"},
    ]


SAMPLE_LINKS = [["t_parent01", "t_child001"], ["t_parent01", "t_child002"]]


class Harness:
    """Drives tests/e2e/harness/index.html: boots boards backed by the in-page fake kernel."""

    def __init__(self, page, base):
        self.page, self.base = page, base

    def open(self):
        self.page.goto(f"{self.base}/tests/e2e/harness/index.html")
        self.page.wait_for_function("() => window.__harnessLoaded === true")

    def boot(self, *boards, check_errors=True):
        """Boot one board per spec ({tasks, links, comments, traits, kernel, generate})."""
        self.open()
        specs = list(boards) or [{"tasks": sample_tasks(), "links": SAMPLE_LINKS}]
        timings = self.page.evaluate("specs => window.__boot({boards: specs})", specs)
        err = self.page.evaluate("() => window.__error || null")
        assert err is None, err
        if check_errors:
            assert self.page.errors == [], self.page.errors
        return timings

    def root(self, index=0):
        return self.page.locator(f"#board-{index} [data-kanban-root]").first

    def card(self, task_id, index=0):
        return self.root(index).locator(f'[data-task-id="{task_id}"]')

    def column(self, status, index=0):
        return self.root(index).locator(f'[data-column="{status}"]')

    def card_status(self, task_id, index=0):
        return self.card(task_id, index).get_attribute("data-status")

    def sent(self, index=0, type_=None):
        msgs = self.page.evaluate("i => window.__boards[i].model.sent", index)
        return [m for m in msgs if type_ is None or m.get("type") == type_]

    def saved(self, index=0):
        return self.page.evaluate("i => window.__boards[i].model.saved", index)

    def trait(self, name, index=0):
        return self.page.evaluate("([i, n]) => window.__boards[i].model.get(n)", [index, name])

    def py_update(self, name, value, index=0):
        self.page.evaluate("([i, n, v]) => window.__boards[i].model.pyUpdate(n, v)", [index, name, value])

    def kernel(self, js, index=0):
        """Evaluate `js` (an expression over `k`, the fake kernel) in the page."""
        return self.page.evaluate(f"i => {{ const k = window.__boards[i].kernel; return ({js}); }}", index)

    def shot(self, name):
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def harness(page, harness_server):
    """A Harness on a fresh page."""
    return Harness(page, harness_server)


@pytest.fixture
def touch_harness(touch_page, harness_server):
    """A Harness on a touch-enabled page."""
    return Harness(touch_page, harness_server)
