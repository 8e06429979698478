/**
 * Schema 1 → 2 (core/doc/migrate-v1-to-v2.ts) on docs the schema-1 code wrote (test/fixtures/
 * schema-v1-docs.jsonl, one JSON object a line: merged three-replica scenarios of the property tests, some
 * repaired, and a small benchmark workspace, each as its update in base64 with the state the schema-1 code
 * read from it): the migrated doc reads exactly as before, the migration is one transaction and
 * idempotent, and what schema 2 writes next is valid.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  docSchemaVersion,
  MIGRATION_OPS,
  migrateV1toV2,
  schemaProblem,
} from '../../core/doc/migrate-v1-to-v2.ts';
import { applyOps, createWorkspaceDoc, type Grant, readState, validateChanges } from '../../core/index.ts';
import { normalizeState } from '../fixtures/replicas.ts';

interface V1Doc {
  readonly name: string;
  readonly update: string;
  readonly state: unknown;
}
const docs = readFileSync(new URL('../fixtures/schema-v1-docs.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as V1Doc);

const ROOTS = ['meta', 'users', 'groups', 'apps', 'dataSources', 'conflicts'];
const rootsJson = (doc: Y.Doc) => Object.fromEntries(ROOTS.map((n) => [n, doc.getMap(n).toJSON()]));

function load(fixture: V1Doc, clientID = 1): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  Y.applyUpdate(doc, Buffer.from(fixture.update, 'base64'));
  return doc;
}

/**
 * The state as the schema-1 code read it: the fixtures predate memberships with sources, which a schema-1
 * doc only ever holds as manual and permanent (derived from `members`, so compared through it).
 */
function readV1Shape(doc: Y.Doc): unknown {
  const state = normalizeState(readState(doc)) as { groups: Record<string, Record<string, unknown>> };
  for (const g of Object.values(state.groups)) {
    const memberships = g.memberships as Record<string, { source: string; expiresAt?: number }[]>;
    for (const held of Object.values(memberships)) expect(held).toEqual([{ source: 'manual' }]);
    expect(Object.keys(memberships).sort()).toEqual(g.members);
    delete g.memberships;
  }
  return state;
}

/** What one transaction changed, validated as the server validates a client's update. */
function validatedWrite(doc: Y.Doc, write: () => void) {
  let changed = new Map<Y.AbstractType<unknown>, Set<string | null>>();
  const grab = (tr: Y.Transaction) => {
    changed = tr.changed as typeof changed;
  };
  doc.on('afterTransaction', grab);
  write();
  doc.off('afterTransaction', grab);
  return validateChanges(doc, changed);
}

