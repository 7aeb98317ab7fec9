"""Realistic demo boards: tenants, agents and people, chains and fan-ins, weeks of history.

Example::

    from kanban_widget.demo import build_demo
    build_demo("demo.db")                        # 300 tasks, six weeks of history, ending now
    build_demo("big.db", tasks=100_000, seed=3)  # the same kind of board, larger

The history is not invented rows: a small event-driven simulation replays weeks of work
through the real :class:`Store` verbs (create, claim, heartbeat, block, unblock, review,
complete, reopen, archive, comment, link, reassign, reprioritise, stale-claim release) with a
simulated clock, so every event, timestamp and side effect is what the store itself writes.
Verbs are grouped into a few large transactions (each verb nests as a savepoint), which keeps
100,000 tasks to a couple of minutes.

The result is deterministic for a seed and an end time (``now``), ids included.
"""

from __future__ import annotations

import heapq
import math
import os
import random
import time
from pathlib import Path
from typing import Callable, Optional

from .store import InvalidTransition, Store

MINUTE, HOUR, DAY = 60, 3600, 86400

TENANTS = ("acme", "globex", "initech")
#: Agent profiles (fast, parallel, on dispatcher hosts) and people (slower, on laptops).
AGENTS = ("hermes-coder", "hermes-research", "ops-agent", "qa-agent", "docs-agent")
PEOPLE = ("alice", "bob", "priya", "marco")
#: Who files work and comments on it without being assigned.
REPORTERS = ("alice", "bob", "priya", "marco", "pm-bot", "support-bot")

#: Claim TTL and heartbeat cadence: agents renew short claims often; people claim a working
#: session and renew it a few times a day. Healthy workers renew well within the TTL.
AGENT_CLAIM = (40 * MINUTE, 25 * MINUTE)
PERSON_CLAIM = (8 * HOUR, 3 * HOUR)
FINAL_TTL = 4 * HOUR             # claims of the tasks running "now" outlive a demo session
COMMIT_EVERY = 5000              # actions per outer transaction

FEATURES = (
    "invoice export", "rate limiter", "dark mode", "CSV import", "audit log", "webhook retries",
    "search ranking", "onboarding flow", "SAML login", "usage metering", "PDF reports",
    "cache invalidation", "push notifications", "data retention", "bulk edit", "API keys",
    "billing portal", "role permissions", "status page", "email digests", "event replay",
    "GraphQL gateway", "mobile offline mode", "payroll sync", "TPS report generator",
    "inventory forecast", "fraud scoring", "support inbox", "feature flags", "SLA alerts",
)
PARTS = ("API", "UI", "migrations", "tests", "docs", "metrics", "feature flag", "backfill")
COMPONENTS = ("auth service", "billing worker", "search index", "web app", "iOS app",
              "ingest pipeline", "scheduler", "notifications", "CI", "admin console")
BUGS = ("flaky test", "timezone bug", "memory leak", "N+1 query", "race condition",
        "off-by-one in pagination", "stale cache", "unicode crash", "deadlock", "slow query")
SYMPTOMS = ("p95 latency spike on /search", "502s from the gateway", "duplicate emails",
            "missing invoices for EU customers", "nightly job timing out", "login loops on Safari",
            "disk filling up on db-2", "webhooks delivered twice", "wrong totals in reports")
DEPS = ("openssl", "django", "react", "pandas", "postgres driver", "node", "terraform", "sqlite")
RESULTS = (
    "Merged PR #{n}; tests pass.", "Deployed to staging, canary looks clean.",
    "Fixed in {sha}; added a regression test.", "Report written: docs/{slug}.md",
    "Done: {n} files changed, CI green.", "Shipped behind a flag, rolling out to 10%.",
    "Root cause found and fixed ({sha}).", "Benchmark: {pct}% faster than before.",
)
BLOCK_REASONS = (
    "waiting for API credentials from {tenant}", "needs design sign-off",
    "upstream bug in {dep}", "CI is red on main", "rate limited by the provider",
    "question for {person}: which {part} do we keep?", "staging is down",
    "waiting on a security review",
)
COMMENTS = (
    "Picked this up.", "Looks like the root cause is the {component}.",
    "PR is up for review: #{n}.", "@{person} can you take a look?", "Added repro steps.",
    "Ran the benchmark: {pct}% faster.", "This overlaps with the {feature} work.",
    "Customer {tenant} asked about this again.", "Splitting the {part} part out.",
    "Tests are green locally, CI pending.", "Bumping this: it blocks the release.",
    "I'd keep the scope small here.", "Logs attached in the ticket thread.",
)
REOPEN_REASONS = ("regression found in production", "the fix missed the {part}",
                  "customer {tenant} still sees it", "tests were flaky, not fixed")
