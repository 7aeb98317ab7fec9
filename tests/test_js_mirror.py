"""The page's board rules are the Python ones: the JS mirror is checked against the vocabulary.

Card order and the filters run in both places (Python answers ``visible_ids``; the page draws
the columns), statuses and the "no assignee" name too. These tests run the real
``js/src/state.js`` and ``js/src/protocol.js`` in Node on the same inputs as the Python rules.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from kanban_widget.board import matches_filters
from kanban_widget.store import vocabulary

JS = Path(__file__).resolve().parent.parent / "js" / "src"

SCRIPT = """
const state = await import(process.argv[1]);
const protocol = await import(process.argv[2]);
const {cards, filters} = JSON.parse(require("fs").readFileSync(0, "utf8"));
const normal = cards.map(state.normalizeCard);
console.log(JSON.stringify({
  statuses: Object.keys(state.STATUS_LABELS),
  unassigned: protocol.UNASSIGNED,
  order: normal.slice().sort(state.compareCards).map((c) => c.id),
  matches: filters.map((f) => normal.filter((c) => state.matchesFilters(c, f)).map((c) => c.id)),
}));
"""


def run_js(cards: list[dict], filters: list[dict]) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed for this test: .ci/run puts the venv's node on PATH"
    done = subprocess.run(
        [node, "--input-type=commonjs", "-e",
         f"(async () => {{ {SCRIPT} }})().catch((e) => {{ console.error(e); process.exit(1); }})",
         (JS / "state.js").as_uri(), (JS / "protocol.js").as_uri()],
        input=json.dumps({"cards": cards, "filters": filters}), capture_output=True, text=True,
        timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def random_cards(rng: random.Random, n: int) -> list[dict]:
    words = ["Deploy", "deploy", "ÉTÉ", "été", "fix  bug", "ops", "", "x\ny", "Ops team"]
    cards = []
    for i in range(n):
        cards.append({
            "id": f"t_{rng.randrange(16**4):04x}{i}",
            "title": " ".join(rng.sample(words, 2)),
            "body": rng.choice([None, "", "notes about ops", "ÉTÉ plan"]),
            "assignee": rng.choice([None, "", "ann", "Ann", "bo"]),
            "tenant": rng.choice([None, "acme", "globex"]),
            "result": rng.choice([None, "deployed"]),
            "status": rng.choice(vocabulary.STATUSES),
            "priority": rng.choice([None, 0, 1, 3, -2, 3]),
            "created_at": rng.choice([100, 200, 200, 300]),
        })
    return cards


FILTERS = [{}, {"search": "ops"}, {"search": "  OPS "}, {"search": "été"}, {"search": "ann"},
           {"tenant": "acme"}, {"assignee": "ann"}, {"assignee": vocabulary.UNASSIGNED},
           {"search": "deploy", "tenant": "globex", "assignee": "bo"}, {"search": "x\ny"}]


def test_statuses_and_the_unassigned_name_match():
    result = run_js([], [])
    assert result["statuses"] == list(vocabulary.STATUSES)
    assert result["unassigned"] == vocabulary.UNASSIGNED


@pytest.mark.parametrize("seed", range(5))
def test_card_order_and_filters_match(seed):
    rng = random.Random(seed)
    cards = random_cards(rng, 60)
    result = run_js(cards, FILTERS)
    python_order = [c["id"] for c in sorted(cards, key=vocabulary.card_sort_key)]
    assert result["order"] == python_order
    for wanted, got in zip(FILTERS, result["matches"]):
        assert got == [c["id"] for c in cards if matches_filters(c, **wanted)], wanted
