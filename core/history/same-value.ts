/**
 * Structural equality of the plain values a WorkspaceState holds (objects, arrays, Sets, scalars, and maps:
 * `Map` or any ReadonlyMap, as the incremental reader's overlay maps are not `Map` instances).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (isMapLike(a)) {
    if (!isMapLike(b) || a.size !== b.size) return false;
    for (const [k, v] of a.entries()) if (!b.has(k) || !sameValue(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => sameValue(v, b[i]));
  }
  if (isMapLike(b) || b instanceof Set || Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka)
    if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

function isMapLike(v: object): v is ReadonlyMap<unknown, unknown> {
  const m = v as Partial<ReadonlyMap<unknown, unknown>>;
  return (
    v instanceof Map ||
    (typeof m.entries === 'function' && typeof m.get === 'function' && typeof m.has === 'function')
  );
}
