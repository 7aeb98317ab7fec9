// Selection actions of one view: clicks, checkboxes, select-all. The selection is the synced
// `selected` trait; the pure rules are in ../selection.js.

import { TRAIT } from "../protocol.js";
import { selectRange, toggleAll, toggleId } from "../selection.js";
import { countOf } from "../windows.js";

/** The ids of column `status` as the view groups it (filtered, every lane, hidden ones too). */
export function columnIds(grouped, status) {
  const col = grouped.columns.find((c) => c.status === status);
  if (!col) return [];
  const ids = [];
  for (const list of col.lanes.values()) for (const c of list) ids.push(c.id);
  return ids;
}

/**
 * @param ctx the controller's sources (controller/index.js)
 * @param panels the panel actions (a plain click opens the drawer)
 */
export function createSelectionActions({ boardModel, writeTrait, view, update, grouping, selected }, panels) {
  const setSelected = (ids) => writeTrait(TRAIT.SELECTED, ids);
  const setAnchor = ({ status, id }) => update({ anchors: { ...view().anchors, [status]: id } });

  return {
    setSelected,
    /** Click on a card: Ctrl/Cmd toggles it, Shift selects a range, a plain click opens it. */
    cardClick(e, card) {
      if (e.target.closest("input, button, a, select, textarea")) return;
      const anchors = view().anchors;
      if (e.ctrlKey || e.metaKey) {
        setSelected(toggleId(selected(), card.id));
        setAnchor(card);
      } else if (e.shiftKey) {
        setSelected(selectRange(selected(), columnIds(grouping(), card.status), anchors[card.status], card.id));
        if (!anchors[card.status]) setAnchor(card);
      } else {
        panels.openFromCard(card.id);
        setAnchor(card);
      }
    },
    /** The card's checkbox (Space on a card too): toggle it, or a range with Shift. */
    toggleSelect(card, shift) {
      const anchor = view().anchors[card.status];
      if (shift && anchor) {
        setSelected(selectRange(selected(), columnIds(grouping(), card.status), anchor, card.id));
      } else {
        setSelected(toggleId(selected(), card.id));
        setAnchor(card);
      }
    },
    toggleColumn: (ids) => setSelected(toggleAll(selected(), ids)),
    /**
     * Select (or clear) column `status` whole, the cards the page holds or not (the header's
     * checkbox, Ctrl/Cmd+A on a card): Python names the ones beyond the page's window.
     */
    async toggleColumnOf(status) {
      const held = columnIds(grouping(), status);
      let ids = held;
      if (countOf(boardModel.counts, status, "", held.length) > held.length) {
        const reply = await boardModel.columnIds(status);
        if (reply.ok && Array.isArray(reply.result.ids)) ids = reply.result.ids;
      }
      setSelected(toggleAll(selected(), ids));
    },
    clearSelection: () => setSelected([]),
  };
}
