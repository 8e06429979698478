/**
 * The audit store's ref reads on every backend: `auditRefs` (a window, newest first, limited), `auditRefsAt`
 * (exact times) and `auditEntriesByIds` (full entries) keep to their workspace and take >10,000 parameters.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  type AuditEntity,
  type AuditEntry,
  type AuditRef,
  forEachRefEntity,
  refColumns,
  refEntities,
} from '../../sync-server/storage/audit-store.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { storageBackends } from './backends.ts';
import { auditAt } from './history-support.ts';

const entity = (collection: string, id: string): AuditEntity => ({
  collection,
  id,
  name: id,
  fields: ['name'],
});

const entry = auditAt;

async function workspace(s: Storage, slug: string) {
  const doc = new Y.Doc();
  doc.getMap('m').set('name', slug);
  return s.createWorkspace({ slug, name: slug, initialUpdate: Y.encodeStateAsUpdate(doc) });
}

const byId = <T extends { id: number }>(xs: readonly T[]) => [...xs].sort((a, b) => a.id - b.id);
const ref = (e: AuditEntry): AuditRef => ({ id: e.id, at: e.at, keys: refKeys(e.entities) });
const refKeys = (es: readonly AuditEntity[]) => ` ${es.map((x) => `${x.collection} ${x.id}`).join(' ')} `;

/** Two workspaces with interleaved entries (so ids of `b` fall between `a`'s); all entries, oldest first. */
async function seeded(s: Storage) {
  const a = await workspace(s, 'acme');
  const b = await workspace(s, 'beta');
  await s.addAudit([entry(a.id, 1000, [entity('groups', 'g1'), entity('users', 'u1')])]);
  await s.addAudit([entry(b.id, 2000, [entity('groups', 'gb')])]);
  await s.addAudit([entry(a.id, 2000, [entity('apps', 'app-1')]), entry(a.id, 2000)]);
  await s.addAudit([entry(b.id, 3000, [entity('groups', 'gb')])]);
  await s.addAudit([entry(a.id, 3000, [entity('users', 'u2'), entity('groups', 'g1')])]);
  await s.addAudit([entry(a.id, 4000, [entity('groups', 'g9')])]);
  const all = async (ws: string) => byId(await s.queryAudit({ workspaceId: ws, limit: 100 }));
  const inA = await all(a.id);
  const inB = await all(b.id);
  expect(inA.map((e) => e.at)).toEqual([1000, 2000, 2000, 3000, 4000]);
  expect(inB.map((e) => e.at)).toEqual([2000, 3000]);
  return { a, b, inA, inB };
}

