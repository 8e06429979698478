/**
 * Which entities of a collection hold a name (names.ts' `sameName`), without comparing the name against
 * every entity: an index from each of a name's two keys to the ids that held it, kept per collection map.
 *
 * States are structurally shared versions (core/doc/doc-reader.ts): the next version's map differs from the
 * previous one in the entities an edit touched. So a version's index is its predecessor's, with the touched
 * entities' keys added (`deriveNameIndex`); it is shared along the lineage and only grows, so it is a
 * superset for every version on it, and every lookup checks the candidate against the version's own map.
 * It is rebuilt from the map when the stale entries outnumber the live ones.
 */
import { OverlayMap } from '../doc/overlay-map.ts';
import { nameKeys, sameName } from './names.ts';

export interface Named {
  readonly id: string;
  readonly name: string;
}

class NameIndex {
  private readonly byCase = new Map<string, Set<string>>();
  private readonly bySkeleton = new Map<string, Set<string>>();
  /** Ids added since the index was built (growth past `built` means stale entries). */
  private added = 0;

  constructor(
    entities: Iterable<Named>,
    private readonly built: number,
  ) {
    for (const e of entities) this.add(e);
    this.added = 0;
  }

  get worn(): boolean {
    return this.added > this.built * 2 + 64;
  }

  add(e: Named): void {
    const [k1, k2] = nameKeys(e.name);
    put(this.byCase, k1, e.id);
    put(this.bySkeleton, k2, e.id);
    this.added++;
  }

  /** Ids that may hold `name` (a superset: the caller checks each against its map). */
  *candidates(name: string): Generator<string> {
    const [k1, k2] = nameKeys(name);
    const a = this.byCase.get(k1);
    if (a) yield* a;
    const b = this.bySkeleton.get(k2);
    if (b) for (const id of b) if (!a?.has(id)) yield id;
  }
}

function put(m: Map<string, Set<string>>, key: string, id: string): void {
  const set = m.get(key);
  if (set) set.add(id);
  else m.set(key, new Set([id]));
}

/** The ids whose entry differs between two versions of a collection (new, changed or gone). */
export function changedIds<V>(prev: ReadonlyMap<string, V>, next: ReadonlyMap<string, V>): Set<string> {
  const known = OverlayMap.changedKeys(prev, next);
  if (known) return known;
  const out = new Set<string>();
  let kept = 0;
  for (const [id, v] of next) {
    const was = prev.get(id);
    if (was !== v) out.add(id);
    if (was !== undefined) kept++;
  }
  if (kept < prev.size) for (const id of prev.keys()) if (!next.has(id)) out.add(id);
  return out;
}

const INDEXES = new WeakMap<ReadonlyMap<string, Named>, NameIndex>();

function indexOf(map: ReadonlyMap<string, Named>): NameIndex {
  let index = INDEXES.get(map);
  if (!index) INDEXES.set(map, (index = new NameIndex(map.values(), map.size)));
  return index;
}

/**
 * Gives `after` the index of `before` plus the entities of `changed` (at least every id whose entry differs
 * between the two maps; `changedIds` when not given), when `before` has one; else `after` gets its own on
 * first lookup.
 */
export function deriveNameIndex(
  before: ReadonlyMap<string, Named> | undefined,
  after: ReadonlyMap<string, Named>,
  changed?: Iterable<string>,
): void {
  if (before === undefined || before === after || INDEXES.has(after)) return;
  const index = INDEXES.get(before);
  if (!index || index.worn) return;
  for (const id of changed ?? changedIds(before, after)) {
    const e = after.get(id);
    if (e) index.add(e);
  }
  INDEXES.set(after, index);
}

/** Some entity of `map` other than `exceptId`, accepted by `accept`, whose name counts as `name`. */
export function findNamed<T extends Named>(
  map: ReadonlyMap<string, T>,
  name: string,
  exceptId: string | undefined,
  accept: (e: T) => boolean,
): T | undefined {
  for (const id of indexOf(map).candidates(name)) {
    if (id === exceptId) continue;
    const e = map.get(id);
    if (e && accept(e) && sameName(e.name, name)) return e;
  }
  return undefined;
}
