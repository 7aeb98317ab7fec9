import { afterEach, describe, expect, it, vi } from "vitest";
import { createBoardStore } from "../src/board-model.js";
import { board, card, fakeModel, tick } from "./helpers.js";

function setup(cards = [card("a", { status: "ready" }), card("b", { status: "todo" })], opts) {
  const model = fakeModel({ _board: board(cards), read_only: false });
  const store = createBoardStore(model, opts);
  return { model, store };
}

const reply = (model, i, body) => model.pyCustom({ type: "reply", id: model.sent[i].id, ...body });

afterEach(() => vi.useRealTimers());

describe("live patches", () => {
  it("applies patches in rev order and tells drawers what was touched", () => {
    const { model, store } = setup();
    const touched = [];
    store.onTouched((ids) => touched.push([...ids]));
    model.pyCustom({ type: "patch", rev: 2, upserts: [card("a", { status: "running" })], removes: [], touched: ["a"] });
    expect(store.board.rev).toBe(2);
    expect(store.getCard("a").status).toBe("running");
    expect(touched).toEqual([["a"]]);
  });

  it("asks for a resync on a gap, once, and ignores stale patches", () => {
    const { model, store } = setup();
    model.pyCustom({ type: "patch", rev: 4, upserts: [card("a", { status: "done" })] });
    model.pyCustom({ type: "patch", rev: 5, upserts: [] });
    expect(store.board.rev).toBe(1);
    expect(store.getCard("a").status).toBe("ready");
    expect(model.sent.filter((m) => m.type === "resync")).toHaveLength(1);
    expect(typeof model.sent[0].id).toBe("string");
    model.pyCustom({ type: "patch", rev: 1, upserts: [card("a", { status: "done" })] });
    expect(store.getCard("a").status).toBe("ready");
    // Python answers the resync with a new _board: the state is replaced
    model.pyUpdate("_board", board([card("a", { status: "done" })], { rev: 5 }));
    expect(store.board.rev).toBe(5);
    expect(store.getCard("b")).toBeNull();
    model.pyCustom({ type: "patch", rev: 6, upserts: [card("b")] });
    expect(store.getCard("b")).not.toBeNull();
  });
});

