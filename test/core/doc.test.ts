/** The workspace Y.Doc: schema, incremental reading, validation of untrusted changes. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocReader, readState, validateChanges } from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

function replica(source: Y.Doc): Y.Doc {
  const doc = new Y.Doc();
  for (const name of ['users', 'groups', 'apps', 'dataSources', 'conflicts', 'meta']) doc.getMap(name);
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(source));
  return doc;
}

/** Applies what `edit` does on a copy of `source` to a shadow doc, and validates what it changed. */
function validateEdit(source: Y.Doc, edit: (doc: Y.Doc) => void) {
  const shadow = replica(source);
  const attacker = replica(source);
  const sv = Y.encodeStateVector(attacker);
  edit(attacker);
  const update = Y.encodeStateAsUpdate(attacker, sv);
  let changed = new Map<Y.AbstractType<unknown>, Set<string | null>>();
  shadow.once('afterTransaction', (tr: Y.Transaction) => {
    changed = tr.changed as typeof changed;
  });
  Y.applyUpdate(shadow, update);
  return validateChanges(shadow, changed);
}

function setup() {
  const ws = createTestWorkspace();
  ws.user('ada@corp.com', 'admin');
  const eve = ws.user('eve@corp.com');
  const hr = ws.group('HR');
  const app = ws.app('Payroll', ['https://hr.corp.com/*']);
  ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
  return { ws, eve, hr, app };
}

const map = (doc: Y.Doc, root: string, id: string) => doc.getMap(root).get(id) as Y.Map<unknown>;

describe('validateChanges', () => {
  it('accepts what commands write', () => {
    const { ws, hr, app } = setup();
    const violations = validateEdit(ws.doc, (doc) => {
      const g = map(doc, 'groups', hr);
      g.set('name', 'Human resources');
      g.set('appCreate', true);
      const grants = g.get('grants') as Y.Map<unknown>;
      const grant = grants.set('fresh-grant', new Y.Map<unknown>());
      for (const [k, v] of Object.entries({
        name: 'x',
        resourceType: 'app',
        scope: 'custom',
        level: 'edit',
        hideFromDashboard: false,
        createdAt: 1,
        resourceIds: app,
      }))
        grant.set(k, v);
    });
    expect(violations).toEqual([]);
  });

  it.each<[string, (doc: Y.Doc, e: ReturnType<typeof setup>) => void, string]>([
    ['an unknown root', (doc) => doc.getMap('evil').set('x', 1), 'unknown root'],
    ['a deleted entity key', (doc, e) => doc.getMap('groups').delete(e.hr), 'tombstone'],
    ['a wrong field type', (doc, e) => map(doc, 'groups', e.hr).set('name', 42), 'must be text'],
    ['an unknown field', (doc, e) => map(doc, 'users', e.eve).set('isRoot', true), 'unknown field'],
    ['a bad role', (doc, e) => map(doc, 'users', e.eve).set('role', 'superuser'), 'must be one of'],
    ['a bad email', (doc, e) => map(doc, 'users', e.eve).set('email', '<script>'), 'email'],
    ['a reserved group name', (doc, e) => map(doc, 'groups', e.hr).set('name', 'Admin'), 'reserved'],
    ['a huge name', (doc, e) => map(doc, 'groups', e.hr).set('name', 'x'.repeat(100_000)), 'characters'],
    [
      'a member naming no user',
      (doc, e) => (map(doc, 'groups', e.hr).get('members') as Y.Text).insert(0, 'ghost '),
      'no such user',
    ],
    [
      'a Y.Array where the members text belongs',
      (doc, e) => map(doc, 'groups', e.hr).set('members', new Y.Array()),
      'must be a list of ids',
    ],
    [
      'members written the schema-1 way (a Y.Map)',
      (doc, e) => map(doc, 'groups', e.hr).set('members', new Y.Map()),
      'reload the app',
    ],
    [
      'a member token in formatted text',
      (doc, e) => (map(doc, 'groups', e.hr).get('members') as Y.Text).insert(0, `${e.eve} `, { b: true }),
      'plain text',
    ],
    [
      'an entity whose creation fields are written again',
      (doc, e) => {
        const eve = map(doc, 'users', e.eve);
        eve.set('i', eve.get('i'));
      },
      'written once',
    ],
    [
      'creation fields of the wrong shape',
      (doc) => doc.getMap('apps').set('fresh', new Y.Map<unknown>()).set('i', ['x']),
      'creation fields',
    ],
    ['a Y.Text entity', (doc) => doc.getMap('apps').set('t', new Y.Text('hi')), 'must be a map'],
    // Ids are written space-separated (member tokens, audit keys): one with a space would read as two.
    ['an id with a space', (doc) => doc.getMap('apps').set('a b', new Y.Map<unknown>()), 'without spaces'],
    [
      'an id with a newline',
      (doc) => doc.getMap('users').set('u\n1', new Y.Map<unknown>()),
      'without spaces',
    ],
    ['an empty id', (doc) => doc.getMap('groups').set('', new Y.Map<unknown>()), 'without spaces'],
    [
      'a 65-character id',
      (doc) => doc.getMap('apps').set('x'.repeat(65), new Y.Map<unknown>()),
      'without spaces',
    ],
    [
      'a grant naming no app',
      (doc, e) => {
        const grant = (map(doc, 'groups', e.hr).get('grants') as Y.Map<unknown>).set(
          'g',
          new Y.Map<unknown>(),
        );
        for (const [k, v] of Object.entries({
          name: 'x',
          resourceType: 'app',
          scope: 'custom',
          level: 'view',
          createdAt: 1,
          resourceIds: 'ghost',
        }))
          grant.set(k, v);
      },
      'no such resource',
    ],
    [
      "a grant's resources written the schema-1 way (a nested map)",
      (doc) => {
        const group = [...readState(doc).groups.values()].find((g) => g.grants.size > 0)!;
        const grants = map(doc, 'groups', group.id).get('grants') as Y.Map<unknown>;
        (grants.get([...group.grants.keys()][0]!) as Y.Map<unknown>).set('resources', new Y.Map());
      },
      'reload the app',
    ],
    [
      'a bad URL pattern',
      (doc, e) => map(doc, 'apps', e.app).set('urlPatterns', ['javascript:alert(1)']),
      'URL pattern',
    ],
    [
      'deleting a default group',
      (doc) => {
        for (const g of readState(doc).groups.values())
          if (g.role === 'admin') map(doc, 'groups', g.id).set('deletedAt', 1);
      },
      'cannot be deleted',
    ],
    [
      'a second default group',
      (doc) => {
        const g = doc.getMap('groups').set('dup', new Y.Map<unknown>());
        for (const [k, v] of Object.entries({
          name: 'Admin 2',
          kind: 'default',
          role: 'admin',
          createdAt: 1,
        }))
          g.set(k, v);
        g.set('members', new Y.Text());
        g.set('grants', new Y.Map());
      },
      'two default groups',
    ],
  ])('refuses %s', (_name, edit, message) => {
    const e = setup();
    const violations = validateEdit(e.ws.doc, (doc) => edit(doc, e));
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.map((v) => v.message).join('|')).toContain(message);
  });
});

