import { describe, expect, it } from "vitest";
import { bulkOutcome, bulkSummary } from "../src/bulk.js";

const reply = (results) => ({ ok: true, result: { results } });

describe("bulk replies", () => {
  it("splits per-card results into the ids that moved and the failures", () => {
    const out = bulkOutcome(reply([
      { task_id: "a", ok: true },
      { task_id: "b", ok: false, error: "parent p is still running" },
      { task_id: "c", ok: true },
    ]));
    expect([...out.okIds]).toEqual(["a", "c"]);
    expect(out.failures).toEqual([{ task_id: "b", ok: false, error: "parent p is still running" }]);
    expect(bulkSummary("move", out)).toBe("Bulk move: 1 of 3 failed");
    expect(bulkSummary("move", bulkOutcome(reply([{ task_id: "a", ok: true }])))).toBe("Bulk move: 1 done");
  });

  it("counts nothing as moved when the whole request fails or the reply is malformed", () => {
    const failed = bulkOutcome({ ok: false, error: "The board is read-only.", code: "ReadOnlyBoard" });
    expect(failed.okIds.size).toBe(0);
    expect(failed.failures).toEqual([]);
    expect(bulkSummary("archive", failed)).toBe("Bulk archive failed: The board is read-only.");
    expect(bulkOutcome({ ok: true, result: {} }).okIds.size).toBe(0);
    expect(bulkOutcome(reply([null, { ok: true }, { task_id: "a", ok: true }])).total).toBe(1);
  });
});
