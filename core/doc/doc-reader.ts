/**
 * Reads a WorkspaceState from a Y.Doc, incrementally: observers mark the entities a transaction touched,
 * and the next `state()` re-reads only those, sharing everything else with the previous state.
 *
 * Memberships expire (rules/memberships.ts): a group is read as of the reader's clock, and once the clock
 * passes the next expiry of a group, the next `state()` re-reads that group too — an expiry is a change of
 * its own, time-driven, that the incremental caches (compiled access) see as one. `nextExpiry` says when
 * to ask again.
 */
import * as Y from 'yjs';
import type { Collection, Group, WorkspaceState } from '../model.ts';
import { groupNextExpiry } from '../rules/memberships.ts';
import { OverlayMap } from './overlay-map.ts';
import { READERS, type Reader, readMeta } from './read-entities.ts';
import { COLLECTIONS, META } from './schema.ts';

type YMap = Y.Map<unknown>;

function readCollection(root: YMap, read: Reader, now: number): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [id, v] of root.entries()) if (v instanceof Y.Map) out.set(id, read(id, v as YMap, now));
  return out;
}

let versionCounter = 0;

/** A fresh state version (a state built elsewhere, as the history index does, takes one too). */
export const nextStateVersion = (): number => ++versionCounter;

/** A one-off cold read of the whole doc, memberships as of `now`. */
export function readState(doc: Y.Doc, now: number = Date.now()): WorkspaceState {
  const s: Record<string, unknown> = { version: ++versionCounter, meta: readMeta(doc.getMap(META)) };
  for (const c of COLLECTIONS) s[c] = readCollection(doc.getMap(c), READERS[c], now);
  return s as unknown as WorkspaceState;
}

/** Epoch milliseconds (the server passes its own clock; tests a controlled one). */
export type Clock = () => number;

export class DocReader {
  private current: WorkspaceState;
  private readonly dirty = new Map<Collection, Set<string>>();
  private metaDirty = false;
  private readonly unobserve: (() => void)[] = [];
  /** Groups with a membership expiring after the last read → that expiry. */
  private readonly expiries = new Map<string, number>();
  private next = Number.POSITIVE_INFINITY;

  constructor(
    readonly doc: Y.Doc,
    private readonly clock: Clock = Date.now,
  ) {
    const now = clock();
    this.current = readState(doc, now);
    for (const g of this.current.groups.values()) this.noteExpiry(g.id, groupNextExpiry(g, now));
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

  private noteExpiry(groupId: string, at: number): void {
    if (at === Number.POSITIVE_INFINITY) this.expiries.delete(groupId);
    else this.expiries.set(groupId, at);
    if (at < this.next) this.next = at;
  }

  /** The first membership expiry after the last read (Infinity: none): `state()` changes then. */
  get nextExpiry(): number {
    return this.next;
  }

  /** True when the doc changed since the last `state()`, or a membership has expired since. */
  get stale(): boolean {
    return this.metaDirty || this.dirty.size > 0 || this.clock() >= this.next;
  }

  state(): WorkspaceState {
    const now = this.clock();
    if (now >= this.next) this.markExpired(now);
    if (!this.stale) return this.current;
    const next: Record<string, unknown> = { ...this.current, version: ++versionCounter };
    if (this.metaDirty) next.meta = readMeta(this.doc.getMap(META));
    for (const [c, ids] of this.dirty) {
      const root = this.doc.getMap(c);
      const changes = new Map<string, unknown>();
      for (const id of ids) {
        const v = root.get(id);
        const e = v instanceof Y.Map ? READERS[c](id, v as YMap, now) : undefined;
        changes.set(id, e);
        if (c === 'groups')
          this.noteExpiry(id, e ? groupNextExpiry(e as Group, now) : Number.POSITIVE_INFINITY);
      }
      next[c] = OverlayMap.with(this.current[c] as ReadonlyMap<string, unknown>, changes);
    }
    this.dirty.clear();
    this.metaDirty = false;
    this.current = next as unknown as WorkspaceState;
    return this.current;
  }

  /** Marks the groups whose next expiry has come, and finds the next one after `now`. */
  private markExpired(now: number): void {
    let set = this.dirty.get('groups');
    let next = Number.POSITIVE_INFINITY;
    for (const [id, at] of this.expiries)
      if (at <= now) {
        if (!set) this.dirty.set('groups', (set = new Set()));
        set.add(id);
      } else if (at < next) next = at;
    this.next = next;
  }

  destroy(): void {
    for (const u of this.unobserve) u();
    this.unobserve.length = 0;
  }
}