describe('schema 1 → 2', () => {
  it.each(docs.map((d) => [d.name, d] as const))('%s reads the same after migrating', (_name, fixture) => {
    const doc = load(fixture);
    expect(docSchemaVersion(doc)).toBe(1);
    expect(readV1Shape(doc)).toEqual(fixture.state);
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    expect(migrateV1toV2(doc)).toBe(true);
    expect(transactions).toBe(1);
    expect(docSchemaVersion(doc)).toBe(2);
    expect(readV1Shape(doc)).toEqual(fixture.state);
    // Nothing of schema 1's nested maps is left.
    for (const g of doc.getMap('groups').values()) {
      const group = g as Y.Map<unknown>;
      expect(group.get('members')).toBeInstanceOf(Y.Text);
      for (const grant of (group.get('grants') as Y.Map<Y.Map<unknown>>).values())
        expect(grant.has('resources')).toBe(false);
    }
    // Idempotent: a second run writes nothing.
    const sv = Y.encodeStateVector(doc);
    expect(migrateV1toV2(doc)).toBe(false);
    expect(Y.encodeStateVector(doc)).toEqual(sv);
    expect(transactions).toBe(1);
  });

  it.each(docs.map((d) => [d.name, d] as const))(
    '%s: the migration ops (what the server writes) do the same, and validate',
    (_name, fixture) => {
      const doc = load(fixture);
      const violations = validatedWrite(doc, () => applyOps(doc, MIGRATION_OPS, 'server'));
      expect(violations).toEqual([]);
      expect(docSchemaVersion(doc)).toBe(2);
      expect(readV1Shape(doc)).toEqual(fixture.state);
      const again = load(fixture);
      migrateV1toV2(again);
      expect(rootsJson(again)).toEqual(rootsJson(doc));
    },
  );

  it('a migrated doc takes schema-2 edits of members and resources, and they validate', () => {
    const fixture = docs.find((d) => d.name.startsWith('small bench'))!;
    const doc = load(fixture);
    migrateV1toV2(doc);
    const before = readState(doc);
    const editable = (gr: Grant) =>
      gr.scope === 'custom' && gr.resourceType === 'app' && gr.resourceIds.length < before.apps.size;
    const group = [...before.groups.values()].find(
      (g) => g.kind === 'custom' && g.members.size > 1 && [...g.grants.values()].some(editable),
    )!;
    const [leaving] = [...group.members];
    const joining = [...before.users.values()].find(
      (u) => !group.members.has(u.id) && u.status !== 'archived' && u.role !== 'end-user',
    )!;
    const grant = [...group.grants.values()].find(editable)!;
    const newApp = [...before.apps.keys()].find((id) => !grant.resourceIds.includes(id))!;
    const violations = validatedWrite(doc, () =>
      applyOps(doc, [
        { type: 'member.remove', groupId: group.id, userId: leaving! },
        { type: 'member.add', groupId: group.id, userId: joining.id, at: 1 },
        { type: 'grant.resources', groupId: group.id, grantId: grant.id, add: [newApp], remove: [] },
      ]),
    );
    expect(violations).toEqual([]);
    const after = readState(doc).groups.get(group.id)!;
    expect(after.members.has(leaving!)).toBe(false);
    expect(after.members.has(joining.id)).toBe(true);
    expect(after.members.size).toBe(group.members.size);
    expect(after.grants.get(grant.id)!.resourceIds).toEqual([...grant.resourceIds, newApp].sort());
  });

  it("keeps a schema-1 replica's offline field edits; drops its member edits, which schema 2 stores elsewhere", () => {
    const fixture = docs.find((d) => d.name.startsWith('small bench'))!;
    const server = load(fixture, 1);
    const old = load(fixture, 2);
    const state = readState(old);
    const user = [...state.users.values()][3]!;
    const group = [...state.groups.values()].find((g) => g.kind === 'custom' && g.members.size > 0)!;
    const outsider = [...state.users.values()].find((u) => !group.members.has(u.id))!;
    // The schema-1 replica edits offline, the way schema-1 code writes.
    old.transact(() => {
      (old.getMap('users').get(user.id) as Y.Map<unknown>).set('name', 'Renamed offline');
      ((old.getMap('groups').get(group.id) as Y.Map<unknown>).get('members') as Y.Map<unknown>).set(
        outsider.id,
        true,
      );
    });
    migrateV1toV2(server);
    Y.applyUpdate(server, Y.encodeStateAsUpdate(old, Y.encodeStateVector(server)));
    Y.applyUpdate(old, Y.encodeStateAsUpdate(server, Y.encodeStateVector(old)));
    const merged = readState(server);
    expect(merged.users.get(user.id)!.name).toBe('Renamed offline');
    expect(merged.groups.get(group.id)!.members.has(outsider.id)).toBe(false);
    expect(normalizeState(readState(old))).toEqual(normalizeState(merged));
  });

  it('says when this code may not edit a doc', () => {
    const fresh = createWorkspaceDoc({ name: 'Acme', slug: 'acme' });
    expect(docSchemaVersion(fresh)).toBe(2);
    expect(schemaProblem(fresh)).toBeNull();
    expect(schemaProblem(new Y.Doc())).toBeNull(); // an empty replica before its first sync
    expect(schemaProblem(load(docs[0]!))).toMatch(/upgraded when it next syncs/);
    fresh.getMap('meta').set('schemaVersion', 3);
    expect(schemaProblem(fresh)).toMatch(/Gatehouse was updated — reload/);
    expect(migrateV1toV2(fresh)).toBe(false);
  });

  it('refuses, by validation, a client that writes schema 1 or changes the version', () => {
    const doc = createWorkspaceDoc({ name: 'Acme', slug: 'acme' });
    const violations = validatedWrite(doc, () => doc.getMap('meta').set('schemaVersion', 1));
    expect(violations.map((v) => v.message).join()).toMatch(/must be 2 \(reload the app/);
  });
});
