/**
 * Loaded only with `?gatehouse-bench` in the URL (bench/web.ts): stores a workspace doc in the local
 * replica so the benchmark can measure a cold start from IndexedDB with a large workspace.
 */
import * as Y from 'yjs';
import { database, openReplica } from './lib/db/index.ts';

declare global {
  interface Window {
    gatehouseBenchImport?: (slug: string, base64: string) => Promise<number>;
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