CHANGES_REQUESTED = ("Changes requested: please add tests for the {part}.",
                     "Changes requested: the {component} part needs another look.",
                     "Changes requested: split this into smaller PRs.")


class _Clock:
    """The simulated clock the store reads (``Store(..., clock=clock)``)."""

    def __init__(self, t: int):
        self.t = t

    def __call__(self) -> float:
        return self.t


class _DemoStore(Store):
    """A Store whose new task ids come from a seeded generator, so a seed gives the same ids,
    and whose connection keeps a large board's pages in memory while it is written.

    Ids keep the store's format (``t_`` + 8 hex) and its collision check.
    """

    def __init__(self, path, *, id_seed: int, **kwargs):
        self._id_rng = random.Random(id_seed)
        super().__init__(path, **kwargs)

    def status_of(self, task_id: str) -> Optional[str]:
        """Just the status of a task (the simulation asks often; a full Task is not needed)."""
        row = self._query("SELECT status FROM tasks WHERE id = ?", (task_id,))
        return row[0][0] if row else None

    def _connect(self):
        conn = super()._connect()
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: a large board stays in memory
        return conn

    def _new_id(self) -> str:
        while True:
            task_id = f"t_{self._id_rng.getrandbits(32):08x}"
            if not self._conn.execute("SELECT 1 FROM tasks WHERE id = ?", (task_id,)).fetchone():
                return task_id


class _Plan:
    """One task to write: what it is, when it is filed, and how its work will go."""

    __slots__ = ("index", "title", "body", "tenant", "assignee", "priority", "parents",
                 "children", "triage", "created", "created_by", "backlog", "late_parent")

    def __init__(self, index: int, **fields):
        self.index = index
        self.children: list[int] = []
        self.late_parent: Optional[int] = None
        for name, value in fields.items():
            setattr(self, name, value)


def build_demo(
    path: str | os.PathLike,
    *,
    tasks: int = 300,
    seed: int = 0,
    weeks: int = 6,
    progress: Optional[Callable[[int, int], None]] = None,
    now: Optional[float] = None,
) -> Path:
    """Write a demo board of ``tasks`` tasks with ``weeks`` weeks of history ending at ``now``.

    :param path: a new board file (it must not exist yet, or be empty)
    :param tasks: how many tasks to write (100,000 takes a couple of minutes)
    :param seed: the random seed; the same seed and ``now`` give the same board, ids included
    :param weeks: how far back the history starts
    :param progress: called as ``progress(tasks_written, tasks)`` now and then, and at the end
    :param now: where the history ends, in Unix seconds (default: the current time); tasks
        running at the end hold claims that stay valid for hours after it
    :returns: the board's path

    Raises FileExistsError when ``path`` already holds data, ValueError for bad sizes.
    """
    path = Path(path)
    if tasks < 1 or weeks < 1:
        raise ValueError(f"tasks and weeks must be at least 1 (got tasks={tasks}, weeks={weeks})")
    if path.exists() and path.stat().st_size > 0:
        raise FileExistsError(f"{path} already exists; remove it or pick another path for the demo")
    end = int(time.time() if now is None else now)
    start = end - weeks * 7 * DAY
    rng = random.Random(seed)
    plans = _plan_tasks(rng, tasks, start, end)
    clock = _Clock(start)
    store = _DemoStore(path, id_seed=rng.getrandbits(64), clock=clock)
    try:
        _Simulation(store, clock, rng, plans, end, progress).run()
    finally:
        store.close()
    return path


# -- planning: what the board holds ----------------------------------------------------------


