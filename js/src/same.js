// Equality for keeping objects: a new value from Python (a trait, a time view) that equals the
// one the page holds is replaced by the old object, so memoized components see the same props.

/** Whether two JSON-like values (what a trait carries) are equal, deeply. */
export function sameValue(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || !sameValue(a[k], b[k])) return false;
  return true;
}

/** Whether two arrays hold the same items (===), in the same order. */
export function sameItems(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
