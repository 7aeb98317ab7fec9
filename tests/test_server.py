"""``kanban-widget api``: a real uvicorn server in a subprocess on loopback, over a real board
file that other processes (the CLI) write too. Auth, Hermes' shapes, our routes, live sockets,
and refusals that write nothing."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from kanban_widget import Store
from kanban_widget.server.inputs import MAX_BODY
from server_harness import API, TOKEN, Server, cli, next_message, serving

pytestmark = pytest.mark.slow

#: Hermes' card keys in ``GET /board`` (hermes-kanban.md 6.1): asdict(Task) + derived fields.
HERMES_CARD_KEYS = {"id", "title", "body", "assignee", "status", "priority", "created_by",
                    "created_at", "started_at", "completed_at", "workspace_kind",
                    "workspace_path", "claim_lock", "claim_expires", "tenant", "result",
                    "idempotency_key", "age", "link_counts", "comment_count", "progress"}
HERMES_EVENT_KEYS = {"id", "task_id", "run_id", "kind", "payload", "created_at"}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("served") / "kanban.db"
    with Store(path) as store:
        spec = store.create_task("Write the spec", assignee="alice", priority=2)
        store.create_task("Build it", parents=[spec], tenant="acme")
        store.add_comment(spec, "bob", "looks good")
    return path


@pytest.fixture(scope="module")
def server(db):
    with serving(db) as running:
        yield running


def last_event(db) -> int:
    with Store(db, read_only=True) as store:
        return store.board(include_archived=True).cursor


def task_ids(db) -> dict:
    with Store(db, read_only=True) as store:
        return {t.title: t.id for t in store.list_tasks(include_archived=True)}


# -- auth -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("GET", "/board"), ("GET", "/tasks/t_x"), ("POST", "/tasks"), ("PATCH", "/tasks/t_x"),
    ("POST", "/tasks/bulk"), ("POST", "/links"), ("DELETE", "/links"), ("POST", "/dispatch"),
    ("GET", "/config"), ("GET", "/stats"), ("GET", "/events"), ("GET", "/openapi.json"),
    ("GET", "/no-such-route")])
@pytest.mark.parametrize("header", [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}",
                                    f"Bearer {TOKEN}x"])
def test_every_route_needs_the_token(server, db, method, path, header):
    before = last_event(db)
    headers = {"Authorization": header} if header else {}
    response = httpx.request(method, server.url + path, headers=headers,
                             json={"title": "sneaky"} if method != "GET" else None)
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert "Authorization: Bearer" in response.json()["message"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert last_event(db) == before


@pytest.mark.parametrize("path", ["/events", "/patches"])
@pytest.mark.parametrize("token", [None, "wrong-token-0123456789abc"])
def test_sockets_without_the_token_are_closed_with_1008(server, path, token):
    with server.ws(path, token=token) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
    assert closed.value.rcvd.code == 1008
    assert "token" in closed.value.rcvd.reason


# -- Hermes' routes and shapes ----------------------------------------------------------------


def test_board_has_hermes_shape(server, db):
    board = server.http.get("/board").json()
    assert set(board) == {"columns", "tenants", "assignees", "latest_event_id", "now"}
    assert [c["name"] for c in board["columns"]] == [
        "triage", "todo", "scheduled", "ready", "running", "blocked", "review", "done"]
    cards = {c["title"]: c for col in board["columns"] for c in col["tasks"]}
    spec = cards["Write the spec"]
    assert HERMES_CARD_KEYS <= set(spec)
    assert set(spec["age"]) == {"created_age_seconds", "started_age_seconds",
                                "time_to_complete_seconds"}
    assert spec["link_counts"] == {"parents": 0, "children": 1}
    assert spec["comment_count"] == 1
    assert spec["progress"] == {"done": 0, "total": 1}
    assert cards["Build it"]["status"] == "todo"
    assert "acme" in board["tenants"] and "alice" in board["assignees"]
    assert board["latest_event_id"] == last_event(db)
    archived = server.http.get("/board", params={"include_archived": "true"}).json()
    assert archived["columns"][-1]["name"] == "archived"
    acme = server.http.get("/board", params={"tenant": "acme"}).json()
    assert [c["title"] for col in acme["columns"] for c in col["tasks"]] == ["Build it"]


def test_task_detail_has_hermes_shape(server, db):
    spec = task_ids(db)["Write the spec"]
    detail = server.http.get(f"/tasks/{spec}").json()
    assert set(detail) == {"task", "comments", "events", "attachments", "links",
                           "child_results", "runs"}
    assert [(c["title"], c["status"]) for c in detail["child_results"]] == [("Build it", "todo")]
    assert detail["task"]["id"] == spec and "age" in detail["task"]
    assert set(detail["comments"][0]) == {"id", "task_id", "author", "body", "created_at"}
    assert HERMES_EVENT_KEYS == set(detail["events"][0])
    assert detail["links"] == {"parents": [], "children": [task_ids(db)["Build it"]]}
    missing = server.http.get("/tasks/t_nope")
    assert missing.status_code == 404 and missing.json()["error"] == "TaskNotFound"
    assert "t_nope" in missing.json()["message"]
    log = server.http.get(f"/tasks/{spec}/log", params={"tail": 100000}).json()
    assert log == {"task_id": spec, "path": None, "exists": False, "size_bytes": 0,
                   "content": "", "truncated": False}
    assert server.http.get("/tasks/t_nope/log").status_code == 404


def test_create_patch_comment_link_unlink(server, db):
    created = server.http.post("/tasks", json={
        "title": "From the API", "assignee": "Carol", "priority": 5, "tenant": "acme",
        "parents": [], "triage": False, "skills": []})
    assert created.status_code == 200, created.text
    task = created.json()["task"]
    assert (task["title"], task["assignee"], task["status"], task["created_by"]) == (
        "From the API", "carol", "ready", "api")
    task_id = task["id"]

    patched = server.http.patch(f"/tasks/{task_id}", json={"title": "Renamed", "priority": 1,
                                                          "status": "blocked",
                                                          "block_reason": "waiting"})
    assert patched.status_code == 200, patched.text
    assert {k: patched.json()["task"][k] for k in ("title", "priority", "status")} == {
        "title": "Renamed", "priority": 1, "status": "blocked"}

    # a refused move leaves the edits of the same request unapplied (one transaction)
    spec = task_ids(db)["Write the spec"]
    build = task_ids(db)["Build it"]
    before = last_event(db)
    refused = server.http.patch(f"/tasks/{build}", json={"title": "Nope", "status": "ready"})
    assert refused.status_code == 409 and refused.json()["error"] == "InvalidTransition"
    assert spec in refused.json()["message"]
    assert last_event(db) == before

    comment = server.http.post(f"/tasks/{task_id}/comments", json={"body": "hello"})
    assert comment.json()["ok"] is True and isinstance(comment.json()["id"], int)
    blank = server.http.post(f"/tasks/{task_id}/comments", json={"body": "   "})
    assert blank.status_code == 400 and "body is required" in blank.json()["message"]

    linked = server.http.post("/links", json={"parent_id": spec, "child_id": task_id})
    assert linked.json() == {"ok": True, "linked": True}
    cycle = server.http.post("/links", json={"parent_id": task_id, "child_id": spec})
    assert cycle.status_code == 400 and cycle.json()["error"] == "CycleError"
    params = {"parent_id": spec, "child_id": task_id}
    assert server.http.delete("/links", params=params).json() == {"ok": True}
    assert server.http.delete("/links", params=params).json() == {"ok": False}
    missing = server.http.delete("/links", params={"parent_id": spec})
    assert missing.status_code == 400 and "child_id is required" in missing.json()["message"]


def test_bulk_reports_each_task(server, db):
    first = server.http.post("/tasks", json={"title": "bulk one"}).json()["task"]["id"]
    second = server.http.post("/tasks", json={"title": "bulk two"}).json()["task"]["id"]
    done = server.http.post("/tasks/bulk", json={"ids": [first, "t_missing", second],
                                                 "assignee": "dave", "priority": 7})
    results = done.json()["results"]
    assert [(r["id"], r["ok"]) for r in results] == [
        (first, True), ("t_missing", False), (second, True)]
    assert "t_missing" in results[1]["error"]
    with Store(db, read_only=True) as store:
        assert (store.get_task(first).assignee, store.get_task(first).priority) == ("dave", 7)
    archived = server.http.post("/tasks/bulk", json={"ids": [first], "archive": True})
    assert archived.json()["results"] == [{"id": first, "ok": True}]
    empty = server.http.post("/tasks/bulk", json={"ids": []})
    assert empty.status_code == 400 and "ids" in empty.json()["message"]


def test_dispatch_config_stats_assignees(server):
    dry = server.http.post("/dispatch", params={"dry_run": "true", "max": 3}).json()
    assert {"reclaimed", "promoted", "spawned", "skipped_unassigned", "failed",
            "auto_blocked", "dry_run"} <= set(dry) and dry["dry_run"] is True
    real = server.http.post("/dispatch")
    assert real.status_code == 409 and real.json()["error"] == "NoDispatcher"
    assert server.http.get("/config").json() == {
        "default_tenant": "", "lane_by_profile": True, "include_archived_by_default": False,
        "render_markdown": True}
    stats = server.http.get("/stats").json()
    assert set(stats) == {"by_status", "by_assignee", "oldest_ready_age_seconds", "now"}
    assert stats["by_assignee"]["alice"] == {"ready": 1}
    assert "archived" not in stats["by_status"]
    assert {"name": "alice", "on_disk": False, "counts": {"ready": 1}} in \
        server.http.get("/assignees").json()["assignees"]


# -- what our board needs besides --------------------------------------------------------------


def test_cards_by_id_and_column_windows(server, db):
    ids = task_ids(db)
    wanted = [ids["Build it"], "t_unknown", ids["Write the spec"]]
    cards = server.http.get("/cards", params={"ids": ",".join(wanted)}).json()
    assert [c["id"] for c in cards["cards"]] == [ids["Build it"], ids["Write the spec"]]
    assert cards["missing"] == ["t_unknown"]
    for n in range(3):
        server.http.post("/tasks", json={"title": f"window {n}", "priority": n})
    board = server.http.get("/board").json()
    ready = next(c["tasks"] for c in board["columns"] if c["name"] == "ready")
    assert len(ready) >= 3
    window = server.http.get("/columns/ready", params={"offset": 1, "limit": 2}).json()
    assert window["total"] == len(ready)
    assert [c["id"] for c in window["cards"]] == [c["id"] for c in ready[1:3]]
    acme = server.http.get("/columns/todo", params={"tenant": "acme"}).json()
    assert [c["title"] for c in acme["cards"]] == ["Build it"] and acme["total"] == 1
    bad = server.http.get("/columns/nowhere")
    assert bad.status_code == 400 and "unknown status" in bad.json()["message"]


def test_events_after_a_cursor(server, db):
    everything = server.http.get("/events", params={"since": 0, "limit": 1000}).json()
    assert everything["cursor"] == last_event(db)
    assert set(everything["events"][0]) == HERMES_EVENT_KEYS
    page = server.http.get("/events", params={"since": 1, "limit": 2}).json()
    assert [e["id"] for e in page["events"]] == [2, 3] and page["cursor"] == 3
    end = server.http.get("/events", params={"since": everything["cursor"]}).json()
    assert end == {"events": [], "cursor": everything["cursor"]}
    for params in ({"since": -1}, {"since": "x"}, {"limit": 0}, {"limit": 10**6}):
        assert server.http.get("/events", params=params).status_code == 400


def test_a_cli_write_reaches_both_sockets(server, db):
    snapshot = server.http.get("/snapshot").json()
    with server.ws("/patches", session=snapshot["session"], rev=snapshot["rev"]) as patches, \
            server.ws("/events", since=last_event(db)) as events:
        cli(db, "create", "Written by another process", "--assignee", "erin")
        patch = next_message(patches, until=lambda m: m.get("type") == "patch")
        assert patch["rev"] == snapshot["rev"] + 1
        assert [c["title"] for c in patch["upserts"]] == ["Written by another process"]
        batch = next_message(events, until=lambda m: bool(m["events"]))
        assert [e["kind"] for e in batch["events"]] == ["created"]
        assert batch["cursor"] == batch["events"][-1]["id"]
        # a write through the API travels the same way
        task_id = patch["upserts"][0]["id"]
        server.http.patch(f"/tasks/{task_id}", json={"priority": 9})
        moved = next_message(patches, until=lambda m: m.get("type") == "patch")
        assert moved["rev"] == patch["rev"] + 1 and moved["upserts"][0]["priority"] == 9


def test_patches_socket_sends_the_board_to_a_new_or_stale_client(server):
    with server.ws("/patches") as ws:
        board = json.loads(ws.recv(timeout=30))
    assert board["type"] == "board" and {"rev", "cursor", "cards", "columns", "session"} <= set(
        board)
    assert "path" not in board
    with server.ws("/patches", session="other", rev=board["rev"]) as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "board"


def test_unknown_board_on_a_one_file_server(server):
    response = server.http.get("/board", params={"board": "ops"})
    assert response.status_code == 400 and "one board file" in response.json()["message"]
    with server.ws("/events", board="ops") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
    assert closed.value.rcvd.code == 4400


def test_events_socket_reads_a_bad_since_as_zero_like_hermes(server):
    with server.ws("/events", since="abc") as ws:
        first = json.loads(ws.recv(timeout=30))
    assert first["events"][0]["id"] == 1


def test_a_held_write_lock_is_503_with_retry_after_and_writes_nothing(server, db):
    """Another process holds the board's write lock past the server's wait (5 s)."""
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); sys.stdin.readline()"),
        str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = last_event(db)
        response = server.http.post("/tasks", json={"title": "while locked"})
    finally:
        holder.communicate("\n", timeout=30)
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "BoardBusy"
    assert response.headers["retry-after"] == "1"
    assert last_event(db) == before
    assert "while locked" not in task_ids(db)


# -- refusals write nothing ---------------------------------------------------------------------


@pytest.mark.parametrize("method, path, body, status, words", [
    ("POST", "/tasks", b"{not json", 400, "not valid JSON"),
    ("POST", "/tasks", b"[1, 2]", 400, "JSON object, not an array"),
    ("POST", "/tasks", b"", 400, "needs a JSON object"),
    ("POST", "/tasks", {"title": "x", "tittle": "y"}, 400, "unknown field(s) 'tittle'"),
    ("POST", "/tasks", {"title": 5}, 400, "'title' must be a string"),
    ("POST", "/tasks", {"title": "x" * 501}, 400, "the limit is 500"),
    ("POST", "/tasks", {"title": "x", "priority": 2**63}, 400, "64-bit"),
    ("POST", "/tasks", {"title": "x", "priority": True}, 400, "whole number"),
    ("POST", "/tasks", {"title": "x", "parents": ["t_none"]}, 400, "unknown parent"),
    ("POST", "/tasks", {"title": "x", "skills": ["go"]}, 400, "skills is not stored"),
    ("POST", "/tasks", {"title": "\ud800"}, 400, "lone surrogate"),
    ("POST", "/tasks", {"title": "x", "body": "y" * (MAX_BODY + 10)}, 413, "1 MiB"),
    ("PATCH", "/tasks/{spec}", {}, 400, "nothing to change"),
    ("PATCH", "/tasks/{spec}", {"status": "sideways"}, 400, "unknown status"),
    ("PATCH", "/tasks/{spec}", {"title": ""}, 400, "title"),
    ("PATCH", "/tasks/{spec}", {"result": "r"}, 400, "go with a status"),
    ("PATCH", "/tasks/t_none", {"priority": 1}, 404, "t_none"),
    ("POST", "/tasks/bulk", {"ids": ["{spec}"]}, 400, "nothing to do"),
    ("POST", "/tasks/bulk", {"ids": "t_a"}, 400, "array of task ids"),
    ("POST", "/tasks/{spec}/comments", {"body": "x", "author": 3}, 400, "'author'"),
    ("POST", "/links", {"parent_id": "{spec}"}, 400, "child_id is required"),
    ("POST", "/links", {"parent_id": "{spec}", "child_id": "{spec}"}, 400, "itself"),
])
def test_bad_requests_get_json_errors_and_write_nothing(server, db, method, path, body,
                                                        status, words):
    spec = task_ids(db)["Write the spec"]
    before = last_event(db)
    path = path.replace("{spec}", spec)
    if isinstance(body, dict):
        body = json.dumps(body).replace("{spec}", spec).encode()
    response = server.http.request(method, path, content=body,
                                   headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    error = response.json()
    assert set(error) == {"error", "message", "detail"}     # detail: as Hermes (FastAPI) says
    assert words in error["message"] and error["detail"] == error["message"]
    assert last_event(db) == before


def test_a_body_declared_too_large_is_refused_before_it_is_read(server, db):
    before = last_event(db)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        raw.sendall((f"POST {API}/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {MAX_BODY + 1}\r\n\r\n{{").encode())
        head = b""
        while not head.endswith(b"}"):  # the status line, headers, then the JSON error
            chunk = raw.recv(65536)
            assert chunk, head
            head += chunk
        head = head.decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head
    assert '"error":"RequestTooLarge"' in head
    assert last_event(db) == before


# -- the kanban home's several boards -----------------------------------------------------------


def test_each_board_of_the_kanban_home(tmp_path):
    home = tmp_path / "hermes"
    home.mkdir()
    env = {"HERMES_KANBAN_HOME": str(home), "KANBAN_DB": "", "HERMES_KANBAN_DB": "",
           "HERMES_KANBAN_BOARD": ""}
    with Store(home / "kanban.db") as store:
        store.create_task("on default")
    Store.create_board("ops", root=home)
    with Store(home / "kanban" / "boards" / "ops" / "kanban.db") as store:
        store.create_task("on ops")
    running = Server([], env=env)
    try:
        def titles(**params):
            board = running.http.get("/board", params=params).json()
            return [c["title"] for col in board["columns"] for c in col["tasks"]]

        assert titles() == ["on default"]
        assert titles(board="ops") == ["on ops"]
        listed = running.http.get("/boards").json()
        assert [b["slug"] for b in listed["boards"]] == ["default", "ops"]
        assert listed["current"] == "default"
        unknown = running.http.get("/board", params={"board": "nope"})
        assert unknown.status_code == 404 and "ops" in unknown.json()["message"]
        bad = running.http.get("/board", params={"board": "../x"})
        assert bad.status_code == 400 and "slug" in bad.json()["message"]
        created = running.http.post("/tasks", params={"board": "ops"}, json={"title": "two"})
        assert created.status_code == 200
        assert sorted(titles(board="ops")) == ["on ops", "two"]
        counted = {b["slug"]: (b["counts"], b["total"], b["is_current"])
                   for b in running.http.get("/boards").json()["boards"]}
        assert counted == {"default": ({"ready": 1}, 1, True), "ops": ({"ready": 2}, 2, False)}
    finally:
        running.stop()
    on_ops = Server(["--board", "ops"], env=env)  # another default board
    try:
        board = on_ops.http.get("/board").json()
        assert sorted(c["title"] for col in board["columns"] for c in col["tasks"]) == [
            "on ops", "two"]
        assert on_ops.http.get("/boards").json()["current"] == "ops"
    finally:
        on_ops.stop()


# -- starting ----------------------------------------------------------------------------------


def run_cli(*args, env=None):
    import os
    return subprocess.run([sys.executable, "-m", "kanban_widget.cli", *args],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "KANBAN_TOKEN": "", **(env or {})})


def test_a_public_host_needs_an_explicit_token(db):
    done = run_cli("--db", str(db), "api", "--host", "0.0.0.0", "--port", "0",
                   env={"KANBAN_TOKEN": ""})
    assert done.returncode == 1
    assert "give the token yourself" in done.stderr and "ssh -L" in done.stderr


def test_a_short_token_is_refused(db):
    done = run_cli("--db", str(db), "api", "--port", "0", "--token", "short")
    assert done.returncode == 1 and "at least 16" in done.stderr


def test_a_generated_token_is_printed_and_works(db):
    import os
    proc = subprocess.Popen([sys.executable, "-m", "kanban_widget.cli", "--db", str(db), "api",
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "KANBAN_TOKEN": "",
                                            "PYTHONUNBUFFERED": "1"})
    try:
        url = proc.stdout.readline().split(" at ")[1].strip()
        token = proc.stdout.readline().split("Token: ")[1].strip()
        assert len(token) >= 40
        response = None
        for _ in range(600):
            try:
                response = httpx.get(url + "config", headers={"Authorization": f"Bearer {token}"})
                break
            except httpx.TransportError:
                import time
                time.sleep(0.05)
        assert response is not None and response.status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()


def test_without_the_extra_the_command_says_how_to_get_it(db):
    code = ("import sys; sys.modules['starlette'] = None; sys.modules['uvicorn'] = None; "
            "from kanban_widget.cli import main; main(['--db', sys.argv[1], 'api'])")
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert 'pip install "kanban-widget[server]"' in done.stderr


def test_a_client_that_reconnects_gets_exactly_what_it_missed(server, db):
    with server.ws("/patches") as ws:
        board = json.loads(ws.recv(timeout=30))
    # two changes while the client is away, from another process
    cli(db, "create", "Missed one")
    cli(db, "create", "Missed two")
    with server.ws("/events", since=board["cursor"]) as events:  # the events, for comparison
        missed_events = []
        while len(missed_events) < 2:
            missed_events += json.loads(events.recv(timeout=30))["events"]
    with server.ws("/patches", session=board["session"], rev=board["rev"]) as ws:
        seen, titles = [], []
        while not {"Missed one", "Missed two"} <= set(titles):
            message = json.loads(ws.recv(timeout=30))
            assert message["type"] == "patch", "a resumable client gets patches, not the board"
            seen.append(message["rev"])
            titles += [c["title"] for c in message["upserts"]]
    assert seen == list(range(board["rev"] + 1, board["rev"] + 1 + len(seen)))
    assert sorted(titles) == ["Missed one", "Missed two"]
    assert [e["kind"] for e in missed_events] == ["created", "created"]
