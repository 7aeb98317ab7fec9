import { html } from "./html.js";
import { TRAIT } from "../protocol.js";

/**
 * The board switcher: a select over latest Hermes' boards, shown only when there are two or
 * more. Choosing one sets `board_slug`; Python opens that board and sends its snapshot.
 */
export function BoardSwitch({ traits, write }) {
  const boards = traits[TRAIT.BOARDS];
  if (boards.length < 2) return null;
  const current = traits[TRAIT.BOARD_SLUG];
  return html`<select class="kb-input kb-board-switch" data-board-switch aria-label="Board"
    title="Show another board of this Hermes home" value=${current}
    onChange=${(e) => write(TRAIT.BOARD_SLUG, e.currentTarget.value)}>
    ${boards.map((b) => html`<option value=${b.slug}>${label(b)}</option>`)}
  </select>`;
}

/** The board's name, with its slug when the name does not already say it. */
function label(board) {
  return board.name.toLowerCase() === board.slug ? board.name : `${board.name} (${board.slug})`;
}
