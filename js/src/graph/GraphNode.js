// One task of the Graph view: an SVG box coloured by status (the board's status classes),
// showing its id, status, title and assignee, and on the critical path its expected time.
import { html } from "../ui/html.js";
import { statusClass } from "../ui/status-style.js";
import { statusLabel } from "../state.js";
import { NODE_H, NODE_W, clip, formatDuration } from "./graph-model.js";

// Ends each text: SVG draws no trailing space, but the node's text content (what screen
// readers and axe compare with its name) then reads as words, not "t_1In progressWrite…".
const SEP = " ";

/**
 * @param critical expected seconds left when the node is on the critical path, else null
 * @param active whether Tab reaches this node (one node at a time: a roving tabindex)
 */
export function GraphNode({ node, status, at, selected, active, dim, critical, linkSource, actions }) {
  const id = node.id;
  const classes = ["kb-graph-node", statusClass(status)];
  if (selected) classes.push("kb-graph-selected");
  if (dim) classes.push("kb-graph-dim");
  if (critical !== null) classes.push("kb-graph-on-path");
  if (linkSource) classes.push("kb-graph-link-source");
  const who = node.assignee ? `@${node.assignee}` : "unassigned";
  const expected = critical !== null ? `≈ ${formatDuration(critical)}` : "";
  const shownTitle = clip(node.title, 27); // what fits the box at its font size
  // The visible text first, in reading order (a spoken name must contain what is on screen),
  // then what it leaves out.
  const shownWho = clip(who, 20);
  const visible = [id, statusLabel(status), shownTitle, shownWho, expected].filter(Boolean).join(" ");
  const extra = [shownTitle !== node.title && `title: ${node.title}`, shownWho !== who && who,
    expected && "left on the critical path"];
  const label = [visible, ...extra.filter(Boolean)].join(", ");
  return html`<g class=${classes.join(" ")} transform=${`translate(${at.x - NODE_W / 2},${at.y - NODE_H / 2})`}
      data-task-id=${id} data-status=${status} data-on-path=${critical !== null ? "" : undefined}
      tabindex=${active ? "0" : "-1"} role="button" aria-pressed=${selected ? "true" : "false"} aria-label=${label}
      onClick=${(e) => actions.click(e, id)} onDblClick=${() => actions.open(id)}
      onKeyDown=${(e) => actions.keyDown(e, id)}>
    <rect class="kb-graph-box" width=${NODE_W} height=${NODE_H} rx="6" />
    <rect class="kb-graph-stripe" width="5" height=${NODE_H} rx="2" />
    <text class="kb-graph-id" x="12" y="17">${id}${SEP}</text>
    <text class="kb-graph-status" x=${NODE_W - 8} y="17" text-anchor="end">${statusLabel(status)}${SEP}</text>
    <text class="kb-graph-title" x="12" y="37">${shownTitle}${SEP}</text>
    <text class="kb-graph-who" x="12" y="56">${shownWho}${SEP}</text>
    ${expected && html`<text class="kb-graph-expected" x=${NODE_W - 8} y="56" text-anchor="end">${expected}</text>`}
  </g>`;
}
