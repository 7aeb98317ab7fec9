import { describe, expect, it } from "vitest";
import {
  acknowledge, addMove, addWrite, NO_PENDING, rebase, reject, settlePatch, settleSnapshot,
} from "../src/pending.js";
import { applyPatch, groupBoard, normalizeBoard } from "../src/state.js";
import { createBoardStore } from "../src/board-model.js";
import { board, card, fakeModel } from "./helpers.js";

const server = (cards, extra) => normalizeBoard(board(cards, extra));
const statusIn = (b, id) => b.cards.get(id)?.status ?? null;
const column = (b, status) => groupBoard(b).columns.find((c) => c.status === status)?.lanes.get("").map((c) => c.id) ?? [];

describe("pending operations (pure)", () => {
  const s1 = server([card("a", { status: "ready" }), card("b", { status: "todo" })]);

  it("shows a move over the server's board without changing it, marked pending while out", () => {
    const p = addMove(NO_PENDING, "r1", { server: s1, shown: s1 }, ["a"], "done");
    const shown = rebase(s1, p);
    expect(shown.cards.get("a")).toMatchObject({ status: "done", pending: true });
    expect(column(shown, "done")).toEqual(["a"]);
    expect(column(shown, "ready")).toEqual([]);
    expect(statusIn(s1, "a")).toBe("ready"); // the server's board is untouched
    expect(rebase(s1, NO_PENDING)).toBe(s1); // nothing claimed: the very same board
  });

  it("lays operations over each other in the order they were sent", () => {
    let p = addMove(NO_PENDING, "r1", { server: s1, shown: s1 }, ["a", "b"], "running");
    p = addMove(p, "r2", { server: s1, shown: rebase(s1, p) }, ["a"], "review");
    expect(statusIn(rebase(s1, p), "a")).toBe("review");
    expect(statusIn(rebase(s1, p), "b")).toBe("running");
    // the first fails: its cards go back, except the one a later request still claims
    p = reject(p, "r1");
    expect(statusIn(rebase(s1, p), "a")).toBe("review");
    expect(statusIn(rebase(s1, p), "b")).toBe("todo");
  });

  it("claims only cards that are on the board and not already in the target column", () => {
    const p = addMove(NO_PENDING, "r1", { server: s1, shown: s1 }, ["a", "b", "gone"], "todo");
    expect([...p.get("r1").moves.keys()]).toEqual(["a"]);
  });

  it("an ok reply keeps the claim, no longer pending, until a later patch touches the card", () => {
    let p = addMove(NO_PENDING, "r1", { server: s1, shown: s1 }, ["a"], "done");
    p = acknowledge(p, "r1", s1);
    expect(rebase(s1, p).cards.get("a")).toMatchObject({ status: "done", pending: false });
    // a patch about another card settles nothing
    const patchB = { rev: 2, upserts: [card("b", { status: "todo", title: "renamed" })] };
    const s2 = applyPatch(s1, patchB);
    p = settlePatch(p, patchB, s2);
    expect(statusIn(rebase(s2, p), "a")).toBe("done");
    // the patch about `a` is the server's word, whatever it says
    const patchA = { rev: 3, upserts: [card("a", { status: "blocked" })] };
    const s3 = applyPatch(s2, patchA);
    p = settlePatch(p, patchA, s3);
    expect(p.size).toBe(0);
    expect(rebase(s3, p)).toBe(s3);
  });

  it("a bulk reply keeps the cards it moved and puts the refused ones back", () => {
    let p = addMove(NO_PENDING, "r1", { server: s1, shown: s1 }, ["a", "b"], "running");
    p = acknowledge(p, "r1", s1, { okIds: new Set(["b"]) });
    expect(statusIn(rebase(s1, p), "a")).toBe("ready");
    expect(statusIn(rebase(s1, p), "b")).toBe("running");
  });

  it("while out, a patch showing the card moved settles it; an unrelated edit does not", () => {
    let p = addMove(NO_PENDING, "r1", { server: s1, shown: s1 }, ["a", "b"], "done");
    const edit = { rev: 2, upserts: [card("a", { status: "ready", comment_count: 1 })] };
    const s2 = applyPatch(s1, edit);
    p = settlePatch(p, edit, s2);
    expect(rebase(s2, p).cards.get("a")).toMatchObject({ status: "done", pending: true, comment_count: 1 });
    const moved = { rev: 3, upserts: [card("b", { status: "blocked" })] };
    const s3 = applyPatch(s2, moved);
    p = settlePatch(p, moved, s3);
    expect(statusIn(rebase(s3, p), "b")).toBe("blocked");
    expect([...p.get("r1").moves.keys()]).toEqual(["a"]);
  });

  it("a removed card is settled by its removal", () => {
    let p = addMove(NO_PENDING, "r1", { server: s1, shown: s1 }, ["a"], "done");
    p = acknowledge(p, "r1", s1);
    const gone = { rev: 2, removes: ["a"] };
    const s2 = applyPatch(s1, gone);
    p = settlePatch(p, gone, s2);
    expect(rebase(s2, p).cards.has("a")).toBe(false);
  });

  it("rapid moves of one card: each patch settles its own request, oldest first, no flicker", () => {
    // triage → todo → ready → todo → triage from the keyboard, faster than the patches come
    let s = server([card("a", { status: "triage" })]);
    let p = NO_PENDING;
    const targets = ["todo", "ready", "todo", "triage"];
    targets.forEach((status, i) => {
      p = addMove(p, `r${i}`, { server: s, shown: rebase(s, p) }, ["a"], status);
    });
    expect(statusIn(rebase(s, p), "a")).toBe("triage");
    targets.forEach((status, i) => {
      if (i % 2 === 0) p = acknowledge(p, `r${i}`, s); // replies and patches interleave
      const patch = { rev: s.rev + 1, upserts: [card("a", { status })] };
      s = applyPatch(s, patch);
      p = settlePatch(p, patch, s);
      expect(statusIn(rebase(s, p), "a")).toBe("triage"); // the last move shows throughout
      expect(p.get(`r${i}`)?.moves.size ?? 0).toBe(0); // its claim is settled
    });
    expect(p.size).toBe(2); // r1 and r3 are still out, with nothing left to claim
    p = acknowledge(acknowledge(p, "r1", s), "r3", s);
    expect(p.size).toBe(0);
  });

  it("an answered claim goes when another process moves the card back", () => {
    let p = addMove(NO_PENDING, "r1", { server: s1, shown: s1 }, ["a"], "done");
    p = acknowledge(p, "r1", s1);
    const back = { rev: 2, upserts: [card("a", { status: "ready" })] };
    const s2 = applyPatch(s1, back);
    p = settlePatch(p, back, s2);
    expect(p.size).toBe(0);
    expect(statusIn(rebase(s2, p), "a")).toBe("ready");
  });

  it("a reply card (create, update) shows until a patch brings the card", () => {
    let p = addWrite(NO_PENDING, "r1", s1);
    expect(rebase(s1, p)).toBe(s1); // nothing to show while out
    p = acknowledge(p, "r1", s1, { card: card("c", { status: "triage", title: "new" }) });
    expect(column(rebase(s1, p), "triage")).toEqual(["c"]);
    const patch = { rev: 2, upserts: [card("c", { status: "triage", title: "new, then edited" })] };
    const s2 = applyPatch(s1, patch);
    p = settlePatch(p, patch, s2);
    expect(p.size).toBe(0);
    expect(rebase(s2, p).cards.get("c").title).toBe("new, then edited");
  });

  it("a reply card older than a patch that came while the request was out is not shown", () => {
    let p = addWrite(NO_PENDING, "r1", s1);
    const patch = { rev: 2, upserts: [card("b", { status: "todo", assignee: "zed" })] };
    const s2 = applyPatch(s1, patch);
    p = settlePatch(p, patch, s2);
    p = acknowledge(p, "r1", s2, { card: card("b", { status: "todo", assignee: "amy" }) });
    expect(p.size).toBe(0);
    expect(rebase(s2, p).cards.get("b").assignee).toBe("zed");
  });

  it("a fresh snapshot settles every answered op and every claim it shows moved", () => {
    let p = addMove(NO_PENDING, "r1", { server: s1, shown: s1 }, ["a"], "done");
    p = acknowledge(p, "r1", s1);
    p = addMove(p, "r2", { server: s1, shown: rebase(s1, p) }, ["b"], "ready");
    const fresh = server([card("a", { status: "ready" }), card("b", { status: "todo" })], { rev: 1 });
    p = settleSnapshot(p, fresh);
    expect(p.has("r1")).toBe(false); // answered: the snapshot is the server's word
    expect(statusIn(rebase(fresh, p), "b")).toBe("ready"); // still out and still at `from`
    const moved = server([card("a"), card("b", { status: "blocked" })], { rev: 9 });
    p = settleSnapshot(p, moved);
    expect(statusIn(rebase(moved, p), "b")).toBe("blocked");
  });
});