def _plan_tasks(rng: random.Random, total: int, start: int, end: int) -> list[_Plan]:
    """Projects of related tasks (chains, fan-outs, fan-ins, diamonds) and loose tasks, filed
    over the weeks with activity growing toward the end, ordered by filing time."""
    plans: list[_Plan] = []
    span = end - start
    while len(plans) < total:
        x = -0.5 + math.sqrt(0.25 + 2 * rng.random())  # density grows linearly toward the end
        t0 = _workday(rng, start + int(x * (span - 2 * HOUR)), end - 2 * HOUR)
        tenant = rng.choice(TENANTS) if rng.random() > 0.08 else None
        lead = rng.choice(AGENTS + PEOPLE)
        kind = rng.choices(("single", "chain", "fanout", "fanin", "diamond"),
                           weights=(45, 15, 15, 10, 15))[0]
        feature = rng.choice(FEATURES)
        shape = _project(rng, kind, feature)  # [(title, [parent positions])]
        shape = shape[: total - len(plans)]
        base = len(plans)
        t = t0
        for position, (title, parents) in enumerate(shape):
            if position:
                t += rng.randint(2 * MINUTE, 3 * HOUR)
            created = min(t, end - MINUTE - (len(shape) - position))
            assignee = None
            if rng.random() > 0.12:
                assignee = lead if rng.random() < 0.6 else rng.choice(AGENTS + PEOPLE)
            plan = _Plan(
                len(plans), title=title, tenant=tenant, assignee=assignee,
                body=_body(rng, title, feature, tenant),
                priority=rng.choices((0, 1, 2, 3, -1), weights=(68, 16, 8, 4, 4))[0],
                parents=[base + p for p in parents],
                triage=kind == "single" and rng.random() < 0.45,
                created=created, created_by=rng.choice(REPORTERS),
                backlog=rng.random() < 0.10,
            )
            plans.append(plan)
    plans.sort(key=lambda p: (p.created, p.index))
    order = {p.index: i for i, p in enumerate(plans)}
    for plan in plans:
        plan.parents = [order[p] for p in plan.parents]
        plan.late_parent = order[plan.late_parent] if plan.late_parent is not None else None
        plan.index = order[plan.index]
    for plan in plans:
        for parent in plan.parents:
            plans[parent].children.append(plan.index)
    # Fresh reports wait in triage: make sure the last days hold a few.
    fresh = sum(1 for p in plans if p.triage and p.created > end - 3 * DAY)
    want = max(3, round(total * 0.012)) - fresh
    for plan in reversed(plans):
        if want <= 0 or plan.created < end - 3 * DAY:
            break
        if not plan.parents and not plan.children and not plan.triage:
            plan.triage, want = True, want - 1
    # A few dependencies are discovered after the fact and linked later, always to a task filed
    # earlier (so no link can close a cycle).
    loose = [p for p in plans if not p.parents and not p.triage]
    for position, plan in enumerate(loose):
        if position and rng.random() < 0.06:
            plan.late_parent = rng.choice(loose[max(0, position - 40):position]).index
    return plans


def _project(rng: random.Random, kind: str, feature: str) -> list[tuple[str, list[int]]]:
    parts = rng.sample(PARTS, rng.randint(2, 5))
    if kind == "chain":
        steps = ["Spec the {f}", "Implement the {f}", "Test the {f}", "Roll out the {f}"]
        steps = steps[: rng.randint(3, 4)]
        return [(s.format(f=feature), [i - 1] if i else []) for i, s in enumerate(steps)]
    if kind == "fanout":
        return ([(f"Design the {feature}", [])]
                + [(f"Build the {feature}: {part}", [0]) for part in parts])
    if kind == "fanin":
        return ([(f"Investigate {rng.choice(SYMPTOMS)} ({part})", []) for part in parts]
                + [(f"Write up findings on the {feature}", list(range(len(parts))))])
    if kind == "diamond":
        return ([(f"Plan the {feature}", [])]
                + [(f"Build the {feature}: {part}", [0]) for part in parts]
                + [(f"Release the {feature}", list(range(1, len(parts) + 1)))])
    return [(_loose_title(rng, feature), [])]


def _loose_title(rng: random.Random, feature: str) -> str:
    return rng.choice((
        f"Fix {rng.choice(BUGS)} in the {rng.choice(COMPONENTS)}",
        f"Bump {rng.choice(DEPS)} to the latest release",
        f"Investigate {rng.choice(SYMPTOMS)}",
        f"Document the {feature}",
        f"Add metrics to the {rng.choice(COMPONENTS)}",
        f"Refactor the {rng.choice(COMPONENTS)}",
        f"Customer request: {feature} improvements",
    ))


