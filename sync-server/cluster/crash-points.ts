/**
 * Crash points for the cluster tests (test/cluster/**): with GATEHOUSE_CRASH_AT=<point> the process
 * SIGKILLs itself the GATEHOUSE_CRASH_AFTER-th time (default 1) it reaches that point. Points:
 * `before-commit` (the update is not stored), `before-xadd` (stored, not announced), `after-xadd`.
 * With GATEHOUSE_STOP_AT=before-repair-commit it SIGSTOPs itself the first time a repair, decided and
 * fenced by the head seq it saw, is about to be stored (the test sends SIGCONT: a stale repair).
 * Unset (always, outside those tests): a no-op.
 */
import type { DocumentStore } from '../storage/document-store.ts';

export type CrashPointName = 'before-commit' | 'before-xadd' | 'after-xadd';

const target = process.env.GATEHOUSE_CRASH_AT ?? '';
let remaining = Number(process.env.GATEHOUSE_CRASH_AFTER ?? '1') || 1;

export function crashPoint(name: CrashPointName): void {
  if (target !== name) return;
  remaining--;
  if (remaining <= 0) process.kill(process.pid, 'SIGKILL');
}

let stopAt = process.env.GATEHOUSE_STOP_AT === 'before-repair-commit';

/**
 * The doc store with the `before-commit` point in front of every append, and the `before-repair-commit`
 * stop in front of the first fenced one (only repairs carry `expectedHeadSeq`).
 */
export function withCrashBeforeCommit<T extends Pick<DocumentStore, 'appendUpdates'>>(store: T): T {
  if (target !== 'before-commit' && !stopAt) return store;
  const append = store.appendUpdates.bind(store);
  return new Proxy(store, {
    get(obj, key, receiver) {
      if (key !== 'appendUpdates') return Reflect.get(obj, key, receiver);
      return (...args: Parameters<DocumentStore['appendUpdates']>) => {
        crashPoint('before-commit');
        if (stopAt && args[2]?.expectedHeadSeq !== undefined) {
          stopAt = false;
          process.kill(process.pid, 'SIGSTOP'); // resumes here on SIGCONT, the fence as it was
        }
        return append(...args);
      };
    },
  });
}
