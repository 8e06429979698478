/**
 * Crash points for the cluster tests (test/cluster/**): with GATEHOUSE_CRASH_AT=<point> the process
 * SIGKILLs itself the GATEHOUSE_CRASH_AFTER-th time (default 1) it reaches that point. Points:
 * `before-commit` (the update is not stored), `before-xadd` (stored, not announced), `after-xadd`.
 * Unset (always, outside those tests): a no-op.
 */
export type CrashPointName = 'before-commit' | 'before-xadd' | 'after-xadd';

const target = process.env.GATEHOUSE_CRASH_AT ?? '';
let remaining = Number(process.env.GATEHOUSE_CRASH_AFTER ?? '1') || 1;

export function crashPoint(name: CrashPointName): void {
  if (target !== name) return;
  remaining--;
  if (remaining <= 0) process.kill(process.pid, 'SIGKILL');
}

/** The doc store with the `before-commit` point in front of every append. */
export function withCrashBeforeCommit<T extends { appendUpdates(...args: never[]): Promise<number> }>(
  store: T,
): T {
  if (target !== 'before-commit') return store;
  const append = store.appendUpdates.bind(store) as (...args: unknown[]) => Promise<number>;
  return new Proxy(store, {
    get(obj, key, receiver) {
      if (key !== 'appendUpdates') return Reflect.get(obj, key, receiver);
      return (...args: unknown[]) => {
        crashPoint('before-commit');
        return append(...args);
      };
    },
  });
}