// ---------------------------------------------------------------------------------------------
// The bug of issue #13: ~1,200 cards bulk-moved from Done to Todo while another process moves
// one of them to Blocked. Replies and patches can reach the page in any order; the page must
// show the database as soon as the server's patches are in, and hold nothing once all is in.

const N = 1200;
const X = "t_0600"; // the card the other process moves
const ids = Array.from({ length: N }, (_, i) => `t_${String(i).padStart(4, "0")}`);

function doneBoard() {
  const model = fakeModel({ _board: board(ids.map((id) => card(id, { status: "done" }))), read_only: false });
  return { model, store: createBoardStore(model) };
}

const allOk = (list) => ({ ok: true, result: { results: list.map((id) => ({ task_id: id, ok: true })) } });
const upserts = (list, status) => list.map((id) => card(id, { status }));
const others = ids.filter((id) => id !== X);

/**
 * What the server may send, per story: its patches (in revision order), the bulk reply, and
 * the database at the end. The reply can arrive before, between or after the patches.
 */
const STORIES = {
  // The bulk commits first, the other process's move waits for the lock, then lands.
  "bulk, then the other move (two patches)": {
    patches: [upserts(ids, "todo"), upserts([X], "blocked")],
    reply: allOk(ids),
    final: (id) => (id === X ? "blocked" : "todo"),
  },
  // The tail thread saw both commits in one go.
  "bulk and the other move in one patch": {
    patches: [[...upserts(others, "todo"), ...upserts([X], "blocked")]],
    reply: allOk(ids),
    final: (id) => (id === X ? "blocked" : "todo"),
  },
  // The other process was first; the bulk then moved the card on from blocked.
  "the other move, then the bulk": {
    patches: [upserts([X], "blocked"), upserts(ids, "todo")],
    reply: allOk(ids),
    final: () => "todo",
  },
  // The other process was first and the store refused to move that card on.
  "the other move, then the bulk refuses that card": {
    patches: [upserts([X], "blocked"), upserts(others, "todo")],
    reply: { ok: true, result: { results: ids.map((id) => ({ task_id: id, ok: id !== X, error: id === X ? "no" : undefined })) } },
    final: (id) => (id === X ? "blocked" : "todo"),
  },
  // The whole bulk failed (write lock held); only the other process's move landed.
  "the bulk fails as a whole": {
    patches: [upserts([X], "blocked")],
    reply: { ok: false, error: "busy", code: "BoardBusy" },
    final: (id) => (id === X ? "blocked" : "done"),
  },
  // An unrelated edit of a card in flight (a comment) must not make it flicker back.
  "a comment on a moving card, then the bulk and the other move": {
    patches: [[card(X, { status: "done", comment_count: 1 })], upserts(ids, "todo"), upserts([X], "blocked")],
    reply: allOk(ids),
    final: (id) => (id === X ? "blocked" : "todo"),
    inFlight: { before: 1, status: "todo" }, // after the comment patch, X still shows in Todo
  },
};

