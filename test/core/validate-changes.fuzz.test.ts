/**
 * validateChanges fuzz (issue 2 §5–6): the server applies each untrusted update to a shadow doc and checks
 * what it changed (`transaction.changed`). Random bytes, mutated updates and deliberately hostile updates
 * never make validateChanges (or the readers) throw; every hostile case is reported; updates that
 * legitimate commands and the server's own repair produce are not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  accessFor,
  applyOps,
  commit,
  conflictOps,
  isValidEmail,
  plan,
  ROLES,
  type Role,
  readState,
  repair,
  USER_STATUSES,
  type Violation,
  validateChanges,
} from '../../core/index.ts';
import {
  cloneBase,
  commandSpec,
  createBaseWorkspace,
  LOCAL,
  REPLICA_EPOCH,
  Replica,
  runScenario,
  scenarioArbitrary,
} from '../fixtures/replicas.ts';

const RUNS = Math.max(200, Number(process.env.PROPERTY_RUNS ?? 200));
const TIMEOUT_MS = Math.max(60_000, RUNS * 100);
const base = createBaseWorkspace();
const ROOTS = ['users', 'groups', 'apps', 'dataSources', 'conflicts', 'meta'] as const;
const UNTRUSTED = Symbol('untrusted');

type YMap = Y.Map<unknown>;
type Changed = Map<Y.AbstractType<unknown>, Set<string | null>>;

/**
 * The server's shadow: the stored doc loaded from bytes. `typed` reads its roots as maps first; an untyped
 * shadow once lost root-level changes (see the regressions below), so the hostile properties use a typed
 * one and the legitimate-update property an untyped one.
 */
function shadowDoc(clientID = 7, typed = true): Y.Doc {
  const doc = cloneBase(base, clientID);
  if (typed) for (const r of ROOTS) doc.getMap(r);
  return doc;
}
const BASE_SV = Y.encodeStateVector(shadowDoc());

interface Outcome {
  readonly violations: Violation[];
  readonly decodeError: unknown;
  readonly transactions: number;
}

/** Applies an untrusted update to `shadow` and validates every transaction it caused. */
function validateUpdate(update: Uint8Array, shadow: Y.Doc = shadowDoc()): Outcome {
  const changes: Changed[] = [];
  const onTransaction = (tr: Y.Transaction) => {
    if (tr.origin === UNTRUSTED) changes.push(tr.changed as Changed);
  };
  shadow.on('afterTransaction', onTransaction);
  let decodeError: unknown = null;
  try {
    Y.applyUpdate(shadow, update, UNTRUSTED);
  } catch (e) {
    decodeError = e; // the decoder's business, not validateChanges'
  } finally {
    shadow.off('afterTransaction', onTransaction);
  }
  // Must never throw, whatever the update did to the shadow.
  const violations = changes.flatMap((changed) => validateChanges(shadow, changed));
  return { violations, decodeError, transactions: changes.length };
}

/** Reading junk never throws either (read-entities.ts: "Junk never throws"). */
function readersSurvive(doc: Y.Doc): void {
  const state = readState(doc);
  for (const id of state.users.keys()) accessFor(state, id);
  repair(state, { now: REPLICA_EPOCH });
}

/** An update made by an attacker who holds the base doc and edits it directly. */
function hostileUpdate(mutate: (doc: Y.Doc) => void): Uint8Array {
  const attacker = shadowDoc(666);
  mutate(attacker);
  return Y.encodeStateAsUpdate(attacker, BASE_SV);
}

// ---------------------------------------------------------------------------------------------------------
// Where things are in the base doc

const s0 = base.state;
const ids = <T extends { id: string }>(xs: Iterable<T>) => [...xs].map((x) => x.id).sort();
const USERS = ids(s0.users.values());
const GROUPS = ids(s0.groups.values());
const CUSTOM_GROUPS = ids([...s0.groups.values()].filter((g) => g.kind === 'custom'));
const DEFAULT_GROUPS = ids([...s0.groups.values()].filter((g) => g.kind === 'default'));
const GRANTS = [...s0.groups.values()]
  .flatMap((g) => [...g.grants.values()].map((gr) => ({ groupId: g.id, grantId: gr.id, grant: gr })))
  .sort((a, b) => (a.grantId < b.grantId ? -1 : 1));
