import { describe, expect, it } from "vitest";
import { createBoardStore } from "../src/board-model.js";
import { createController } from "../src/controller/index.js";
import { createTraitSync } from "../src/traits.js";
import { createViewState } from "../src/ui/view-state.js";
import { board, card, DEFAULT_TRAITS, fakeModel } from "./helpers.js";

/** A view's controller over a fake model, with no DOM: the actions read state where it lives. */
function setup(traits = {}) {
  const model = fakeModel({
    ...DEFAULT_TRAITS,
    _board: board([
      card("a", { status: "todo", priority: 3 }), card("b", { status: "todo", priority: 2 }),
      card("c", { status: "todo", priority: 1 }), card("d", { status: "ready" }),
    ]),
    ...traits,
  });
  const boardModel = createBoardStore(model);
  const sync = createTraitSync(model, () => {});
  const viewState = createViewState();
  const actions = createController({ boardModel, readTraits: sync.read, writeTrait: sync.write, viewState });
  return { model, boardModel, viewState, actions };
}

const click = (mods = {}) => ({ target: { closest: () => null }, ...mods });

describe("the view's actions", () => {
  it("selection: Ctrl toggles, Shift selects a range in the column's order, a plain click opens", () => {
    const { model, viewState, actions } = setup();
    actions.cardClick(click({ ctrlKey: true }), { id: "a", status: "todo" });
    actions.cardClick(click({ shiftKey: true }), { id: "c", status: "todo" });
    expect(model.get("selected")).toEqual(["a", "b", "c"]);
    actions.toggleColumnOf("todo");
    expect(model.get("selected")).toEqual([]);
    actions.cardClick(click(), { id: "d", status: "ready" });
    expect(viewState.get()).toMatchObject({ drawerId: "d", drawerOpener: "d" });
  });

  it("select all takes the whole column from Python when the page holds only its window", async () => {
    const { model, actions } = setup({ _board: board(
      [card("a", { status: "todo" }), card("b", { status: "todo" })], { counts: { todo: 4 } }) });
    const done = actions.toggleColumnOf("todo");
    expect(model.sent[0]).toMatchObject({ type: "ids", column: "todo" });
    model.pyCustom({ type: "reply", id: model.sent[0].id, ok: true,
      result: { ids: ["a", "b", "x", "y"], total: 4 } });
    await done;
    expect(model.get("selected")).toEqual(["a", "b", "x", "y"]);
    const again = actions.toggleColumnOf("todo");          // all selected: clears them all
    model.pyCustom({ type: "reply", id: model.sent[1].id, ok: true,
      result: { ids: ["a", "b", "x", "y"], total: 4 } });
    await again;
    expect(model.get("selected")).toEqual([]);
  });

  it("moves: a selected card carries the selection in one bulk request, which stays selected", () => {
    const { model, boardModel, actions } = setup({ selected: ["a", "b"] });
    actions.moveCards("a", "ready");
    expect(model.sent).toHaveLength(1);
    expect(model.sent[0]).toMatchObject({ type: "bulk", task_ids: ["a", "b"], action: "move", value: "ready" });
    expect(boardModel.getCard("b")).toMatchObject({ status: "ready", pending: true });
    expect(model.get("selected")).toEqual(["a", "b"]);
  });

  it("moves: done asks first; confirming sends the move, cancelling sends nothing", () => {
    const { model, viewState, actions } = setup();
    actions.requestMove(["d"], "done");
    expect(viewState.get().dialog).toMatchObject({ taskIds: ["d"], status: "done" });
    actions.cancelDialog();
    expect(model.sent).toHaveLength(0);
    actions.requestMove(["d"], "done");
    actions.confirmDialog({ result: "shipped" });
    expect(model.sent[0]).toMatchObject({ type: "move", task_id: "d", status: "done", result: "shipped" });
  });

  it("reads read-only and the dialog now: no move and no drag while either holds", () => {
    const { model, actions } = setup();
    model.set("read_only", true);
    expect(actions.canDrag()).toBe(false);
    actions.requestMove(["d"], "running");
    expect(model.sent).toHaveLength(0);
    model.set("read_only", false);
    expect(actions.canDrag()).toBe(true);
    actions.requestMove(["d"], "blocked");
    expect(actions.canDrag()).toBe(false);
  });
});