function mismatches(store, final) {
  const wrong = [];
  for (const id of ids) {
    const c = store.getCard(id);
    if (!c || c.status !== final(id) || c.pending) wrong.push(`${id}: ${c && c.status}${c && c.pending ? " (pending)" : ""}`);
  }
  return wrong;
}

describe("bulk move racing another process, every order of replies and patches", () => {
  for (const [name, story] of Object.entries(STORIES)) {
    for (let at = 0; at <= story.patches.length; at++) {
      it(`${name}: reply after ${at} of ${story.patches.length} patches`, async () => {
        const { model, store } = doneBoard();
        const done = store.bulk(ids, "move", "todo");
        expect(store.getCard(X)).toMatchObject({ status: "todo", pending: true });
        const requestId = model.sent[0].id;
        const sendReply = async () => {
          model.pyCustom({ type: "reply", id: requestId, ...story.reply });
          await done;
        };
        for (let i = 0; i < story.patches.length; i++) {
          if (i === at) await sendReply();
          model.pyCustom({ type: "patch", rev: 2 + i, upserts: story.patches[i], removes: [], touched: [] });
          if (story.inFlight && i + 1 === story.inFlight.before && at > i) {
            expect(store.getCard(X)).toMatchObject({ status: story.inFlight.status, pending: true });
          }
        }
        // Every patch is in: the page shows the database now, whether or not the reply is.
        if (at < story.patches.length || story.reply.ok) {
          expect(mismatches(store, story.final)).toEqual([]);
        }
        if (at === story.patches.length) await sendReply();
        expect(mismatches(store, story.final)).toEqual([]);
        expect(store.pending.size).toBe(0); // nothing left over, no timer to wait for
        expect(store.view).toBe(store.board);
      });
    }
  }
});

describe("the board model's writes with reply cards", () => {
  it("shows a created card from its reply, then follows the patch", async () => {
    const model = fakeModel({ _board: board([card("a")]), read_only: false });
    const store = createBoardStore(model);
    const done = store.write("create", { title: "new", column: "triage" });
    model.pyCustom({ type: "reply", id: model.sent[0].id, ok: true, result: { card: card("c", { status: "triage" }) } });
    expect((await done).ok).toBe(true);
    expect(store.getCard("c").status).toBe("triage");
    expect(store.board.cards.has("c")).toBe(false); // never injected into the server's board
    model.pyCustom({ type: "patch", rev: 2, upserts: [card("c", { status: "triage", title: "Task c" })] });
    expect(store.pending.size).toBe(0);
    expect(store.getCard("c").title).toBe("Task c");
  });

  it("an error reply to a write shows nothing", async () => {
    const model = fakeModel({ _board: board([card("a")]), read_only: false });
    const store = createBoardStore(model);
    const done = store.write("update", { task_id: "a", fields: { assignee: "zed" } });
    model.pyCustom({ type: "reply", id: model.sent[0].id, ok: false, error: "no", code: "TaskNotFound" });
    expect((await done).ok).toBe(false);
    expect(store.pending.size).toBe(0);
    expect(store.view).toBe(store.board);
  });
});