describe.each(storageBackends())('audit refs on $name', (backend) => {
  it('auditRefs: the window from ≤ at ≤ to, newest first, limited, only the workspace', async () => {
    const { storage } = await backend.open();
    const { a, b, inA, inB } = await seeded(storage);
    const [e1, e2, e3, e4, e5] = inA as [AuditEntry, AuditEntry, AuditEntry, AuditEntry, AuditEntry];

    expect(await refsIn(storage, a.id, 2000, 3000, 10)).toEqual([ref(e4), ref(e3), ref(e2)]);
    expect(await refsIn(storage, a.id, 2000, 3000, 2)).toEqual([ref(e4), ref(e3)]);
    expect(await refsIn(storage, a.id, 0, 10_000, 100)).toEqual([e5, e4, e3, e2, e1].map(ref));
    expect(await refsIn(storage, a.id, 1001, 1999, 10)).toEqual([]);
    expect(await refsIn(storage, a.id, 4000, 4000, 10)).toEqual([ref(e5)]);
    expect(await refsIn(storage, b.id, 0, 10_000, 10)).toEqual([ref(inB[1]!), ref(inB[0]!)]);
    expect(await refsIn(storage, 'no-such-workspace', 0, 10_000, 10)).toEqual([]);
  });

  it('auditRefs keys are the stored string, and refEntities reads them back in order', async () => {
    const { storage } = await backend.open();
    const { a } = await seeded(storage);
    const refs = byId(await refsIn(storage, a.id, 0, 10_000, 100));
    expect(refs.map((r) => r.keys)).toEqual([
      ' groups g1 users u1 ',
      ' apps app-1 ',
      '  ',
      ' users u2 groups g1 ',
      ' groups g9 ',
    ]);
    expect(refEntities(refs[0]!.keys)).toEqual([
      { collection: 'groups', id: 'g1' },
      { collection: 'users', id: 'u1' },
    ]);
    expect(refEntities(refs[3]!.keys)).toEqual([
      { collection: 'users', id: 'u2' },
      { collection: 'groups', id: 'g1' },
    ]);
    expect(refEntities(refs[2]!.keys)).toEqual([]);
  });

  it('auditRefsAt: the entries committed exactly at these times, only the workspace', async () => {
    const { storage } = await backend.open();
    const { a, b, inA, inB } = await seeded(storage);
    const [e1, e2, e3, e4] = inA as [AuditEntry, AuditEntry, AuditEntry, AuditEntry];

    expect(byId(await storage.auditRefsAt(a.id, [3000, 2000]))).toEqual([ref(e2), ref(e3), ref(e4)]);
    expect(byId(await storage.auditRefsAt(a.id, [1000, 1500, 9999]))).toEqual([ref(e1)]);
    expect(byId(await storage.auditRefsAt(b.id, [1000, 2000]))).toEqual([ref(inB[0]!)]);
    expect(await storage.auditRefsAt(a.id, [])).toEqual([]);
  });

  it('auditRefsAt takes more than 10,000 times', async () => {
    const { storage } = await backend.open();
    const { a, inA } = await seeded(storage);
    const [e1, , , , e5] = inA as [AuditEntry, AuditEntry, AuditEntry, AuditEntry, AuditEntry];
    // 12,000 times, 1000 in the first chunk and 4000 in the second (past 10,000), the rest missing.
    const times = Array.from({ length: 12_000 }, (_, i) => 100_000 + i);
    times[5] = 1000;
    times[11_000] = 4000;
    expect(byId(await storage.auditRefsAt(a.id, times))).toEqual([ref(e1), ref(e5)]);
  });

  it('auditEntriesByIds: the full entries, unknown and other workspaces’ ids skipped', async () => {
    const { storage } = await backend.open();
    const { a, b, inA, inB } = await seeded(storage);
    const [e1, e2, e3, , e5] = inA as [AuditEntry, AuditEntry, AuditEntry, AuditEntry, AuditEntry];
    const unknown = Math.max(...inA.map((e) => e.id), ...inB.map((e) => e.id)) + 1000;

    expect(byId(await storage.auditEntriesByIds(a.id, [e5.id, e1.id, unknown]))).toEqual([e1, e5]);
    expect(byId(await storage.auditEntriesByIds(a.id, [e2.id, inB[0]!.id, e3.id]))).toEqual([e2, e3]);
    expect(await storage.auditEntriesByIds(b.id, [e1.id, e2.id])).toEqual([]);
    expect(await storage.auditEntriesByIds(a.id, [])).toEqual([]);
    // The entries come whole: entities with names and fields, actor, summary.
    const [full] = await storage.auditEntriesByIds(a.id, [e1.id]);
    expect(full).toEqual({
      ...entry(a.id, 1000, [entity('groups', 'g1'), entity('users', 'u1')]),
      id: e1.id,
    });
  });

  it('stores and reads an entry naming thousands of entities (keys far beyond an index row)', async () => {
    const { storage } = await backend.open();
    const a = await workspace(storage, 'acme');
    // A SCIM group push names every member: 2,000 users, ~40 KB of keys.
    const many = Array.from({ length: 2_000 }, (_, i) => entity('users', `member-${i}`));
    await storage.addAudit([entry(a.id, 5000, [entity('groups', 'g1'), ...many])]);
    const [ref] = await refsIn(storage, a.id, 5000, 5000, 10);
    expect(refEntities(ref!.keys)).toHaveLength(2_001);
    expect(await storage.auditRefsAt(a.id, [5000])).toEqual([ref]);
  });

  it('auditEntriesByIds takes more than 10,000 ids', async () => {
    const { storage } = await backend.open();
    const { a, inA } = await seeded(storage);
    const [e1, , e3, , e5] = inA as [AuditEntry, AuditEntry, AuditEntry, AuditEntry, AuditEntry];
    const base = Math.max(...inA.map((e) => e.id)) + 1_000_000;
    const ids = Array.from({ length: 12_000 }, (_, i) => base + i);
    ids[3] = e1.id;
    ids[10_500] = e3.id;
    ids[11_999] = e5.id;
    expect(byId(await storage.auditEntriesByIds(a.id, ids))).toEqual([e1, e3, e5]);
  });
});

/** The refs of `auditRefs`' columns as rows. */
async function refsIn(storage: Storage, ws: string, from: number, to: number, limit: number) {
  const cols = await storage.auditRefs(ws, from, to, limit);
  const keys = cols.ids.length === 0 ? [] : cols.keys.split('\n');
  return [...cols.ids].map((id, i): AuditRef => ({ id, at: cols.ats[i]!, keys: keys[i]! }));
}

describe('audit refs by column (for the history worker)', () => {
  it('give back every entity of every ref with its audit id, in order', () => {
    const refs = [
      { id: 7, at: 1, keys: ' groups g1 users u1 ' },
      { id: 9, at: 2, keys: '  ' },
      { id: 12, at: 2, keys: ' apps app-1 ' },
    ];
    const seen: [string, string, number][] = [];
    forEachRefEntity(refColumns(refs), (collection, id, auditId) => seen.push([collection, id, auditId]));
    expect(seen).toEqual([
      ['groups', 'g1', 7],
      ['users', 'u1', 7],
      ['apps', 'app-1', 12],
    ]);
    forEachRefEntity(refColumns([]), () => {
      throw new Error('no refs, no entities');
    });
  });
});
