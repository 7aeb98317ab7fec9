"""``kanban-widget api`` speaks Hermes' dashboard API: held to the real ``hermes dashboard``.

Two boards are made by the same ``hermes kanban`` commands (newest release of
``real_hermes.VERSIONS``); Hermes' dashboard serves one, ``kanban-widget api`` the other. The
same requests go to both, and every key Hermes answers with, at any depth, must be in our
answer with the same JSON type (a null on either side matches anything: the data differs, not
the shape). So Hermes' own front end and scripts, which read those keys, work against our
server. Our extra keys are allowed: they break no Hermes client.
"""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest
from websockets.sync.client import connect

from real_hermes import VERSIONS, Hermes
from server_harness import Server

pytestmark = pytest.mark.slow

#: Keys Hermes may send that this server does not, and why.
NOT_SENT = {
    # Hermes warns on create when no gateway runs to dispatch the task; this server dispatches
    # only with `kanban-widget dispatch` and has nothing to warn of.
    "warning",
}


def work(hermes: Hermes) -> dict[str, str]:
    """The same board on each side: a parent with a child and a comment, a blocked task, a
    done one, an archived one, each Hermes-made."""
    plan = hermes.create("Plan", "--assignee", "ann", "--priority", "2", "--tenant", "acme")
    child = hermes.create("Child", "--parent", plan)
    hermes.kanban("comment", plan, "looks good", "--author", "ann")
    blocked = hermes.create("Blocked one", "--assignee", "bo")
    hermes.kanban("block", blocked, "stuck")
    done = hermes.create("Done one")
    hermes.kanban("claim", done)
    hermes.kanban("complete", done, "--result", "ok")
    old = hermes.create("Old one")
    hermes.kanban("archive", old)
    return {"plan": plan, "child": child, "blocked": blocked, "done": done}


