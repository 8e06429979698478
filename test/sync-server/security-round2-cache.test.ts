/**
 * Security review, round 2 — the server's cache of access summaries is bounded by bytes so that many
 * users (or many versions) cannot grow the server's memory past ACCESS_VIEW_CACHE_BYTES. The bound only
 * holds if what it counts is what the cache keeps: the JSON string as well as its bytes, and the gzip at
 * its size (zlib hands back a view of a 16 KiB chunk).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { generateWorkspace } from '../../bench/generate-workspace.ts';
import { readState } from '../../core/index.ts';
import { AccessViewCache } from '../../sync-server/http/access-view.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const settle = () => {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

describe('AccessViewCache bytes', () => {
  it('counts at least what clearing it frees (within 30%)', () => {
    const state = readState(generateWorkspace({ users: 1500, groups: 150, apps: 300, seed: 7 }).doc);
    const cache = new AccessViewCache(1e12);
    cache.catalog(state);
    for (const id of state.users.keys()) cache.view(state, id, null)?.gzipped();
    const counted = cache.stats().bytes;
    const before = settle();
    cache.clear();
    const freed = before - settle();
    expect(counted).toBeGreaterThan(1e6);
    expect(freed / counted).toBeLessThan(1.3);
  });

  it('stays within its bound as users keep asking', () => {
    const state = readState(generateWorkspace({ users: 600, groups: 60, apps: 100, seed: 8 }).doc);
    const cache = new AccessViewCache(256 * 1024);
    for (const id of state.users.keys()) cache.view(state, id, null)?.gzipped();
    expect(cache.stats().bytes).toBeLessThanOrEqual(256 * 1024);
    expect(cache.stats().entries).toBeGreaterThan(0);
  });
});