const CUSTOM_GRANTS = GRANTS.filter((x) => x.grant.scope === 'custom');
const NOT_VIEW_GRANTS = GRANTS.filter((x) => x.grant.level !== 'view');
const APPS = ids(s0.apps.values());
const DATA_SOURCES = ids(s0.dataSources.values());
const ALL_IDS = new Set([...USERS, ...GROUPS, ...APPS, ...DATA_SOURCES, ...GRANTS.map((g) => g.grantId)]);

const nth = <T>(xs: readonly T[], i: number): T => xs[i % xs.length] as T;
// Ids never hold whitespace (schema 2 joins them with spaces; newId() draws base64url).
const freshId = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((s) => !ALL_IDS.has(s) && s !== '__proto__' && !/\s/.test(s));

type Target = 'user' | 'group' | 'grant' | 'app' | 'dataSource' | 'meta';
const COLLECTION_OF = { user: 'users', group: 'groups', app: 'apps', dataSource: 'dataSources' } as const;

/** The Y.Map of a target entity and the path validateChanges reports for it. */
function locate(doc: Y.Doc, target: Target, pick: number): { map: YMap; path: string } {
  if (target === 'meta') return { map: doc.getMap('meta'), path: 'meta' };
  if (target === 'grant') {
    const { groupId, grantId } = nth(GRANTS, pick);
    const grants = (doc.getMap('groups').get(groupId) as YMap).get('grants') as YMap;
    return { map: grants.get(grantId) as YMap, path: `groups.${groupId}.grants.${grantId}` };
  }
  const collection = COLLECTION_OF[target];
  const pool = { user: USERS, group: GROUPS, app: APPS, dataSource: DATA_SOURCES }[target];
  const id = nth(pool, pick);
  return { map: doc.getMap(collection).get(id) as YMap, path: `${collection}.${id}` };
}

// ---------------------------------------------------------------------------------------------------------
// Junk values, each wrong for the kind of field it goes to

const notString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(
    fc.string({ maxLength: 3 }).filter((k) => k !== '__proto__'),
    fc.integer(),
    { maxKeys: 2, noNullPrototype: true },
  ),
  fc.uint8Array({ maxLength: 4 }),
);
const notBoolean = fc.oneof(
  fc.string({ maxLength: 5 }),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.boolean(), { maxLength: 2 }),
);
const notTime = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer({ max: -1 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, true),
);
const notOneOf = (allowed: readonly string[]) =>
  fc.oneof(
    notString,
    fc.string({ maxLength: 12 }).filter((s) => !allowed.includes(s)),
  );
const blank = fc.constantFrom('', ' ', '\t\n ');
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

type FieldKind =
  | { readonly kind: 'text'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly allowed: readonly string[] }
  | { readonly kind: 'bool' | 'time' | 'email' | 'slug' | 'patterns' };

const text = (min: number, max: number): FieldKind => ({ kind: 'text', min, max });
const FLAG_FIELDS = [
  'appCreate',
  'appDelete',
  'folderCRUD',
  'orgConstantCRUD',
  'dataSourceCreate',
  'dataSourceDelete',
] as const;
const FIELDS: Readonly<Record<Target, Readonly<Record<string, FieldKind>>>> = {
  user: {
    email: { kind: 'email' },
    name: text(0, 200),
    role: { kind: 'enum', allowed: ROLES },
    status: { kind: 'enum', allowed: USER_STATUSES },
    createdAt: { kind: 'time' },
  },
  group: {
    name: text(1, 50),
    kind: { kind: 'enum', allowed: ['custom', 'default'] },
    createdAt: { kind: 'time' },
    deletedAt: { kind: 'time' },
    ...Object.fromEntries(FLAG_FIELDS.map((f) => [f, { kind: 'bool' } as FieldKind])),
  },
  grant: {
    name: text(1, 50),
    resourceType: { kind: 'enum', allowed: ['app', 'dataSource'] },
    scope: { kind: 'enum', allowed: ['all', 'custom'] },
    level: { kind: 'enum', allowed: ['edit', 'view', 'configure', 'use'] },
    hideFromDashboard: { kind: 'bool' },
    createdAt: { kind: 'time' },
    deletedAt: { kind: 'time' },
  },
  app: {
    name: text(1, 200),
    slug: { kind: 'slug' },
    urlPatterns: { kind: 'patterns' },
    createdAt: { kind: 'time' },
    deletedAt: { kind: 'time' },
  },
  dataSource: {
    name: text(1, 200),
    kind: text(1, 50),
    createdAt: { kind: 'time' },
    deletedAt: { kind: 'time' },
  },
  meta: { name: text(1, 200), slug: text(1, 64) },
};
/** Fields whose absence is a violation (optional ones, like flags and deletedAt, may be missing). */
const REQUIRED: Readonly<Record<Target, readonly string[]>> = {
  user: ['email', 'name', 'role', 'status', 'createdAt'],
  group: ['name', 'kind', 'createdAt', 'members', 'grants'],
  grant: ['name', 'resourceType', 'scope', 'level', 'createdAt', 'resourceIds'],
  app: ['name', 'slug', 'urlPatterns', 'createdAt'],
  dataSource: ['name', 'kind', 'createdAt'],
  meta: ['name', 'slug'],
};
const TARGETS = Object.keys(FIELDS) as Target[];
const FIELD_LIST = TARGETS.flatMap((t) => Object.entries(FIELDS[t]).map(([f, k]) => [t, f, k] as const));