def last_event_id(path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT MAX(id) FROM task_events").fetchone()[0]


def json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def order_key(item):
    if isinstance(item, dict):
        return str(next((item[k] for k in ("title", "name", "body", "kind") if k in item), ""))
    return ""


def shape_differences(theirs, ours, where: str = "") -> list[str]:
    """Where ``ours`` lacks a key of ``theirs`` or holds another JSON type there."""
    if theirs is None or ours is None:
        return []
    if json_type(theirs) != json_type(ours):
        return [f"{where or 'the answer'}: Hermes sends {json_type(theirs)}, we send "
                f"{json_type(ours)} ({json.dumps(ours)[:80]})"]
    found = []
    if isinstance(theirs, dict):
        for key, value in theirs.items():
            if key not in ours:
                if key not in NOT_SENT:
                    found.append(f"{where}.{key}: missing (Hermes sends "
                                 f"{json.dumps(value)[:80]})")
                continue
            found += shape_differences(value, ours[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        if theirs and not ours:
            found.append(f"{where}: Hermes sends {len(theirs)} items, we send none")
        for i, (a, b) in enumerate(zip(sorted(theirs, key=order_key),
                                       sorted(ours, key=order_key))):
            found += shape_differences(a, b, f"{where}[{i}]")
    return found


@pytest.fixture(scope="module")
def sides(tmp_path_factory):
    """(Hermes' dashboard client, its tasks by name), (our server's client, its tasks)."""
    base = tmp_path_factory.mktemp("api")
    theirs, ours = Hermes(VERSIONS[-1], base / "theirs"), Hermes(VERSIONS[-1], base / "ours")
    their_tasks, our_tasks = work(theirs), work(ours)
    our_tasks["made by hermes"] = last_event_id(ours.db)
    server = Server(["--db", str(ours.db)])
    try:
        with theirs.dashboard() as served:
            client = httpx.Client(base_url=served.url, timeout=30,
                                  headers={"Authorization": f"Bearer {served.token}"})
            yield (client, their_tasks, served), (server.http, our_tasks, server)
            client.close()
    finally:
        server.stop()


# (method, path, keyword arguments of the request; "{name}" is that task's id on each side)
REQUESTS = [
    ("GET", "/board", {}),
    ("GET", "/board", {"params": {"include_archived": "true"}}),
    ("GET", "/board", {"params": {"tenant": "acme"}}),
    ("GET", "/tasks/{plan}", {}),
    ("GET", "/stats", {}),
    ("GET", "/assignees", {}),
    ("GET", "/config", {}),
    ("GET", "/tasks/{plan}/log", {}),
    ("GET", "/boards", {}),
    ("POST", "/tasks", {"json": {"title": "From a script", "assignee": "cy", "priority": 1}}),
    ("PATCH", "/tasks/{blocked}", {"json": {"status": "ready"}}),
    ("PATCH", "/tasks/{child}", {"json": {"title": "Child, renamed", "priority": 3}}),
    ("POST", "/tasks/{plan}/comments", {"json": {"body": "from a script", "author": "me"}}),
    ("POST", "/links", {"json": {"parent_id": "{done}", "child_id": "{blocked}"}}),
    ("DELETE", "/links", {"params": {"parent_id": "{done}", "child_id": "{blocked}"}}),
    ("POST", "/tasks/bulk", {"json": {"ids": ["{blocked}", "{child}"], "priority": 5}}),
    ("GET", "/tasks/t_00000000", {}),                             # 404
    ("PATCH", "/tasks/{plan}", {"json": {"status": "sideways"}}),   # 400
]


def filled(value, tasks: dict):
    """``value`` with each "{name}" replaced by that task's id."""
    if isinstance(value, str):
        return value.format(**tasks) if "{" in value else value
    if isinstance(value, list):
        return [filled(v, tasks) for v in value]
    if isinstance(value, dict):
        return {k: filled(v, tasks) for k, v in value.items()}
    return value


def test_every_route_answers_with_hermes_keys_and_types(sides):
    (theirs, their_tasks, _), (ours, our_tasks, _) = sides
    differences = []
    for method, path, options in REQUESTS:
        a = theirs.request(method, filled(path, their_tasks), **filled(options, their_tasks))
        b = ours.request(method, filled(path, our_tasks), **filled(options, our_tasks))
        name = f"{method} {path}"
        if a.status_code != b.status_code:
            differences.append(f"{name}: Hermes answers {a.status_code}, we {b.status_code} "
                               f"({b.text[:120]})")
        differences += [f"{name} {d}" for d in shape_differences(a.json(), b.json())]
    assert not differences, "\n".join(differences)


def test_the_events_socket_sends_hermes_batches(sides):
    (_, their_tasks, theirs), (_, our_tasks, ours) = sides
    batches = []
    for url, token in ((theirs.url, theirs.token), (ours.url, ours.token)):
        ws_url = url.replace("http://", "ws://") + f"/events?since=0&token={token}"
        with connect(ws_url, open_timeout=30) as socket:
            batches.append(json.loads(socket.recv(timeout=30)))
    # The events Hermes' CLI wrote on each side (events this server writes have the store's
    # payloads: the requests of the other test made some).
    made = our_tasks["made by hermes"]
    hermes_batch, our_batch = ({**batch, "events": batch["events"][:made]} for batch in batches)
    assert len(hermes_batch["events"]) == len(our_batch["events"]) == made
    differences = shape_differences(hermes_batch, our_batch)
    assert not differences, "\n".join(differences)


def test_cards_carry_the_workers_latest_summary_as_hermes_shows_it(sides):
    """Hermes keeps what a worker reported in its runs (``task_runs.summary``), not on the
    task; both servers read it for the cards and the drawer."""
    (theirs, their_tasks, _), (ours, our_tasks, _) = sides

    def summaries(client) -> dict:
        board = client.get("/board", params={"include_archived": "true"}).json()
        return {c["title"]: c["latest_summary"] for col in board["columns"]
                for c in col["tasks"]}

    hermes_says = summaries(theirs)
    assert hermes_says["Done one"] == "ok" and hermes_says["Blocked one"] is not None
    assert summaries(ours) == hermes_says
    for client, tasks in ((theirs, their_tasks), (ours, our_tasks)):
        assert client.get(f"/tasks/{tasks['done']}").json()["task"]["latest_summary"] == "ok"
