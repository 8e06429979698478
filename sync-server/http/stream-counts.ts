/** Open `/access/events` streams per account, capped by `maxEventStreamsPerAccount` (one per server). */
export class StreamCounts {
  private readonly open = new Map<string, number>();

  /** Counts one more stream of the account; false (nothing counted) when `max` are open already. */
  take(accountId: string, max: number): boolean {
    const n = this.open.get(accountId) ?? 0;
    if (n >= max) return false;
    this.open.set(accountId, n + 1);
    return true;
  }

  release(accountId: string): void {
    const n = (this.open.get(accountId) ?? 1) - 1;
    if (n > 0) this.open.set(accountId, n);
    else this.open.delete(accountId);
  }

  of(accountId: string): number {
    return this.open.get(accountId) ?? 0;
  }
}
