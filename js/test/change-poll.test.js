// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { createChangePoll, POLL_QUIET_MS, POLL_QUIET_TRUSTED_MS } from "../src/change-poll.js";
import { createBoardStore } from "../src/board-model.js";
import { board, card, fakeModel } from "./helpers.js";

afterEach(() => vi.useRealTimers());

/** A model whose Python answers every poll with `{rev}` (and records it), like widget.py. */
function setup({ rev = 3, answer = true } = {}) {
  vi.useFakeTimers();
  const model = fakeModel({ _board: board([card("t_1")], { rev }) });
  const polls = [];
  model.send = (m) => {
    model.sent.push(m);
    if (m.type !== "poll") return;
    polls.push(m);
    if (answer) setTimeout(() => model.pyCustom({ type: "reply", id: m.id, ok: true, result: { rev } }), 10);
  };
  const store = createBoardStore(model);
  const poll = createChangePoll(model, store);
  return { model, store, poll, polls };
}

function setHidden(hidden) {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
  document.dispatchEvent(new Event("visibilitychange"));
}

describe("the change poll", () => {
  afterEach(() => setHidden(false));

  it("asks with the page's revision after a quiet spell, and again after each answer", async () => {
    const { polls, poll } = setup({ rev: 7 });
    await vi.advanceTimersByTimeAsync(POLL_QUIET_MS - 100);
    expect(polls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(600);
    expect(polls).toHaveLength(1);
    expect(polls[0]).toMatchObject({ type: "poll", rev: 7 });
    expect(typeof polls[0].id).toBe("string");
    await vi.advanceTimersByTimeAsync(POLL_QUIET_MS + 600);
    expect(polls).toHaveLength(2);
    poll.dispose();
  });

  it("stays quiet while Python is talking", async () => {
    const { model, polls, poll } = setup();
    for (let t = 0; t < 10_000; t += 500) {
      model.pyCustom({ type: "reply", id: "other", ok: true, result: {} });
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(polls).toHaveLength(0);
    poll.dispose();
  });

  it("applies the patches Python sends back, so the page converges", async () => {
    const { model, store, poll } = setup({ rev: 3, answer: false });
    model.send = (m) => {
      model.sent.push(m);
      if (m.type === "poll" && m.rev === 3) {
        model.pyCustom({ type: "patch", rev: 4, cursor: 11, now: 0, upserts: [card("t_2")], removes: [], touched: ["t_2"] });
        model.pyCustom({ type: "reply", id: m.id, ok: true, result: { rev: 4 } });
      }
    };
    await vi.advanceTimersByTimeAsync(POLL_QUIET_MS + 500);
    expect(store.board.rev).toBe(4);
    expect(store.getCard("t_2")).not.toBeNull();
    expect(poll.trusted).toBe(false); // the patch answered a poll: it proves nothing
    poll.dispose();
  });

  it("keeps one poll out at a time when Python does not answer", async () => {
    const { polls, poll } = setup({ answer: false });
    await vi.advanceTimersByTimeAsync(POLL_QUIET_MS * 8);
    expect(polls).toHaveLength(1);
    poll.dispose();
  });

  it("does not ask while the page is hidden, and asks at once when it is shown or focused", async () => {
    const { polls, poll } = setup();
    setHidden(true);
    await vi.advanceTimersByTimeAsync(POLL_QUIET_MS * 4);
    expect(polls).toHaveLength(0);
    setHidden(false);
    expect(polls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20); // answered
    window.dispatchEvent(new Event("focus"));
    expect(polls).toHaveLength(2);
    poll.dispose();
  });

  it("slows to a safety net once a patch arrives unasked (the host delivers the thread's sends)", async () => {
    const { model, polls, poll } = setup({ rev: 3 });
    model.pyCustom({ type: "patch", rev: 4, cursor: 11, now: 0, upserts: [], removes: [], touched: [] });
    expect(poll.trusted).toBe(true);
    await vi.advanceTimersByTimeAsync(POLL_QUIET_MS * 4);
    expect(polls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(POLL_QUIET_TRUSTED_MS);
    expect(polls).toHaveLength(1);
    poll.dispose();
  });

  it("asks a trusting host's kernel at most once a minute while the board is quiet", async () => {
    const { model, polls, poll } = setup({ rev: 3 });
    model.pyCustom({ type: "patch", rev: 4, cursor: 11, now: 0, upserts: [], removes: [], touched: [] });
    await vi.advanceTimersByTimeAsync(59_000);
    expect(polls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(polls.length).toBeGreaterThanOrEqual(4);
    expect(polls.length).toBeLessThanOrEqual(5);
    poll.dispose();
  });

  it("asks for revision 0 (the whole board) when the page has no board", async () => {
    vi.useFakeTimers();
    const model = fakeModel({ _board: null });
    const store = createBoardStore(model);
    const poll = createChangePoll(model, store);
    await vi.advanceTimersByTimeAsync(POLL_QUIET_MS + 500);
    expect(model.sent.filter((m) => m.type === "poll").map((m) => m.rev)).toEqual([0]);
    poll.dispose();
    store.dispose();
  });

  it("trusts the host once a beacon arrives, even while a poll is out", async () => {
    const { model, store, polls, poll } = setup();
    await vi.advanceTimersByTimeAsync(POLL_QUIET_MS + 200);
    expect(polls).toHaveLength(1);
    model.pyCustom({ type: "beacon" });
    expect(poll.trusted).toBe(true);
    await vi.advanceTimersByTimeAsync(POLL_QUIET_MS * 3);
    expect(polls).toHaveLength(1); // now it asks only after POLL_QUIET_TRUSTED_MS of silence
    await vi.advanceTimersByTimeAsync(POLL_QUIET_TRUSTED_MS);
    expect(polls).toHaveLength(2);
    poll.dispose();
    store.dispose();
  });

  it("drops its listeners and timer on dispose", async () => {
    const { model, store, polls, poll } = setup();
    const before = model.listenerCount();
    poll.dispose();
    expect(model.listenerCount()).toBe(before - 2);
    await vi.advanceTimersByTimeAsync(POLL_QUIET_MS * 4);
    window.dispatchEvent(new Event("focus"));
    expect(polls).toHaveLength(0);
    store.dispose();
  });
});
