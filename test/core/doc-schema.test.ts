/**
 * The declared entity schema (core/doc/entity-schema.ts) and what is derived from it: each reader takes
 * every field from that field's own decoder, junk reads as the least-privilege default, and the preview
 * of ops (applyOpsToState) reads what they write as a read of the doc does — also for fields and shapes
 * no command writes today.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { GRANT, META_SCHEMA, SCHEMAS } from '../../core/doc/entity-schema.ts';
import { type EntitySchema, storedKeys } from '../../core/doc/fields.ts';
import {
  decoders,
  FieldsSource,
  READERS,
  readGrant,
  readMeta,
  type Source,
} from '../../core/doc/read-entities.ts';
import { COLLECTIONS } from '../../core/doc/schema.ts';
import { applyOps, applyOpsToState, type FieldValue, type Op, readState } from '../../core/index.ts';
import { normalizeState } from '../fixtures/replicas.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

const JUNK: readonly FieldValue[] = [
  '',
  '  HR  ',
  'Ada@Corp.com',
  'ada@corp.com',
  'admin',
  'builder',
  'archived',
  'active',
  'default',
  'custom',
  'app',
  'dataSource',
  'all',
  'view',
  'edit',
  'use',
  'configure',
  'x'.repeat(300),
  'https://hr.corp.com/*',
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  1_700_000_000_000,
  true,
  false,
  null,
  [],
  ['https://a.com/*', 3],
  [{ collection: 'users', id: 'u1', name: 'Ada' }, { id: 3 }, 'x'],
  [{ actor: 'ada', at: '12', summary: 7 }, { at: 1 }],
];
const junk = fc.constantFrom(...JUNK);

/** Every stored key of a schema, and some keys it does not have. */
function keysOf(schema: EntitySchema): string[] {
  return [...Object.entries(schema.fields).flatMap(([k, f]) => storedKeys(k, f)), 'bogus', 'constructor'];
}

/** A Y.Map holding `values` (nested keys get small Y.Maps of ids, or junk). */
function yMap(values: Readonly<Record<string, FieldValue | 'map'>>): Y.Map<unknown> {
  const doc = new Y.Doc();
  const m = doc.getMap('root').set('e', new Y.Map<unknown>());
  for (const [k, v] of Object.entries(values)) {
    if (v !== 'map') m.set(k, v);
    else {
      const nested = m.set(k, new Y.Map<unknown>());
      nested.set('b-id', true);
      nested.set('a-id', 1);
      const grant = nested.set('g-id', new Y.Map<unknown>());
      for (const [gk, gv] of Object.entries({ name: 'G', resourceType: 'app', scope: 'all', level: 'view' }))
        grant.set(gk, gv);
    }
  }
  return m;
}

const entries = (schema: EntitySchema) =>
  fc.dictionary(fc.constantFrom(...keysOf(schema)), fc.oneof(junk, fc.constant('map' as const)), {
    maxKeys: 12,
  });