function junkFor(k: FieldKind): fc.Arbitrary<unknown> {
  switch (k.kind) {
    case 'text':
      return k.min > 0 ? fc.oneof(notString, blank) : notString;
    case 'enum':
      return notOneOf(k.allowed);
    case 'bool':
      return notBoolean;
    case 'time':
      return notTime;
    case 'email':
      return fc.oneof(
        notString,
        fc.string({ maxLength: 20 }).filter((s) => !isValidEmail(s)),
      );
    case 'slug':
      return fc.oneof(
        notString,
        fc.string({ maxLength: 20 }).filter((s) => !SLUG.test(s)),
      );
    case 'patterns':
      return fc.oneof(
        fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null)),
        fc.constant(['not a pattern']),
        fc.constant(Array.from({ length: 21 }, (_, i) => `https://h${i}.corp.io/*`)),
      );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Hostile updates as data: each names the path where validateChanges must report

const pick = fc.nat({ max: 999 });
const yJunk = fc.constantFrom('array', 'text', 'xml', 'object', 'subdoc', 'number');
type YJunk = 'array' | 'text' | 'xml' | 'object' | 'subdoc' | 'number';
const makeJunk = (as: YJunk): unknown => {
  switch (as) {
    case 'array':
      return Y.Array.from([1, 2]);
    case 'text':
      return new Y.Text('junk');
    case 'xml':
      return new Y.XmlFragment();
    case 'object':
      return { email: 'eve@corp.io', role: 'admin' };
    case 'subdoc':
      return new Y.Doc();
    case 'number':
      return 42;
  }
};
const reservedName = fc
  .tuple(
    fc.constantFrom('admin', 'builder', 'end-user', 'end-users', 'all users'),
    fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
    fc.constantFrom('', ' ', '  ', '\t'),
    fc.constantFrom('', ' ', '\n'),
  )
  .map(
    ([n, upper, pre, post]) =>
      pre + [...n].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join('') + post,
  );

