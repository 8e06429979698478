/**
 * Keeps the summaries of watched workspaces current while a panel shows them: follows the server's
 * `/access/events` stream and refetches (with ETag) on every event; while the stream is unavailable it
 * polls every POLL_INTERVAL_MS, which also notices when an unreachable server comes back.
 */
import type { Summaries } from './summaries.ts';

export const POLL_INTERVAL_MS = 2_000;
/** After the session ended or the membership went away, only a new sign-in helps: ask rarely. */
export const ENDED_RETRY_MS = 30_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

async function follow(summaries: Summaries, workspace: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const api = await summaries.api();
    if (!api) return;
    await api.events(
      workspace,
      signal,
      // The stream reports changes made after it opened: catch up on what happened before.
      () => void summaries.refresh(workspace),
      () => void summaries.refresh(workspace),
    );
    if (signal.aborted) return;
    // The stream ended or never opened: refresh now (this marks the summary stale when the server is
    // gone), then try again after a pause; without a stream this is polling.
    const entry = await summaries.refresh(workspace);
    const ended = entry?.staleReason === 'signed-out' || entry?.staleReason === 'no-access';
    await sleep(ended ? ENDED_RETRY_MS : POLL_INTERVAL_MS, signal);
  }
}

export function createLive(summaries: Summaries) {
  const watched = new Map<string, { count: number; stop: AbortController }>();
  return {
    /** Follows a workspace until every watcher has called the returned function. */
    watch(workspace: string): () => void {
      let w = watched.get(workspace);
      if (!w) {
        w = { count: 0, stop: new AbortController() };
        watched.set(workspace, w);
        void follow(summaries, workspace, w.stop.signal);
      }
      w.count++;
      let done = false;
      return () => {
        if (done || !w) return;
        done = true;
        if (--w.count === 0) {
          w.stop.abort();
          watched.delete(workspace);
        }
      };
    },
    watching: (): string[] => [...watched.keys()],
  };
}

export type Live = ReturnType<typeof createLive>;