describe('DocReader', () => {
  it('reads incrementally and equals a cold read', () => {
    const { ws, hr, eve } = setup();
    const reader = new DocReader(ws.doc);
    const s1 = reader.state();
    expect(reader.state()).toBe(s1);
    ws.must({ type: 'group.rename', groupId: hr, name: 'People' });
    const s2 = reader.state();
    expect(s2).not.toBe(s1);
    expect(s2.groups.get(hr)!.name).toBe('People');
    expect(s2.users).toBe(s1.users);
    expect(s2.users.get(eve)).toBe(s1.users.get(eve));
    const cold = readState(ws.doc);
    const norm = (s: typeof cold) =>
      JSON.stringify(
        [...s.groups.values(), ...s.users.values(), ...s.apps.values()].map((x) => ({
          ...x,
          members: 'members' in x ? [...x.members] : undefined,
          grants: 'grants' in x ? [...x.grants.values()] : undefined,
        })),
      );
    expect(norm(s2)).toBe(norm(cold));
    reader.destroy();
  });
  it('reads junk as least privilege and never throws', () => {
    const { ws, eve, hr } = setup();
    ws.doc.transact(() => {
      map(ws.doc, 'users', eve).set('role', 'root');
      map(ws.doc, 'users', eve).set('status', 42);
      map(ws.doc, 'groups', hr).set('appCreate', 'yes');
      ws.doc.getMap('apps').set('junk', 'not a map');
    });
    const s = readState(ws.doc);
    expect(s.users.get(eve)).toMatchObject({ role: 'end-user', status: 'archived' });
    expect(s.groups.get(hr)!.flags.appCreate).toBe(false);
    expect(s.apps.has('junk')).toBe(false);
  });
});