type Hostile =
  | { readonly k: 'unknown-root'; readonly name: string; readonly as: 'map' | 'array' | 'text' }
  | {
      readonly k: 'wrong-value';
      readonly target: Target;
      readonly pick: number;
      readonly field: string;
      readonly value: unknown;
    }
  | { readonly k: 'delete-entity'; readonly target: keyof typeof COLLECTION_OF; readonly pick: number }
  | { readonly k: 'delete-field'; readonly target: Target; readonly pick: number; readonly field: string }
  | {
      readonly k: 'huge-string';
      readonly target: Target;
      readonly pick: number;
      readonly field: string;
      readonly length: number;
    }
  | {
      readonly k: 'y-type';
      readonly where: 'entity' | 'new-entity' | 'members' | 'grants' | 'resources' | 'grant-entry';
      readonly target: keyof typeof COLLECTION_OF;
      readonly pick: number;
      readonly id: string;
      readonly as: YJunk;
    }
  | { readonly k: 'unknown-member'; readonly pick: number; readonly userId: string; readonly at: number }
  | { readonly k: 'member-value'; readonly pick: number; readonly user: number; readonly value: MemberJunk }
  | { readonly k: 'reserved-name'; readonly pick: number; readonly name: string; readonly fresh: boolean }
  | {
      readonly k: 'unknown-field';
      readonly target: Target;
      readonly pick: number;
      readonly field: string;
      readonly value: unknown;
    }
  | { readonly k: 'second-default'; readonly role: Role; readonly id: string }
  | { readonly k: 'delete-default'; readonly pick: number }
  | { readonly k: 'unknown-resource'; readonly pick: number; readonly id: string }
  | { readonly k: 'resource-value'; readonly pick: number; readonly value: unknown }
  | { readonly k: 'hide-needs-view'; readonly pick: number }
  | { readonly k: 'huge-conflict'; readonly id: string; readonly length: number };

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  fc.record({
    k: fc.constant('unknown-root' as const),
    name: fc.string({ minLength: 1, maxLength: 10 }).filter((n) => !(ROOTS as readonly string[]).includes(n)),
    as: fc.constantFrom('map' as const, 'array' as const, 'text' as const),
  }),
  fc.constantFrom(...FIELD_LIST).chain(([target, field, kind]) =>
    fc.record({
      k: fc.constant('wrong-value' as const),
      target: fc.constant(target),
      pick,
      field: fc.constant(field),
      value: junkFor(kind),
    }),
  ),
  fc.record({
    k: fc.constant('delete-entity' as const),
    target: fc.constantFrom('user' as const, 'group' as const, 'app' as const, 'dataSource' as const),
    pick,
  }),
  fc.constantFrom(...TARGETS).chain((target) =>
    fc.record({
      k: fc.constant('delete-field' as const),
      target: fc.constant(target),
      pick,
      field: fc.constantFrom(...REQUIRED[target]),
    }),
  ),
  fc
    .constantFrom(
      ...FIELD_LIST.filter(([, , k]) => k.kind !== 'bool' && k.kind !== 'time' && k.kind !== 'enum'),
    )
    .chain(([target, field]) =>
      fc.record({
        k: fc.constant('huge-string' as const),
        target: fc.constant(target),
        pick,
        field: fc.constant(field),
        length: fc.integer({ min: 255, max: 100_000 }),
      }),
    ),
  fc.record({
    k: fc.constant('y-type' as const),
    where: fc.constantFrom(
      'entity' as const,
      'new-entity' as const,
      'members' as const,
      'grants' as const,
      'resources' as const,
      'grant-entry' as const,
    ),
    target: fc.constantFrom('user' as const, 'group' as const, 'app' as const, 'dataSource' as const),
    pick,
    id: freshId,
    as: yJunk,
  }),
  fc.record({
    k: fc.constant('unknown-member' as const),
    pick,
    // `@` and `+` start a membership's source and expiry: such a token is a grammar error, not a user.
    userId: freshId.filter((s) => !/[@+]/.test(s)),
    at: fc.integer({ min: 0 }),
  }),
  fc.record({
    k: fc.constant('member-value' as const),
    pick,
    user: pick,
    // Members are id tokens, each followed by a space, in plain text; anything else is junk.
    value: fc.constantFrom<MemberJunk>('no-space', 'double-space', 'format', 'embed', 'leading-space'),
  }),
  fc.record({ k: fc.constant('reserved-name' as const), pick, name: reservedName, fresh: fc.boolean() }),
  fc.constantFrom(...TARGETS).chain((target) =>
    fc.record({
      k: fc.constant('unknown-field' as const),
      target: fc.constant(target),
      pick,
      field: fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((f) => !(f in FIELDS[target]) && !REQUIRED[target].includes(f) && f !== 'schemaVersion'),
      value: fc.oneof(fc.boolean(), fc.integer(), fc.string({ maxLength: 5 })),
    }),
  ),
  fc.record({ k: fc.constant('second-default' as const), role: fc.constantFrom(...ROLES), id: freshId }),
  fc.record({ k: fc.constant('delete-default' as const), pick }),
  fc.record({ k: fc.constant('unknown-resource' as const), pick, id: freshId }),
  fc.record({
    k: fc.constant('resource-value' as const),
    pick,
    value: fc.oneof(
      fc.constant(false),
      fc.integer(),
      fc.constant(null),
      fc.constantFrom(' ', 'a  b', ' a', 'a ', ['a']),
    ),
  }),
  fc.record({ k: fc.constant('hide-needs-view' as const), pick }),
  fc.record({
    k: fc.constant('huge-conflict' as const),
    id: freshId,
    length: fc.integer({ min: 2001, max: 50_000 }),
  }),
);

type MemberJunk = 'no-space' | 'double-space' | 'format' | 'embed' | 'leading-space';

const groupMap = (doc: Y.Doc, id: string) => doc.getMap('groups').get(id) as YMap;
const nestedOf = (m: YMap, key: string) => m.get(key) as YMap;
const membersOf = (doc: Y.Doc, groupId: string) => groupMap(doc, groupId).get('members') as Y.Text;
const grantOf = (doc: Y.Doc, groupId: string, grantId: string) =>
  nestedOf(nestedOf(groupMap(doc, groupId), 'grants'), grantId);

