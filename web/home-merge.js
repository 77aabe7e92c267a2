// Two tabs share `_home` in localStorage, and a run takes a copy of it when it
// starts. When the run ends, another tab may have committed meanwhile: its
// changes and the run's are merged key by key, tables recursively, instead of
// the run's copy overwriting them (zig/ABI.md §10 is the format). Where both
// changed the same value, the run, which ends last, wins.

const EMPTY_TABLE = Object.freeze({ t: [] });

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const isTable = (v) => v !== null && typeof v === "object" && Array.isArray(v.t);
const entries = (table) => new Map(table.t.map(([k, v]) => [JSON.stringify(k), [k, v]]));

/** The value after a run changed `base` into `mine` while another tab
 *  changed it into `theirs`; `undefined` stands for an absent key. */
export function mergeHome(base, mine, theirs) {
  // Nobody else committed (the usual case): no comparison of whole snapshots.
  if (theirs === base) return mine;
  if (same(mine, base)) return theirs;
  if (same(theirs, base) || same(theirs, mine)) return mine;
  if (!isTable(mine) || !isTable(theirs)) return mine;
  const b = entries(isTable(base) ? base : EMPTY_TABLE);
  const m = entries(mine);
  const out = [];
  // Their order first (their new keys where they put them), then the keys
  // only the run has, in its order.
  for (const [id, [k, tv]] of entries(theirs)) {
    const v = mergeHome(b.get(id)?.[1], m.get(id)?.[1], tv);
    if (v !== undefined) out.push([k, v]);
    m.delete(id);
  }
  for (const [id, [k, mv]] of m) {
    const v = mergeHome(b.get(id)?.[1], mv, undefined);
    if (v !== undefined) out.push([k, v]);
  }
  return { t: out };
}
