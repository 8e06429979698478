/**
 * A read-only map made of a shared base and a small delta, so a state version that changes a few entities
 * of a 10,000-entry collection costs O(changes), not O(collection). Flattens once the delta grows.
 */
const GONE: unique symbol = Symbol('gone');
type Slot<V> = V | typeof GONE;

export class OverlayMap<K, V> implements ReadonlyMap<K, V> {
  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly delta: ReadonlyMap<K, Slot<V>>,
    readonly size: number,
  ) {}

  /** `prev` with `changes` applied (undefined value = delete). */
  static with<K, V>(prev: ReadonlyMap<K, V>, changes: ReadonlyMap<K, V | undefined>): ReadonlyMap<K, V> {
    const base = prev instanceof OverlayMap ? (prev.base as ReadonlyMap<K, V>) : prev;
    const delta = new Map<K, Slot<V>>(prev instanceof OverlayMap ? (prev.delta as Map<K, Slot<V>>) : []);
    let size = prev.size;
    for (const [k, v] of changes) {
      const had = prev.has(k);
      if (v === undefined) {
        if (had) size--;
        if (base.has(k)) delta.set(k, GONE);
        else delta.delete(k);
      } else {
        if (!had) size++;
        delta.set(k, v);
      }
    }
    if (delta.size > 64 && delta.size * 8 > base.size) {
      const flat = new Map<K, V>();
      for (const [k, v] of new OverlayMap(base, delta, size)) flat.set(k, v);
      return flat;
    }
    return new OverlayMap(base, delta, size);
  }

  /**
   * The keys whose entry differs between `prev` and `next`, when `next` was made from `prev` by `with`
   * (directly or through versions between: they share a base), in O(delta); null when they share none.
   */
  static changedKeys<K, V>(prev: ReadonlyMap<K, V>, next: ReadonlyMap<K, V>): Set<K> | null {
    if (prev === next) return new Set();
    if (!(next instanceof OverlayMap)) return null;
    const keys = new Set<K>(next.delta.keys());
    if (prev instanceof OverlayMap) {
      if (prev.base !== next.base) return null;
      for (const k of prev.delta.keys()) keys.add(k);
    } else if (prev !== next.base) return null;
    for (const k of keys) if (prev.get(k) === next.get(k)) keys.delete(k);
    return keys;
  }

  get(key: K): V | undefined {
    const d = this.delta.get(key);
    if (d !== undefined) return d === GONE ? undefined : d;
    return this.base.get(key);
  }
  has(key: K): boolean {
    const d = this.delta.get(key);
    if (d !== undefined) return d !== GONE;
    return this.base.has(key);
  }
  *entries(): MapIterator<[K, V]> {
    for (const [k, v] of this.base) {
      const d = this.delta.get(k);
      if (d === undefined) yield [k, v];
      else if (d !== GONE) yield [k, d];
    }
    for (const [k, d] of this.delta) if (d !== GONE && !this.base.has(k)) yield [k, d];
  }
  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}