function validGroupFields(map: YMap, name: string): void {
  map.set('name', name);
  map.set('kind', 'custom');
  map.set('createdAt', REPLICA_EPOCH);
  map.set('members', new Y.Text());
  map.set('grants', new Y.Map());
}

/** Writes the hostile change into the attacker's doc; returns the path that must be reported. */
function applyHostile(doc: Y.Doc, h: Hostile): string {
  switch (h.k) {
    case 'unknown-root': {
      if (h.as === 'map') doc.getMap(h.name).set('x', 1);
      else if (h.as === 'array') doc.getArray(h.name).insert(0, [1]);
      else doc.getText(h.name).insert(0, 'x');
      return h.name;
    }
    case 'wrong-value': {
      const { map, path } = locate(doc, h.target, h.pick);
      map.set(h.field, h.value);
      return `${path}.${h.field}`;
    }
    case 'delete-entity': {
      const { path } = locate(doc, h.target, h.pick);
      const [collection, id] = [COLLECTION_OF[h.target], path.slice(COLLECTION_OF[h.target].length + 1)];
      doc.getMap(collection).delete(id);
      return path;
    }
    case 'delete-field': {
      // A field set at creation lives in the entity's pack (`i`, schema 2): take both away.
      const { map, path } = locate(doc, h.target, h.pick);
      map.delete(h.field);
      if (map.has('i')) map.delete('i');
      return `${path}.${h.field}`;
    }
    case 'huge-string': {
      const { map, path } = locate(doc, h.target, h.pick);
      map.set(h.field, 'x'.repeat(h.length));
      return `${path}.${h.field}`;
    }
    case 'y-type': {
      const junk = makeJunk(h.as);
      const collection = COLLECTION_OF[h.target];
      if (h.where === 'entity' || h.where === 'new-entity') {
        const id =
          h.where === 'entity' ? locate(doc, h.target, h.pick).path.slice(collection.length + 1) : h.id;
        doc.getMap(collection).set(id, junk);
        return `${collection}.${id}`;
      }
      if (h.where === 'resources') {
        const { groupId, grantId } = nth(GRANTS, h.pick);
        nestedOf(nestedOf(groupMap(doc, groupId), 'grants'), grantId).set('resources', junk);
        return `groups.${groupId}.grants.${grantId}.resources`;
      }
      const groupId = nth(GROUPS, h.pick);
      if (h.where === 'grant-entry') {
        nestedOf(groupMap(doc, groupId), 'grants').set(h.id, junk);
        return `groups.${groupId}.grants.${h.id}`;
      }
      groupMap(doc, groupId).set(h.where, junk);
      return `groups.${groupId}.${h.where}`;
    }
    case 'unknown-member': {
      const groupId = nth(CUSTOM_GROUPS, h.pick);
      const members = membersOf(doc, groupId);
      members.insert(h.at % (members.length + 1) === 0 ? 0 : members.length, `${h.userId} `);
      return `groups.${groupId}.members.${h.userId}`;
    }
    case 'member-value': {
      const groupId = nth(CUSTOM_GROUPS, h.pick);
      const userId = nth(USERS, h.user);
      const members = membersOf(doc, groupId);
      const end = members.length;
      if (h.value === 'no-space') members.insert(end, userId);
      else if (h.value === 'double-space') members.insert(end, `${userId}  `);
      else if (h.value === 'leading-space') members.insert(0, ` ${userId} `);
      else if (h.value === 'format') members.insert(end, `${userId} `, { bold: true });
      else members.insertEmbed(end, { id: userId });
      return `groups.${groupId}.members`;
    }
    case 'reserved-name': {
      if (h.fresh) {
        const map = doc.getMap('groups').set(`fresh-${h.pick}`, new Y.Map<unknown>());
        validGroupFields(map, h.name);
        return `groups.fresh-${h.pick}.name`;
      }
      const groupId = nth(CUSTOM_GROUPS, h.pick);
      groupMap(doc, groupId).set('name', h.name);
      return `groups.${groupId}.name`;
    }
    case 'unknown-field': {
      const { map, path } = locate(doc, h.target, h.pick);
      map.set(h.field, h.value);
      return `${path}.${h.field}`;
    }
    case 'second-default': {
      const map = doc.getMap('groups').set(h.id, new Y.Map<unknown>());
      validGroupFields(map, 'Shadow admins');
      map.set('kind', 'default');
      map.set('role', h.role);
      return 'groups';
    }
    case 'delete-default': {
      const groupId = nth(DEFAULT_GROUPS, h.pick);
      groupMap(doc, groupId).set('deletedAt', REPLICA_EPOCH);
      return `groups.${groupId}.deletedAt`;
    }
    case 'unknown-resource': {
      // (An id of the other resource type is not junk: concurrent grant edits make it; repair drops it.)
      const { groupId, grantId, grant } = nth(CUSTOM_GRANTS, h.pick);
      grantOf(doc, groupId, grantId).set('resourceIds', [...grant.resourceIds, h.id].sort().join(' '));
      return `groups.${groupId}.grants.${grantId}.resourceIds.${h.id}`;
    }
    case 'resource-value': {
      const { groupId, grantId } = nth(CUSTOM_GRANTS, h.pick);
      grantOf(doc, groupId, grantId).set('resourceIds', h.value);
      return `groups.${groupId}.grants.${grantId}.resourceIds`;
    }
    case 'hide-needs-view': {
      const { groupId, grantId } = nth(NOT_VIEW_GRANTS, h.pick);
      nestedOf(nestedOf(groupMap(doc, groupId), 'grants'), grantId).set('hideFromDashboard', true);
      return `groups.${groupId}.grants.${grantId}.hideFromDashboard`;
    }
    case 'huge-conflict': {
      const map = doc.getMap('conflicts').set(h.id, new Y.Map<unknown>());
      map.set('code', 'x');
      map.set('message', 'm'.repeat(h.length));
      map.set('repair', '');
      map.set('entities', []);
      map.set('edits', []);
      map.set('createdAt', REPLICA_EPOCH);
      return `conflicts.${h.id}.message`;
    }
  }
}

