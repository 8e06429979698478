/**
 * Reads a WorkspaceState from a Y.Doc, incrementally: observers mark the entities a transaction touched,
 * and the next `state()` re-reads only those, sharing everything else with the previous state.
 */
import * as Y from 'yjs';
import type { Collection, WorkspaceState } from '../model.ts';
import { OverlayMap } from './overlay-map.ts';
import { READERS, type Reader, readMeta } from './read-entities.ts';
import { COLLECTIONS, META } from './schema.ts';

type YMap = Y.Map<unknown>;

function readCollection(root: YMap, read: Reader): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [id, v] of root.entries()) if (v instanceof Y.Map) out.set(id, read(id, v as YMap));
  return out;
}

let versionCounter = 0;

/** A one-off cold read of the whole doc. */
export function readState(doc: Y.Doc): WorkspaceState {
  const s: Record<string, unknown> = { version: ++versionCounter, meta: readMeta(doc.getMap(META)) };
  for (const c of COLLECTIONS) s[c] = readCollection(doc.getMap(c), READERS[c]);
  return s as unknown as WorkspaceState;
}

export class DocReader {
  private current: WorkspaceState;
  private readonly dirty = new Map<Collection, Set<string>>();
  private metaDirty = false;
  private readonly unobserve: (() => void)[] = [];

  constructor(readonly doc: Y.Doc) {
    this.current = readState(doc);
    for (const c of COLLECTIONS) {
      const root = doc.getMap(c);
      const handler = (events: Y.YEvent<YMap>[]) => this.mark(c, events);
      root.observeDeep(handler);
      this.unobserve.push(() => root.unobserveDeep(handler));
    }
    const meta = doc.getMap(META);
    const onMeta = () => {
      this.metaDirty = true;
    };
    meta.observe(onMeta);
    this.unobserve.push(() => meta.unobserve(onMeta));
  }

  private mark(collection: Collection, events: Y.YEvent<YMap>[]): void {
    let set = this.dirty.get(collection);
    if (!set) this.dirty.set(collection, (set = new Set()));
    for (const e of events) {
      const path = e.path;
      if (path.length === 0) for (const k of (e as Y.YMapEvent<unknown>).keysChanged) set.add(k);
      else if (typeof path[0] === 'string') set.add(path[0]);
    }
  }

  /** True when the doc changed since the last `state()`. */
  get stale(): boolean {
    return this.metaDirty || this.dirty.size > 0;
  }

  state(): WorkspaceState {
    if (!this.stale) return this.current;
    const next: Record<string, unknown> = { ...this.current, version: ++versionCounter };
    if (this.metaDirty) next.meta = readMeta(this.doc.getMap(META));
    for (const [c, ids] of this.dirty) {
      const root = this.doc.getMap(c);
      const changes = new Map<string, unknown>();
      for (const id of ids) {
        const v = root.get(id);
        changes.set(id, v instanceof Y.Map ? READERS[c](id, v as YMap) : undefined);
      }
      next[c] = OverlayMap.with(this.current[c] as ReadonlyMap<string, unknown>, changes);
    }
    this.dirty.clear();
    this.metaDirty = false;
    this.current = next as unknown as WorkspaceState;
    return this.current;
  }

  destroy(): void {
    for (const u of this.unobserve) u();
    this.unobserve.length = 0;
  }
}