describe('entity schema', () => {
  type Case = [string, EntitySchema, (id: string, src: Source) => unknown];
  const cases: Case[] = [
    ...COLLECTIONS.map((c): Case => [c, SCHEMAS[c], READERS[c]]),
    ['grants', GRANT, readGrant],
  ];

  it.each(cases)('the %s reader takes each field from its own decoder', (_name, schema, read) => {
    const decode = decoders(schema, { grants: readGrant }) as Record<string, (src: Source) => unknown>;
    fc.assert(
      fc.property(entries(schema), (values) => {
        for (const src of [yMap(values), new FieldsSource(values)]) {
          const out = read('id-1', src) as Record<string, unknown> | undefined;
          if (out === undefined) continue; // a grant without a valid shape
          // A group's members are derived from its memberships (the live ones, read at the same time).
          const derived = schema === SCHEMAS.groups ? ['members'] : [];
          expect(Object.keys(out).sort()).toEqual(['id', ...Object.keys(decode), ...derived].sort());
          for (const [k, d] of Object.entries(decode)) expect(out[k]).toEqual(d(src));
          if (derived.length)
            expect(out.members).toEqual(new Set((out.memberships as Map<string, unknown>).keys()));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('junk reads as least privilege', () => {
    const m = yMap({ role: 'owner', status: 'boss', kind: 'default', appCreate: 1, email: 'Ada@Corp.COM' });
    expect(READERS.users('u', m)).toMatchObject({
      role: 'end-user',
      status: 'archived',
      email: 'ada@corp.com',
    });
    expect(READERS.groups('g', m)).toMatchObject({ kind: 'default', role: undefined });
    expect(READERS.groups('g', m).flags.appCreate).toBe(false);
    // A role only on default groups, hiding only with View, a level only of its resource type.
    expect(READERS.groups('g', yMap({ kind: 'custom', role: 'admin' })).role).toBeUndefined();
    const grant = { name: 'G', resourceType: 'app', scope: 'all', level: 'edit', hideFromDashboard: true };
    expect(readGrant('x', yMap(grant))?.hideFromDashboard).toBe(false);
    expect(readGrant('x', yMap({ ...grant, level: 'view' }))?.hideFromDashboard).toBe(true);
    expect(readGrant('x', yMap({ ...grant, level: 'use' }))).toBeUndefined();
    expect(readGrant('x', yMap({ ...grant, scope: 'some' }))).toBeUndefined();
    expect(readMeta(yMap({ name: 3, schemaVersion: 1 }))).toEqual({ name: '', slug: '' });
  });
});

// ---------------------------------------------------------------------------------------------------------
// The preview of ops reads as the doc does.

function setupDoc() {
  const ws = createTestWorkspace();
  const ada = ws.user('ada@corp.com', 'admin');
  const eve = ws.user('eve@corp.com');
  const hr = ws.group('HR');
  const app = ws.app('Payroll', ['https://hr.corp.com/*']);
  ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
  const grantId = ws.must({
    type: 'grant.add',
    groupId: hr,
    grant: {
      name: 'Pay',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [app],
      level: 'view',
      hideFromDashboard: true,
    },
  });
  return { ws, ids: { users: [ada, eve], groups: [hr], apps: [app] }, hr, grantId };
}

const SHAPES = [
  { resourceType: 'app', scope: 'all', level: 'edit', hideFromDashboard: true }, // hidden only with View
  { resourceType: 'app', scope: 'custom', level: 'view', hideFromDashboard: true },
  { resourceType: 'dataSource', scope: 'all', level: 'use', hideFromDashboard: false },
  { resourceType: 'dataSource', scope: 'all', level: 'view', hideFromDashboard: false }, // no such level
  { resourceType: 'app', scope: 'custom', level: 'edit', hideFromDashboard: false },
] as const;

function fieldsArb(schema: EntitySchema, exclude: readonly string[] = []) {
  const keys = keysOf(schema).filter(
    (k) => !exclude.includes(k) && k !== 'members' && k !== 'grants' && k !== 'resources',
  );
  return fc.dictionary(fc.constantFrom(...keys), junk, { maxKeys: 6 });
}

const opArb = (ids: { users: string[]; groups: string[]; apps: string[] }, hr: string, grantId: string) =>
  fc.oneof(
    fc
      .tuple(fc.constantFrom(...(Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[])), fc.nat(3))
      .chain(([collection, n]) =>
        fieldsArb(SCHEMAS[collection]).map(
          (fields): Op => ({ type: 'entity.create', collection, id: `new-${collection}-${n}`, fields }),
        ),
      ),
    // Edits of existing entities; a group's kind is fixed once created (commands never change it).
    fc
      .tuple(
        fc.constantFrom('users', 'groups', 'apps') as fc.Arbitrary<'users' | 'groups' | 'apps'>,
        fc.nat(),
      )
      .chain(([collection, i]) =>
        fieldsArb(SCHEMAS[collection], ['kind']).map(
          (fields): Op => ({
            type: 'entity.set',
            collection,
            id: ids[collection][i % ids[collection].length]!,
            fields,
          }),
        ),
      ),
    fc.tuple(fc.constantFrom(...SHAPES), fc.nat(2)).map(
      ([shape, n]): Op => ({
        type: 'grant.create',
        groupId: hr,
        grantId: `new-grant-${n}`,
        fields: { name: 'New', createdAt: 5, ...shape },
        resourceIds: [ids.apps[0]!, ids.apps[0]!],
      }),
    ),
    // A grant's shape is written whole (as grant.update does); its name and tombstone alone. The preview
    // starts from the model, where a grant of no valid shape is absent, so no edit can bring one back.
    fc
      .constantFrom(...SHAPES.filter((s) => s.resourceType === 'app'))
      .map((shape): Op => ({ type: 'grant.set', groupId: hr, grantId, fields: shape })),
    fc
      .constantFrom({ name: 'Renamed' }, { deletedAt: 9 }, { deletedAt: undefined }, { name: 4 })
      .map((fields): Op => ({ type: 'grant.set', groupId: hr, grantId, fields })),
    fc.constantFrom(...ids.users).map((userId): Op => ({ type: 'member.add', groupId: hr, userId, at: 1 })),
    fc.constantFrom(...ids.users).map((userId): Op => ({ type: 'member.remove', groupId: hr, userId })),
    fieldsArb(META_SCHEMA).map((fields): Op => ({ type: 'meta.set', fields })),
  );

describe('applyOpsToState', () => {
  it('previews any ops as a read of the doc they are written to', () => {
    const { ws, ids, hr, grantId } = setupDoc();
    const base = Y.encodeStateAsUpdate(ws.doc);
    fc.assert(
      fc.property(fc.array(opArb(ids, hr, grantId), { maxLength: 12 }), (ops) => {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, base);
        const before = readState(doc);
        applyOps(doc, ops);
        expect(normalizeState(applyOpsToState(before, ops))).toEqual(normalizeState(readState(doc)));
      }),
      { numRuns: 300 },
    );
  });
});