const reported = (violations: readonly Violation[], path: string) =>
  violations.some((v) => v.path === path || v.path.startsWith(`${path}.`));

// ---------------------------------------------------------------------------------------------------------

describe('validateChanges fuzz', () => {
  it('accepts a legitimate update on a shadow loaded from stored bytes (untyped roots)', () => {
    const shadow = shadowDoc(9, false);
    const r = new Replica('a', 101, base);
    must(r, { type: 'group.create', name: 'Sales' });
    const { violations } = validateUpdate(r.local[0] as Uint8Array, shadow);
    r.destroy();
    expect(violations).toEqual([]);
  });

  it(
    'reports every deliberately hostile update, at the path it broke, and never throws',
    () => {
      fc.assert(
        fc.property(hostile, (h) => {
          let path = '';
          const update = hostileUpdate((doc) => {
            path = applyHostile(doc, h);
          });
          const shadow = shadowDoc();
          const { violations, decodeError } = validateUpdate(update, shadow);
          expect(decodeError).toBeNull();
          expect({ path, reported: reported(violations, path) }).toEqual({ path, reported: true });
          readersSurvive(shadow);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'several hostile changes in one update are all reported',
    () => {
      fc.assert(
        fc.property(fc.array(hostile, { minLength: 2, maxLength: 4 }), (hs) => {
          const paths: string[] = [];
          const update = hostileUpdate((doc) => {
            for (const h of hs) {
              try {
                paths.push(applyHostile(doc, h));
              } catch {
                // An earlier change replaced or removed what this one edits.
              }
            }
          });
          const shadow = shadowDoc();
          const { violations, decodeError } = validateUpdate(update, shadow);
          expect(decodeError).toBeNull();
          // Changes interact (a later one may replace the entity, or change what an earlier one meant:
          // a default group losing its kind is no longer a deleted default group), so each changed entity
          // must be reported somewhere within it.
          const entityOf = (path: string) => path.split('.').slice(0, 2).join('.');
          const near = (path: string) =>
            violations.some(
              (v) =>
                entityOf(v.path) === entityOf(path) || (!path.includes('.') && v.path.split('.')[0] === path),
            );
          expect(paths.filter((p) => !near(p))).toEqual([]);
          readersSurvive(shadow);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'random bytes never make validateChanges or the readers throw',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
          const shadow = shadowDoc();
          validateUpdate(bytes, shadow);
          readersSurvive(shadow);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  // A pool of real updates from legitimate commands, to mutate.
  const legit: Uint8Array[] = (() => {
    const r = new Replica('m', 404, base);
    const specs =
      fc.sample(fc.array(commandSpec, { minLength: 30, maxLength: 30 }), { numRuns: 1, seed: 42 })[0] ?? [];
    for (const spec of specs) r.run(spec);
    const out = [...r.local];
    r.destroy();
    return out;
  })();

  it(
    'mutated legitimate updates never make validateChanges or the readers throw',
    () => {
      expect(legit.length).toBeGreaterThan(5);
      const mutation = fc.record({
        which: fc.nat(),
        flips: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
        cut: fc.option(fc.nat(), { nil: undefined }),
        prefixAll: fc.boolean(),
      });
      fc.assert(
        fc.property(mutation, ({ which, flips, cut, prefixAll }) => {
          const shadow = shadowDoc();
          // Sometimes the shadow already holds the updates before the mutated one (so it can integrate).
          const index = which % legit.length;
          if (prefixAll) for (const u of legit.slice(0, index)) Y.applyUpdate(shadow, u);
          const bytes = Uint8Array.from(legit[index] as Uint8Array);
          for (const [pos, byte] of flips) bytes[pos % bytes.length] = byte;
          const mutated = cut === undefined ? bytes : bytes.slice(0, cut % (bytes.length + 1));
          validateUpdate(mutated, shadow);
          readersSurvive(shadow);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'updates from legitimate commands, concurrent merges and the server repair report nothing',
    () => {
      fc.assert(
        fc.property(scenarioArbitrary({ minCommands: 2, maxCommands: 6 }), (sc) => {
          const run = runScenario(base, sc);
          try {
            // Clients talk through the server only. Without gossip the server gets each replica's updates
            // one by one, round robin; with gossip a replica holds others' edits, and sends what the server
            // lacks as one update when it reconnects (y-websocket sync step 2).
            const server = shadowDoc(9, false);
            const violations: Violation[] = [];
            if (sc.midGossip.length === 0) {
              const queues = run.replicas.map((r) => [...r.local]);
              for (let i = 0; queues.some((q) => q.length > 0); i = (i + 1) % queues.length) {
                const u = queues[i]?.shift();
                if (u) violations.push(...validateUpdate(u, server).violations);
              }
            } else
              for (const r of run.replicas) {
                const diff = Y.encodeStateAsUpdate(r.doc, Y.encodeStateVector(server));
                violations.push(...validateUpdate(diff, server).violations);
              }
            expect(violations).toEqual([]);
            expect(server.store.pendingStructs).toBeNull();
            // Then repairs the merge as its own change, which must validate too.
            const merged = readState(server);
            let n = 0;
            const r = repair(merged, {
              previous: base.state,
              now: REPLICA_EPOCH + 1e6,
              newId: () => `c${++n}`,
            });
            const source = shadowDoc(10);
            Y.applyUpdate(source, Y.encodeStateAsUpdate(server));
            let repairUpdate: Uint8Array | null = null;
            source.on('update', (u: Uint8Array) => {
              repairUpdate = u;
            });
            applyOps(source, [...r.ops, ...conflictOps(r.conflicts)], LOCAL);
            if (repairUpdate) expect(validateUpdate(repairUpdate, server).violations).toEqual([]);
          } finally {
            run.destroy();
          }
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------------------
// Regressions: merges and shadows that validateChanges (and grant.update) once got wrong.

/** Two admins edit offline from the base workspace, then reconnect to the server one after the other. */
function twoAdmins(edit: (a: Replica, b: Replica) => void): Violation[] {
  const a = new Replica('a', 101, base);
  const b = new Replica('b', 202, base);
  try {
    edit(a, b);
    const server = shadowDoc(9);
    const violations: Violation[] = [];
    for (const r of [a, b])
      violations.push(
        ...validateUpdate(Y.encodeStateAsUpdate(r.doc, Y.encodeStateVector(server)), server).violations,
      );
    return violations;
  } finally {
    a.destroy();
    b.destroy();
  }
}

/** Runs a command that must succeed on a replica. */
function must(r: Replica, command: Parameters<typeof plan>[1]): void {
  const result = plan(r.state(), command, { now: r.now(), newId: r.newId });
  if (!result.ok) throw new Error(`${command.type}: ${result.error.code}`);
  commit(r.doc, result.value, LOCAL);
}

const HR = [...s0.groups.values()].find((g) => g.name === 'HR');
const HR_GRANT = HR && [...HR.grants.values()][0];
const byName = <T extends { name: string; id: string }>(m: ReadonlyMap<string, T>, name: string) =>
  [...m.values()].find((x) => x.name === name)?.id as string;
const PAYROLL = byName(s0.apps, 'Payroll');
const WIKI = byName(s0.apps, 'Wiki');
const PAYROLL_DB = byName(s0.dataSources, 'Payroll DB');

describe('regressions: validateChanges', () => {
  it('reports root-level changes on a shadow whose roots were untyped when the update arrived', () => {
    // validateChanges types the roots itself, but `changed` is keyed by the untyped placeholders the
    // transaction saw; rootNameOf() no longer finds them and skips every change made at root level.
    const cases: [string, (doc: Y.Doc) => void][] = [
      ['users.mallory', (doc) => doc.getMap('users').set('mallory', new Y.Map()).set('role', 'superuser')],
      [`users.${base.users.e1}`, (doc) => doc.getMap('users').delete(base.users.e1)],
      [`groups.${CUSTOM_GROUPS[0]}`, (doc) => doc.getMap('groups').set(CUSTOM_GROUPS[0] as string, 'junk')],
      ['meta.owner', (doc) => doc.getMap('meta').set('owner', 'mallory')],
    ];
    const missed = cases.filter(([path, mutate]) => {
      const { violations } = validateUpdate(hostileUpdate(mutate), shadowDoc(9, false));
      return !reported(violations, path);
    });
    expect(missed.map(([path]) => path)).toEqual([]);
  });

  it('accepts concurrent grant edits that merge a new resource type with the old resources', () => {
    const violations = twoAdmins((a, b) => {
      const grantId = HR_GRANT?.id as string;
      must(a, {
        type: 'grant.update',
        groupId: HR?.id as string,
        grantId,
        patch: { resourceType: 'dataSource', level: 'use', resourceIds: [PAYROLL_DB] },
        allowRoleChange: true,
      });
      must(b, {
        type: 'grant.update',
        groupId: HR?.id as string,
        grantId,
        patch: { resourceIds: [PAYROLL, WIKI] },
      });
    });
    // Once: 'names no such resource' for Wiki (an app, now listed by a data-source grant); repair drops it,
    // but the server refused b's whole offline batch instead.
    expect(violations).toEqual([]);
  });

  it('accepts concurrent grant edits that merge one level with the other resource type', () => {
    const violations = twoAdmins((a, b) => {
      const grantId = HR_GRANT?.id as string;
      must(a, {
        type: 'grant.update',
        groupId: HR?.id as string,
        grantId,
        patch: { resourceType: 'dataSource', level: 'use', resourceIds: [PAYROLL_DB] },
        allowRoleChange: true,
      });
      must(b, {
        type: 'grant.update',
        groupId: HR?.id as string,
        grantId,
        patch: { level: 'edit' },
        allowRoleChange: true,
      });
    });
    // Once: level 'edit' (b, higher client id) on resourceType 'dataSource' (a): 'must be one of configure, use'.
    expect(violations).toEqual([]);
  });

  it('accepts concurrent grant edits that merge Edit with Hide from dashboard', () => {
    const violations = twoAdmins((a, b) => {
      const grantId = HR_GRANT?.id as string;
      must(a, {
        type: 'grant.update',
        groupId: HR?.id as string,
        grantId,
        patch: { level: 'edit' },
        allowRoleChange: true,
      });
      must(b, {
        type: 'grant.update',
        groupId: HR?.id as string,
        grantId,
        patch: { hideFromDashboard: true },
      });
    });
    // Once: 'only with View'.
    expect(violations).toEqual([]);
  });

  it('reports list content (Y.Array / Y.Text) written into a root map', () => {
    const junk = new Y.Doc();
    junk.clientID = 666;
    junk.getArray('users').insert(0, ['junk']);
    junk.getText('meta').insert(0, 'junk');
    const { violations } = validateUpdate(Y.encodeStateAsUpdate(junk));
    expect(violations.map((v) => v.path).sort()).toEqual(['meta', 'users']);
  });

  it('reports list content written into an entity map', () => {
    const update = hostileUpdate((doc) => {
      const user = doc.getMap('users').get(base.users.e1) as YMap;
      // A hostile client can write array items under any type; Y.Map's API just never shows them.
      Y.Array.prototype.insert.call(user as unknown as Y.Array<unknown>, 0, ['junk']);
    });
    expect(reported(validateUpdate(update).violations, `users.${base.users.e1}`)).toBe(true);
  });

  it('reports a granular permission deleted by removing its key instead of a tombstone', () => {
    const update = hostileUpdate((doc) => {
      nestedOf(groupMap(doc, HR?.id as string), 'grants').delete(HR_GRANT?.id as string);
    });
    expect(reported(validateUpdate(update).violations, `groups.${HR?.id}.grants.${HR_GRANT?.id}`)).toBe(true);
  });
});