def _body(rng: random.Random, title: str, feature: str, tenant: Optional[str]) -> Optional[str]:
    if rng.random() < 0.2:
        return None
    lines = [f"{title}.", ""]
    if tenant:
        lines.append(f"Requested by **{tenant}**; part of the {feature} work.")
    if rng.random() < 0.5:
        lines += ["", "Acceptance:"] + [f"- [ ] {p} covered" for p in rng.sample(PARTS, 2)]
    if rng.random() < 0.3:
        lines += ["", f"See `{rng.choice(COMPONENTS).replace(' ', '_')}/README.md`."]
    return "\n".join(lines).strip()


def _workday(rng: random.Random, t: int, latest: int) -> int:
    """Most work is filed on weekdays: move three quarters of weekend times to Monday."""
    weekday = time.gmtime(t).tm_wday
    if weekday >= 5 and rng.random() < 0.75:
        monday = t - t % DAY + (7 - weekday) * DAY + 8 * HOUR + rng.randint(0, 9 * HOUR)
        if monday < latest:
            return monday
    return t


def _fill(rng: random.Random, template: str, tenant: Optional[str] = None) -> str:
    """The template with its placeholders drawn at random (only the ones it uses)."""
    return template.format_map(_Placeholders(rng, tenant))


class _Placeholders(dict):
    """Draws a value for each placeholder a template asks for, when it asks."""

    def __init__(self, rng: random.Random, tenant: Optional[str]):
        super().__init__()
        self.rng, self.tenant = rng, tenant

    def __missing__(self, key: str) -> str:
        rng = self.rng
        value = {
            "n": lambda: str(rng.randint(100, 9999)),
            "sha": lambda: f"{rng.getrandbits(28):07x}",
            "pct": lambda: str(rng.randint(5, 60)),
            "slug": lambda: rng.choice(FEATURES).replace(" ", "-"),
            "tenant": lambda: self.tenant or rng.choice(TENANTS),
            "dep": lambda: rng.choice(DEPS),
            "person": lambda: rng.choice(PEOPLE),
            "part": lambda: rng.choice(PARTS).lower(),
            "component": lambda: rng.choice(COMPONENTS),
            "feature": lambda: rng.choice(FEATURES),
        }[key]()
        self[key] = value
        return value


# -- simulation: how the work went -----------------------------------------------------------


