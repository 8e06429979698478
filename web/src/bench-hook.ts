/**
 * Loaded only with `?gatehouse-bench` in the URL (bench/web.ts, test/e2e): stores a workspace doc in the
 * local replica so the benchmark can measure a cold start from IndexedDB with a large workspace, and lets
 * an e2e test commit raw ops the way the app does (to play a client whose change the server refuses).
 */
import * as Y from 'yjs';
import type { Op } from '../../core/index.ts';
import { database, openReplica } from './lib/db/index.ts';
import { workspace } from './lib/state/workspace.svelte.ts';

declare global {
  interface Window {
    gatehouseBenchImport?: (slug: string, base64: string) => Promise<number>;
    /** Commits `ops` to the open workspace as one local change named `summary` (queued for the server). */
    gatehouseTestCommit?: (ops: Op[], summary: string) => Promise<void>;
  }
}

window.gatehouseBenchImport = async (slug, base64) => {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const replica = await openReplica(database(), slug);
  Y.applyUpdate(replica.doc, bytes);
  // y-dexie writes updates asynchronously: wait until they are stored.
  await new Promise((r) => setTimeout(r, 1500));
  replica.release();
  return bytes.length;
};

window.gatehouseTestCommit = (ops, summary) => workspace.commit({ ops }, summary);
