/**
 * A small read cache for what every request looks up (session, API token, account, workspace). All writes
 * go through the store that owns the cache, which drops the entries they touch, so a logout or revocation
 * is seen by the very next request; the TTL only bounds staleness against anything else writing the file.
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  constructor(
    private readonly ttlMs = 5_000,
    private readonly max = 10_000,
  ) {}
  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now - e.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V, now: number): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, { value, at: now });
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
  deleteWhere(pred: (v: V) => boolean): void {
    for (const [k, e] of this.entries) if (pred(e.value)) this.entries.delete(k);
  }
  clear(): void {
    this.entries.clear();
  }
}