class _Simulation:
    """Replays the planned board's life through the store's verbs, in time order."""

    def __init__(self, store: Store, clock: _Clock, rng: random.Random, plans: list[_Plan],
                 end: int, progress):
        self.store, self.clock, self.rng, self.plans, self.end = store, clock, rng, plans, end
        self.progress = progress
        self.ids: list[Optional[str]] = [None] * len(plans)
        self.token = [0] * len(plans)       # bumped when a task's pending lifecycle is replaced
        self.locks: dict[int, str] = {}     # claims held, by task index
        self.until: dict[int, int] = {}     # when each current run will end
        self.dead: set[int] = set()         # claims whose worker died (left to expire)
        self.heap: list = []
        self.seq = 0
        self.created = 0

    # scheduling

    def at(self, t: float, action: str, index: int, *args) -> None:
        """Schedule ``action`` at time ``t`` (dropped when it falls after the end)."""
        t = int(t)
        if t <= self.end:
            self.seq += 1
            heapq.heappush(self.heap, (t, self.seq, action, index, args))

    def lifecycle(self, t: float, action: str, index: int, *args) -> None:
        """Schedule the next step of a task's work, cancelling any step pending for it."""
        self.token[index] += 1
        self.at(t, action, index, self.token[index], *args)

    def current(self, index: int, token: int) -> bool:
        return self.token[index] == token

    def run(self) -> None:
        plans = self.plans
        for plan in plans:
            self.at(plan.created, "create", plan.index)
        self.at(self.end - 150 * MINUTE, "present", 0)
        step = max(1, len(plans) // 100)
        while self.heap:
            with self.store.atomic():
                for _ in range(COMMIT_EVERY):
                    if not self.heap:
                        break
                    t, _, action, index, args = heapq.heappop(self.heap)
                    self.clock.t = t
                    getattr(self, "_" + action)(index, *args)
                    if action == "create" and self.progress and self.created % step == 0:
                        self.progress(self.created, len(plans))
        self.clock.t = self.end
        with self.store.atomic():
            for task in self.store.list_tasks(status="running"):
                self.store.heartbeat_claim(task.id, ttl_seconds=FINAL_TTL, claimer=task.claim_lock)
        if self.progress:
            self.progress(len(plans), len(plans))

    # helpers

    def status(self, index: int) -> Optional[str]:
        return self.store.status_of(self.ids[index])

    def comment(self, index: int, author: Optional[str], template: str) -> None:
        plan = self.plans[index]
        self.store.add_comment(self.ids[index], author or self.rng.choice(REPORTERS),
                               _fill(self.rng, template, plan.tenant))

    def pickup_later(self, index: int, *, soon: bool = False) -> None:
        """A ready task waits in the queue, then someone starts it (backlog waits forever)."""
        plan, rng = self.plans[index], self.rng
        if plan.backlog and not soon:
            return
        mean = {3: 1 * HOUR, 2: 3 * HOUR, 1: 8 * HOUR, 0: 20 * HOUR, -1: 3 * DAY}[plan.priority]
        if plan.assignee in AGENTS:
            mean *= 0.6
        if soon:
            mean = min(mean, 2 * HOUR)
        self.lifecycle(self.clock.t + MINUTE + rng.expovariate(1 / mean), "pickup", index)

    def children_ready(self, index: int) -> None:
        """After a task is done or archived the store promotes its children: queue them."""
        for child in self.plans[index].children:
            if self.ids[child] and self.status(child) == "ready":
                self.pickup_later(child)

    def duration(self, index: int) -> int:
        person = self.plans[index].assignee in PEOPLE
        median = 5 * HOUR if person else 90 * MINUTE
        return int(min(median * math.exp(self.rng.gauss(0, 0.85)), (4 if person else 2) * DAY))

    # actions

    def _create(self, index: int) -> None:
        plan, rng = self.plans[index], self.rng
        task_id = self.store.create_task(
            plan.title, body=plan.body, assignee=plan.assignee, tenant=plan.tenant,
            priority=plan.priority, parents=[self.ids[p] for p in plan.parents],
            triage=plan.triage, created_by=plan.created_by)
        self.ids[index] = task_id
        self.created += 1
        now = self.clock.t
        if plan.triage:
            self.lifecycle(now + rng.expovariate(1 / (1.5 * DAY)), "triage", index)
        elif self.status(index) == "ready":
            self.pickup_later(index)
        for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(40, 30, 16, 9, 5))[0]):
            self.at(now + rng.uniform(5 * MINUTE, 5 * DAY), "chatter", index)
        if rng.random() < 0.06:
            self.at(now + rng.uniform(HOUR, 4 * DAY), "reprioritize", index)
        if plan.late_parent is not None:
            self.at(now + rng.uniform(10 * MINUTE, 2 * DAY), "link", index)

    def _triage(self, index: int, token: int) -> None:
        if not self.current(index, token) or self.status(index) != "triage":
            return
        plan, rng, store, task_id = self.plans[index], self.rng, self.store, self.ids[index]
        roll = rng.random()
        if roll < 0.2:
            self.comment(index, None, "Won't do: duplicate of the {feature} work.")
            store.archive_task(task_id)
            return
        if roll < 0.45:
            return  # nobody has looked at it yet
        if not plan.assignee and rng.random() < 0.7:
            plan.assignee = rng.choice(AGENTS + PEOPLE)
            store.assign_task(task_id, plan.assignee)
        store.move_task(task_id, "ready")
        self.pickup_later(index)

    def _pickup(self, index: int, token: int, forced: Optional[str] = None) -> None:
        if not self.current(index, token):
            return
        plan, rng, store, task_id = self.plans[index], self.rng, self.store, self.ids[index]
        task = store.get_task(task_id)
        if task.status != "ready" or task.claim_lock:
            return
        if not task.assignee:
            if not forced and rng.random() < 0.4:
                return  # unassigned work waits until someone takes it
            plan.assignee = rng.choice(AGENTS + PEOPLE)
            store.assign_task(task_id, plan.assignee)
        elif not forced and rng.random() < 0.04:
            plan.assignee = rng.choice([a for a in AGENTS + PEOPLE if a != task.assignee])
            store.assign_task(task_id, plan.assignee)
        if plan.assignee in PEOPLE:
            host = f"{plan.assignee}-laptop"
        else:
            host = f"dispatch-{rng.randint(1, 3)}"
        lock = f"{host}:{rng.randint(1000, 65000)}"
        ttl, every = PERSON_CLAIM if plan.assignee in PEOPLE else AGENT_CLAIM
        if store.claim_task(task_id, ttl_seconds=ttl, claimer=lock) is None:
            return
        self.locks[index] = lock
        now = self.clock.t
        dur = self.duration(index)
        roll = rng.random()
        if forced == "running":
            dur, roll = self.end - now + rng.randint(HOUR, 6 * HOUR), 1.0
        elif forced == "blocked":
            dur, roll = rng.randint(10 * MINUTE, HOUR), 0.07
        if roll < 0.05:
            outcome, dur = "die", int(dur * rng.uniform(0.1, 0.9))
        elif roll < 0.13:
            outcome, dur = "block", int(dur * rng.uniform(0.1, 0.7))
        elif roll < 0.19:
            outcome = "review"
        else:
            outcome = "complete"
        self.token[index] += 1
        token = self.token[index]
        beat = now + every + rng.randint(-3 * MINUTE, 3 * MINUTE)
        while beat < now + dur:
            self.at(beat, "heartbeat", index, token)
            beat += every + rng.randint(-3 * MINUTE, 3 * MINUTE)
        self.until[index] = now + dur
        self.at(now + dur, "finish", index, token, outcome, forced == "blocked")

    def _heartbeat(self, index: int, token: int) -> None:
        if self.current(index, token):
            ttl = PERSON_CLAIM[0] if self.plans[index].assignee in PEOPLE else AGENT_CLAIM[0]
            self.store.heartbeat_claim(self.ids[index], ttl_seconds=ttl,
                                       claimer=self.locks[index])

    def _finish(self, index: int, token: int, outcome: str, stay_blocked: bool) -> None:
        if not self.current(index, token) or self.status(index) != "running":
            return
        plan, rng, store, task_id = self.plans[index], self.rng, self.store, self.ids[index]
        now = self.clock.t
        self.token[index] += 1
        if outcome == "die":
            # The worker vanished: its claim expires and the next dispatcher tick takes it back.
            self.dead.add(index)
            expires = store.get_task(task_id).claim_expires
            self.at(expires + rng.randint(MINUTE, 10 * MINUTE), "reap", index)
            return
        self.locks.pop(index, None)
        if outcome == "block":
            reason = _fill(rng, rng.choice(BLOCK_REASONS), plan.tenant)
            store.add_comment(task_id, plan.assignee, f"BLOCKED: {reason}")
            store.block_task(task_id, reason=reason)
            if not stay_blocked and rng.random() < 0.85:
                self.lifecycle(now + rng.expovariate(1 / (1.2 * DAY)), "unblock", index)
        elif outcome == "review":
            store.add_comment(task_id, plan.assignee, _fill(rng, "Ready for review: PR #{n}."))
            store.move_task(task_id, "review")
            self.lifecycle(now + rng.expovariate(1 / (14 * HOUR)), "review", index)
        else:
            store.complete_task(task_id, result=_fill(rng, rng.choice(RESULTS), plan.tenant))
            self.after_done(index)

    def after_done(self, index: int) -> None:
        rng, now = self.rng, self.clock.t
        self.children_ready(index)
        roll = rng.random()
        if roll < 0.05:
            self.lifecycle(now + rng.uniform(12 * HOUR, 5 * DAY), "reopen", index)
        elif roll < 0.13:
            self.lifecycle(now + rng.uniform(2 * DAY, 10 * DAY), "archive", index)

    def _reap(self, index: int) -> None:
        if index not in self.dead:
            return
        self.store.release_stale_claims()
        for other in sorted(self.dead):
            status = self.status(other)
            if status != "running":
                self.dead.discard(other)
                self.locks.pop(other, None)
                if status == "ready":
                    self.pickup_later(other, soon=True)

    def _unblock(self, index: int, token: int) -> None:
        if not self.current(index, token) or self.status(index) != "blocked":
            return
        self.comment(index, self.plans[index].assignee, "Unblocked: {person} sorted it out.")
        self.store.unblock_task(self.ids[index])
        if self.status(index) == "ready":
            self.pickup_later(index, soon=True)

    def _review(self, index: int, token: int) -> None:
        if not self.current(index, token) or self.status(index) != "review":
            return
        plan, rng, store, task_id = self.plans[index], self.rng, self.store, self.ids[index]
        reviewer = rng.choice([p for p in PEOPLE if p != plan.assignee])
        if rng.random() < 0.75:
            self.comment(index, reviewer, "LGTM, merging.")
            store.move_task(task_id, "done", result=_fill(rng, rng.choice(RESULTS), plan.tenant))
            self.after_done(index)
            return
        self.comment(index, reviewer, rng.choice(CHANGES_REQUESTED))
        try:
            store.move_task(task_id, "ready")
        except InvalidTransition:  # a parent was reopened meanwhile: wait for it again
            store.move_task(task_id, "todo")
            return
        self.pickup_later(index, soon=True)

    def _reopen(self, index: int, token: int) -> None:
        if not self.current(index, token) or self.status(index) != "done":
            return
        self.comment(index, None, "Reopening: " + self.rng.choice(REOPEN_REASONS))
        try:
            self.store.move_task(self.ids[index], "ready")
        except InvalidTransition:
            self.store.move_task(self.ids[index], "todo")
            return
        self.pickup_later(index, soon=True)

    def _archive(self, index: int, token: int) -> None:
        if self.current(index, token) and self.status(index) == "done":
            self.store.archive_task(self.ids[index])

    def _chatter(self, index: int) -> None:
        plan, rng = self.plans[index], self.rng
        if self.status(index) == "archived":
            return
        author = plan.assignee if plan.assignee and rng.random() < 0.5 else None
        self.comment(index, author, rng.choice(COMMENTS))
        if rng.random() < 0.08 and plan.body:
            plan.body += f"\n\nUpdate: {_fill(rng, rng.choice(COMMENTS), plan.tenant)}"
            self.store.update_task(self.ids[index], body=plan.body)

    def _reprioritize(self, index: int) -> None:
        plan = self.plans[index]
        if self.status(index) in ("done", "archived"):
            return
        plan.priority = max(-1, min(3, plan.priority + self.rng.choice((-1, 1, 1, 2))))
        self.store.update_task(self.ids[index], priority=plan.priority)

    def _link(self, index: int) -> None:
        plan = self.plans[index]
        parent = plan.late_parent
        if self.status(index) not in ("todo", "ready", "triage"):
            return
        if not self.store.link_tasks(self.ids[parent], self.ids[index]):
            return
        plan.parents.append(parent)
        self.plans[parent].children.append(index)
        if self.rng.random() < 0.25:  # on second thought, it did not depend on it
            self.at(self.clock.t + self.rng.uniform(HOUR, DAY), "unlink", index)

    def _unlink(self, index: int) -> None:
        plan = self.plans[index]
        parent = plan.late_parent
        was = self.status(index)
        if self.store.unlink_tasks(self.ids[parent], self.ids[index]):
            plan.parents.remove(parent)
            self.plans[parent].children.remove(index)
            if was == "todo" and self.status(index) == "ready":
                self.pickup_later(index)

    def _present(self, index: int) -> None:
        """Two and a half hours before the end: make sure the board shows work in flight."""
        store, rng, n = self.store, self.rng, len(self.plans)
        counts = {
            "running": sum(1 for i in self.locks
                           if i not in self.dead and self.until[i] > self.end),
            "blocked": len(store.list_tasks(status="blocked")),
        }
        ready = [t for t in store.list_tasks(status="ready") if not t.claim_lock]
        index_of = {task_id: i for i, task_id in enumerate(self.ids) if task_id}
        want = {"running": max(4, round(n * 0.02)), "blocked": max(3, round(n * 0.02))}
        for status in ("running", "blocked"):
            for _ in range(max(0, want[status] - counts[status])):
                if not ready:
                    return
                task = ready.pop(0)
                i = index_of[task.id]
                self.lifecycle(self.clock.t + rng.uniform(5 * MINUTE, 130 * MINUTE), "pickup", i,
                               status)
