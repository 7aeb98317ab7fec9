// How the page shows a priority. Hermes' priorities count up: a higher number is more urgent
// and sorts first. Jira, Linear and GitHub users read "P1" as the most urgent level, so "P3"
// above "P1" would read backwards to them; an up-arrow before the number reads the right way.

/** Tooltip for every priority field and badge. */
export const PRIORITY_HINT = "A higher number is a higher priority and sorts first";

/** The badge text of a card: "↑3". */
export function priorityBadge(priority) {
  return `↑${priority}`;
}

/** The badge's tooltip: "Priority 3 (higher numbers come first)". */
export function priorityTitle(priority) {
  return `Priority ${priority} (higher numbers come first)`;
}