describe("optimistic moves", () => {
  it("shows the move at once and keeps it when Python agrees", async () => {
    const { model, store } = setup();
    const done = store.move("a", "running");
    expect(store.getCard("a").status).toBe("running");
    expect(model.sent[0]).toMatchObject({ type: "move", task_id: "a", status: "running" });
    reply(model, 0, { ok: true, result: { card: card("a", { status: "running" }) } });
    expect((await done).ok).toBe(true);
    // answered: no longer marked pending; the server's patch then settles it
    expect(store.getCard("a")).toMatchObject({ status: "running", pending: false });
    model.pyCustom({ type: "patch", rev: 2, upserts: [card("a", { status: "running" })], touched: ["a"] });
    expect(store.pending.size).toBe(0);
    expect(store.getCard("a").status).toBe("running");
    expect(store.view).toBe(store.board); // nothing laid over the server's board any more
  });

  it("rolls back on an error reply and says why", async () => {
    const { model, store } = setup();
    const done = store.move("b", "ready");
    expect(store.getCard("b").status).toBe("ready");
    reply(model, 0, { ok: false, error: "parent t_x is still running", code: "InvalidTransition" });
    const r = await done;
    expect(r.ok).toBe(false);
    expect(store.getCard("b").status).toBe("todo");
    expect(store.notices.at(-1).text).toMatch(/Move to Ready failed \(b stays in Todo\): parent t_x is still running/);
  });

  it("rolls back when no reply comes in time", async () => {
    vi.useFakeTimers();
    const { store } = setup(undefined, { requestTimeoutMs: 1000 });
    const done = store.move("a", "done");
    expect(store.getCard("a").status).toBe("done");
    vi.advanceTimersByTime(1001);
    const r = await done;
    expect(r.code).toBe("Timeout");
    expect(store.getCard("a").status).toBe("ready");
  });

  it("keeps bulk successes until a patch confirms them; failures go back", async () => {
    const { model, store } = setup();
    const done = store.bulk(["a", "b"], "move", "done");
    expect(store.getCard("a").status).toBe("done");
    expect(store.getCard("b").status).toBe("done");
    reply(model, 0, { ok: true, result: { results: [{ task_id: "a", ok: true }, { task_id: "b", ok: false, error: "no" }] } });
    await done;
    expect(store.getCard("a").status).toBe("done");
    expect(store.getCard("b").status).toBe("todo");
    model.pyCustom({ type: "patch", rev: 2, upserts: [card("a", { status: "done" })], touched: ["a"] });
    expect(store.pending.size).toBe(0);
    expect(store.getCard("a").status).toBe("done");
  });

  it("sends a group as one bulk request; each failed card goes back to its own column", async () => {
    const { model, store } = setup([
      card("a", { status: "ready" }), card("b", { status: "todo" }), card("c", { status: "triage" }),
    ]);
    const done = store.bulk(["a", "b", "c"], "move", "running");
    expect(["a", "b", "c"].map((id) => store.getCard(id).status)).toEqual(["running", "running", "running"]);
    expect(model.sent).toHaveLength(1);
    expect(model.sent[0]).toMatchObject({ type: "bulk", task_ids: ["a", "b", "c"], action: "move", value: "running" });
    reply(model, 0, { ok: true, result: { results: [
      { task_id: "a", ok: false, error: "no" }, { task_id: "b", ok: true }, { task_id: "c", ok: false, error: "no" },
    ] } });
    await done;
    expect(["a", "b", "c"].map((id) => store.getCard(id).status)).toEqual(["ready", "running", "triage"]);
    expect(store.notices).toEqual([]); // per-card failures are the caller's report, not a banner notice
  });

  it("a whole failed bulk puts every card back, except one moved again meanwhile", async () => {
    const { model, store } = setup();
    const first = store.bulk(["a", "b"], "move", "running");
    const second = store.move("a", "review");
    reply(model, 0, { ok: false, error: "busy", code: "BoardBusy" });
    await first;
    expect(store.getCard("a").status).toBe("review");
    expect(store.getCard("b").status).toBe("todo");
    expect(store.notices.map((n) => n.text)).toEqual(["Bulk move failed: busy"]);
    reply(model, 1, { ok: true, result: { card: card("a", { status: "review" }) } });
    await second;
  });

  it("refuses writes locally on a read-only board", async () => {
    const { model, store } = setup();
    model.state.read_only = true;
    const r = await store.move("a", "done");
    expect(r).toMatchObject({ ok: false, code: "ReadOnlyBoard" });
    expect(model.sent.filter((m) => m.type === "move")).toHaveLength(0);
    expect(store.getCard("a").status).toBe("ready");
  });

  it("uses unique request ids and matches replies by id", async () => {
    const { model, store } = setup();
    const p1 = store.request("detail", { task_id: "a" });
    const p2 = store.request("detail", { task_id: "b" });
    expect(model.sent[0].id).not.toBe(model.sent[1].id);
    reply(model, 1, { ok: true, result: { which: 2 } });
    reply(model, 0, { ok: true, result: { which: 1 } });
    expect((await p1).result.which).toBe(1);
    expect((await p2).result.which).toBe(2);
  });
});

describe("lifecycle", () => {
  it("drops its model listeners on dispose", async () => {
    const { model, store } = setup();
    expect(model.listenerCount()).toBe(2);
    const pending = store.request("detail", { task_id: "a" });
    store.dispose();
    expect(model.listenerCount()).toBe(0);
    expect((await pending).ok).toBe(false);
    await tick();
  });

  it("reports a malformed board instead of throwing", () => {
    const model = fakeModel({ _board: { cards: 3 } });
    const store = createBoardStore(model);
    expect(store.board).toBeNull();
    expect(store.loadError.message).toMatch(/list of cards/);
  });
});

describe("windows", () => {
  it("keeps Python's counts from the snapshot and the patches, and asks for more and for ids", () => {
    const model = fakeModel({ _board: { ...board([card("a")]), counts: { ready: 120 } }, read_only: false });
    const store = createBoardStore(model);
    expect(store.counts.columns.get("ready")).toBe(120);
    model.pyCustom({ type: "patch", rev: 2, upserts: [card("b", { status: "blocked" })], removes: ["a"],
      counts: { ready: 119, blocked: 1 } });
    expect([...store.counts.columns]).toEqual([["ready", 119], ["blocked", 1]]);
    expect(store.getCard("a")).toBeNull(); // left the window: the page no longer holds it
    store.more("ready");
    store.more("ready", "ann");
    store.columnIds("ready");
    expect(model.sent.map(({ type, column, lane }) => [type, column, lane])).toEqual([
      ["more", "ready", undefined], ["more", "ready", "ann"], ["ids", "ready", undefined]]);
    // a snapshot without counts (an older kernel): the held cards are the counts
    model.pyUpdate("_board", board([card("a")], { rev: 9 }));
    expect(store.counts.known).toBe(false);
  });
});
