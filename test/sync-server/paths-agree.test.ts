/**
 * The command path and the sync path accept and refuse the same things (issues 8 and 9).
 *
 * The rule checked: a client's lone write over sync is accepted exactly when some command produces that
 * very state — the command accepts and its resulting state equals the state the write makes. A command
 * that refuses, that normalizes the value into another one (trimmed, lower-cased), or that needs more
 * ops to keep the rules (an upgrade, a cleanup), means the lone write must be refused.
 *
 * Two suites: a table of name and format cases (each row through `plan` and through a real socket), and a
 * seeded fuzz of random field edits on every entity kind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  type Collection,
  type Command,
  commit,
  FLAGS,
  plan,
  readState,
  schema,
  type WorkspaceState,
} from '../../core/index.ts';
import { addMemberRaw, removeMemberRaw, writeEntity } from '../fixtures/raw-writes.ts';
import { canonical, normalizeState } from '../fixtures/replicas.ts';
import { addUser, api, rng, setup, startServer, type TestServer } from './helpers.ts';
import { openRawSyncClient, type RawSyncClient } from './raw-sync-client.ts';

const { COLLECTIONS } = schema;

type YMap = Y.Map<unknown>;
type Write = (doc: Y.Doc) => void;

let t: TestServer;
let admin: string;
let c: RawSyncClient;
/** Entities the table rows edit, found once (their names change as rows are accepted). */
const fixed = { app: '', dataSource: '', ivy: '' };

beforeAll(async () => {
  t = await startServer({ maxMessagesPerSecond: 1_000_000 });
  admin = await setup(t, 'acme');
  for (const name of ['HR', 'Sales', 'Builders Club'])
    await api(t.url, 'POST', '/api/workspaces/acme/groups', { token: admin, body: { name } });
  for (const [name, urlPatterns] of [
    ['CRM', ['https://crm.corp.com/*']],
    ['Payroll', []],
  ] as const)
    await api(t.url, 'POST', '/api/workspaces/acme/apps', { token: admin, body: { name, urlPatterns } });
  await api(t.url, 'POST', '/api/workspaces/acme/data-sources', {
    token: admin,
    body: { name: 'Payroll DB', kind: 'postgres' },
  });
  await api(t.url, 'POST', '/api/workspaces/acme/users', {
    token: admin,
    body: { email: 'ivy@acme.test', name: 'Ivy', role: 'end-user' },
  });
  await addUser(t, admin, 'acme', 'bo@acme.test', 'builder');
  await addUser(t, admin, 'acme', 'eu@acme.test', 'end-user');
  await addUser(t, admin, 'acme', 'ad@acme.test', 'admin');
  const gone = await addUser(t, admin, 'acme', 'gone@acme.test', 'end-user');
  await api(t.url, 'POST', `/api/workspaces/acme/users/${gone.userId}/archive`, { token: admin });
  c = await openRawSyncClient(t, 'acme', admin);
  const s = readState(c.doc);
  fixed.app = [...s.apps.values()].find((a) => a.slug === 'payroll')!.id;
  fixed.dataSource = find(s.dataSources, 'Payroll DB').id;
  fixed.ivy = [...s.users.values()].find((u) => u.email === 'ivy@acme.test')!.id;
});
afterAll(async () => {
  c.close();
  await t.close();
});

/** A copy of the client's (= the server's) doc with `change` applied. */
function docAfter(change: (doc: Y.Doc) => void): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(c.doc));
  change(copy);
  return copy;
}

/** What a doc stores, field by field (not what readers make of it: they mask some junk). */
function stored(doc: Y.Doc): string {
  const out: Record<string, unknown> = {};
  for (const name of [...COLLECTIONS, 'meta']) out[name] = doc.getMap(name).toJSON();
  doc.destroy();
  return JSON.stringify(canonical(out));
}

/** The state a lone write makes from the client's state. */
function stateAfter(write: Write): WorkspaceState {
  const copy = docAfter(write);
  const s = readState(copy);
  copy.destroy();
  return s;
}

/** Whether a command stores exactly what the write stores. */
function commandProduces(state: WorkspaceState, command: Command | null, write: Write): boolean {
  if (!command) return false;
  const r = plan(state, command, CTX);
  if (!r.ok) return false;
  return stored(docAfter((doc) => commit(doc, r.value))) === stored(docAfter(write));
}

/** The sync path's verdict on a lone live write; reconnects after a refusal. */
async function syncAccepts(write: Write): Promise<boolean> {
  const v = await c.write(write);
  if (!v.accepted) c = await openRawSyncClient(t, 'acme', admin);
  return v.accepted;
}

const state = () => readState(c.doc);
const find = <T extends { name: string }>(m: ReadonlyMap<string, T>, name: string) =>
  [...m.values()].find((x) => x.name === name)!;
const entity = (doc: Y.Doc, collection: string, id: string) => doc.getMap(collection).get(id) as YMap;
/** Each row's new entity gets the next id; the command is planned with the same id and time. */
let counter = 0;
let nextId = '';
const NOW = Date.now();
const CTX = { now: NOW, newId: () => nextId };
const freshId = () => {
  nextId = `t${(++counter).toString(36).padStart(11, '0')}`;
  return nextId;
};

/** A new entity written whole, as a client's command would write it (under the row's id). */
function create(collection: string, fields: Record<string, unknown>): Write {
  return (doc) => {
    writeEntity(doc, collection as Collection, nextId, fields);
  };
}

interface Row {
  readonly what: string;
  readonly input: string;
  /** The command that takes the input as typed. */
  command(input: string): Command;
  /** The lone write that stores `value` as the command would. */
  write(value: string): Write;
}

const rows: Row[] = [];
const groupName = (input: string): Row => ({
  what: 'group name',
  input,
  command: (name) => ({ type: 'group.create', name }),
  write: (name) => {
    const flags = Object.fromEntries(FLAGS.map((f) => [f, false]));
    return create('groups', { name, kind: 'custom', createdAt: NOW, ...flags });
  },
});
for (const n of [
  'Ops',
  '  Ops2  ',
  '',
  '   ',
  'x'.repeat(50),
  'x'.repeat(51),
  'Admin',
  'аdmin',
  'End‐user',
  'all users',
  'HR',
  'hr',
  'НR',
  'Sales ',
  'Pay\u200Broll',
  'Tab\tName',
  'Ｆｉｎａｎｃｅ',
  'R&D <b>',
  'Émile',
])
  rows.push(groupName(n));
for (const n of ['Wiki', 'crm', 'ＣＲＭ', '  Wiki2 ', '', 'x'.repeat(201), 'Pay\u0000roll', 'RTL\u202Eppa'])
  rows.push({
    what: 'app name',
    input: n,
    command: (name) => ({ type: 'app.update', appId: fixed.app, name }),
    write: (name) => (doc) => entity(doc, 'apps', fixed.app).set('name', name),
  });
for (const s of ['payroll-2', 'CRM', '-bad', 'x'.repeat(65), 'crm'])
  rows.push({
    what: 'app slug',
    input: s,
    command: (slug) => ({ type: 'app.update', appId: fixed.app, slug }),
    write: (slug) => (doc) => entity(doc, 'apps', fixed.app).set('slug', slug),
  });
for (const p of [
  'https://pay.corp.com/*',
  'HTTPS://PAY.corp.com/x/*',
  'javascript:alert(1)',
  'https://*.corp.com/pay/*',
  'ftp://pay.corp.com/*',
  ' https://pay2.corp.com/* ',
])
  rows.push({
    what: 'app URL pattern',
    input: p,
    command: (pattern) => ({
      type: 'app.update',
      appId: fixed.app,
      urlPatterns: [pattern],
    }),
    write: (pattern) => (doc) => entity(doc, 'apps', fixed.app).set('urlPatterns', [pattern]),
  });
for (const k of ['mysql', 'Postgres', '<b class=x>pg</b>', 'rest-api', '', ' redis '])
  rows.push({
    what: 'data-source kind',
    input: k,
    command: (kind) => ({
      type: 'dataSource.update',
      dataSourceId: fixed.dataSource,
      kind,
    }),
    write: (kind) => (doc) => entity(doc, 'dataSources', fixed.dataSource).set('kind', kind),
  });
for (const n of ['Ivy Two', '  Ivy Three ', 'Pay\nroll', 'x'.repeat(201)])
  rows.push({
    what: 'user name',
    input: n,
    command: (name) => ({ type: 'user.rename', userId: fixed.ivy, name }),
    write: (name) => (doc) => entity(doc, 'users', fixed.ivy).set('name', name),
  });
for (const e of ['new1@acme.test', 'NEW2@Acme.Test', 'bad', 'a b@c.d', 'x@y', 'ivy@acme.test'])
  rows.push({
    what: 'email of a new user',
    input: e,
    command: (email) => ({ type: 'user.invite', email, name: 'New', role: 'end-user' }),
    write: (email) =>
      create('users', { email, name: 'New', role: 'end-user', status: 'invited', createdAt: NOW }),
  });

describe('names and formats: the command path and the sync path give the same verdict', () => {
  for (const row of rows)
    it(`${row.what} ${JSON.stringify(row.input)}`, async () => {
      const s = state();
      freshId();
      const command = row.command(row.input);
      const planned = plan(s, command, CTX);
      if (!planned.ok) {
        // Refused by the command: refused over sync, as typed.
        expect(await syncAccepts(row.write(row.input))).toBe(false);
        return;
      }
      const stored = storedValue(row, planned.value.after);
      if (stored !== row.input) {
        // The command normalizes: over sync the raw form is refused, the stored form accepted.
        expect(await syncAccepts(row.write(row.input))).toBe(false);
      }
      expect(commandProduces(s, command, row.write(stored))).toBe(true);
      expect(await syncAccepts(row.write(stored))).toBe(true);
    });
});

/** What the command stored for a row's field. */
function storedValue(row: Row, after: WorkspaceState): string {
  switch (row.what) {
    case 'group name': {
      const before = state();
      return [...after.groups.values()].find((g) => !before.groups.has(g.id))!.name;
    }
    case 'app name':
      return after.apps.get(fixed.app)!.name;
    case 'app slug':
      return after.apps.get(fixed.app)!.slug;
    case 'app URL pattern':
      return after.apps.get(fixed.app)!.urlPatterns[0]!;
    case 'data-source kind':
      return after.dataSources.get(fixed.dataSource)!.kind;
    case 'user name':
      return after.users.get(fixed.ivy)!.name;
    default: {
      const before = state();
      return [...after.users.values()].find((u) => !before.users.has(u.id))!.email;
    }
  }
}

interface Edit {
  readonly label: string;
  readonly write: Write;
  /** The command that makes this edit, or null when no command can. */
  readonly command: Command | null;
}

const NAMES = ['Ops', ' Pad ', 'HR', 'hr', 'НR', 'Admin', '', 'Zed', 'x'.repeat(51), 'Tab\tName', 'Émile'];
const PATTERNS = ['https://a.corp.com/*', 'HTTPS://A.corp.com/*', 'nope', 'https://*.corp.com/x/*'];
const KINDS = ['mysql', 'Postgres', '<b>pg</b>', 'rest-api'];

/** One random field edit on one random entity of the state, with the command that would make it. */
function randomEdit(s: WorkspaceState, r: () => number): Edit {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const live = <T extends { deletedAt?: number | undefined }>(m: ReadonlyMap<string, T>) =>
    [...m.values()].filter((x) => x.deletedAt === undefined);
  const set =
    (collection: string, id: string, field: string, value: unknown): Write =>
    (doc) =>
      entity(doc, collection, id).set(field, value);
  const kind = pick(['group', 'group', 'member', 'user', 'user', 'app', 'dataSource', 'grant']);
  if (kind === 'group') {
    const g = pick(live(s.groups));
    const field = pick(['name', 'flag', 'flag', 'kind', 'role', 'createdAt', 'deletedAt']);
    const at = `group ${g.name} (${g.kind}).${field}`;
    switch (field) {
      case 'name': {
        const name = pick(NAMES);
        return {
          label: `${at} = ${JSON.stringify(name)}`,
          write: set('groups', g.id, 'name', name),
          command: { type: 'group.rename', groupId: g.id, name },
        };
      }
      case 'flag': {
        const f = pick(FLAGS);
        const on = !g.flags[f];
        return {
          label: `${at} ${f} = ${on}`,
          write: set('groups', g.id, f, on),
          command: { type: 'group.setFlags', groupId: g.id, flags: { [f]: on } },
        };
      }
      case 'deletedAt':
        return {
          label: `${at} (delete)`,
          write: set('groups', g.id, 'deletedAt', NOW),
          command: { type: 'group.delete', groupId: g.id },
        };
      default: {
        const value =
          field === 'kind' ? (g.kind === 'custom' ? 'default' : 'custom') : field === 'role' ? 'admin' : 5;
        return { label: `${at} = ${value}`, write: set('groups', g.id, field, value), command: null };
      }
    }
  }
  if (kind === 'member') {
    const g = pick(live(s.groups).filter((x) => x.kind === 'custom'));
    const u = pick([...s.users.values()]);
    if (g.members.has(u.id))
      return {
        label: `remove ${u.email} from ${g.name}`,
        write: (doc) => removeMemberRaw(doc, g.id, u.id),
        command: { type: 'group.removeMember', groupId: g.id, userId: u.id },
      };
    return {
      label: `add ${u.email} (${u.role}, ${u.status}) to ${g.name}`,
      write: (doc) => addMemberRaw(doc, g.id, u.id),
      command: { type: 'group.addMembers', groupId: g.id, userIds: [u.id] },
    };
  }
  if (kind === 'user') {
    // Not the fuzzing admin itself: demoting it would end the test's own socket.
    const u = pick([...s.users.values()].filter((x) => x.email !== 'admin@acme.test'));
    const field = pick(['name', 'role', 'role', 'status', 'status', 'email', 'activatedAt']);
    const at = `user ${u.email} (${u.role}, ${u.status}).${field}`;
    switch (field) {
      case 'name': {
        const name = pick(NAMES);
        return {
          label: `${at} = ${JSON.stringify(name)}`,
          write: set('users', u.id, 'name', name),
          command: { type: 'user.rename', userId: u.id, name },
        };
      }
      case 'role': {
        const role = pick(['admin', 'builder', 'end-user'] as const);
        return {
          label: `${at} = ${role}`,
          write: set('users', u.id, 'role', role),
          command: { type: 'user.setRole', userId: u.id, role },
        };
      }
      case 'status': {
        const status = pick(['active', 'invited', 'archived'] as const);
        const command: Command | null =
          status === 'archived'
            ? { type: 'user.archive', userId: u.id }
            : u.status === 'archived'
              ? { type: 'user.restore', userId: u.id }
              : null;
        return { label: `${at} = ${status}`, write: set('users', u.id, 'status', status), command };
      }
      default: {
        const value = field === 'email' ? `other${Math.floor(r() * 9)}@acme.test` : NOW;
        return { label: `${at} = ${value}`, write: set('users', u.id, field, value), command: null };
      }
    }
  }
  if (kind === 'app') {
    const a = pick(live(s.apps));
    const field = pick(['name', 'slug', 'urlPatterns']);
    const value =
      field === 'name'
        ? pick(NAMES)
        : field === 'slug'
          ? pick(['crm', 'new-slug', 'Bad', '-x'])
          : [pick(PATTERNS)];
    return {
      label: `app ${a.name}.${field} = ${JSON.stringify(value)}`,
      write: set('apps', a.id, field, value),
      command: { type: 'app.update', appId: a.id, [field]: value } as Command,
    };
  }
  if (kind === 'dataSource') {
    const d = pick(live(s.dataSources));
    const field = pick(['name', 'kind']);
    const value = field === 'name' ? pick(NAMES) : pick(KINDS);
    return {
      label: `data source ${d.name}.${field} = ${JSON.stringify(value)}`,
      write: set('dataSources', d.id, field, value),
      command: { type: 'dataSource.update', dataSourceId: d.id, [field]: value } as Command,
    };
  }
  const holders = live(s.groups).filter((g) => [...g.grants.values()].some((x) => x.deletedAt === undefined));
  const g = pick(holders);
  const grant = pick([...g.grants.values()].filter((x) => x.deletedAt === undefined));
  const field = pick(['level', 'hideFromDashboard', 'name', 'scope']);
  const value =
    field === 'level'
      ? grant.resourceType === 'app'
        ? pick(['edit', 'view'])
        : pick(['configure', 'use'])
      : field === 'hideFromDashboard'
        ? !grant.hideFromDashboard
        : field === 'name'
          ? pick(NAMES)
          : grant.scope === 'all'
            ? 'custom'
            : 'all';
  return {
    label: `grant ${g.name}/${grant.name} (${grant.resourceType} ${grant.scope} ${grant.level}).${field} = ${JSON.stringify(value)}`,
    write: (doc) => {
      const grants = entity(doc, 'groups', g.id).get('grants') as YMap;
      const m = grants.get(grant.id) as YMap;
      if (field === 'name') return m.set(field, value);
      // The shape is written whole, as grant.update writes it (schema 2 packs it at creation: a lone field
      // over the pack would store less than the command).
      const patched: Record<string, unknown> = { ...grant, [field]: value };
      const { resourceType, scope, level, hideFromDashboard } = patched;
      const shape = { resourceType, scope, level, hideFromDashboard: level === 'view' && hideFromDashboard };
      for (const [k, v] of Object.entries(shape)) m.set(k, v);
    },
    command:
      g.role === 'admin'
        ? null
        : { type: 'grant.update', groupId: g.id, grantId: grant.id, patch: { [field]: value } },
  };
}

describe('fuzz: random field edits of every entity kind over a real socket', () => {
  it('the sync path accepts a lone write exactly when a command produces that state', async () => {
    // Permissions to edit: an app grant and a data-source grant on a custom group, the Builder's grants.
    const s0 = state();
    const hr = find(s0.groups, 'HR');
    for (const grant of [
      {
        name: 'HR apps',
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [fixed.app],
        level: 'view',
        hideFromDashboard: false,
      },
      {
        name: 'HR data',
        resourceType: 'dataSource',
        scope: 'all',
        resourceIds: [],
        level: 'use',
        hideFromDashboard: false,
      },
    ])
      await api(t.url, 'POST', `/api/workspaces/acme/groups/${hr.id}/grants`, {
        token: admin,
        body: { ...grant, allowRoleChange: true },
      });
    c.close();
    c = await openRawSyncClient(t, 'acme', admin);
    const r = rng(Number(process.env.FUZZ_SEED ?? 20261201));
    const mismatches: string[] = [];
    let accepted = 0;
    let noOps = 0;
    const CASES = Number(process.env.FUZZ_CASES ?? 160);
    for (let i = 0; i < CASES; i++) {
      const s = state();
      const edit = randomEdit(s, r);
      const after = stateAfter(edit.write);
      if (JSON.stringify(normalizeState(after)) === JSON.stringify(normalizeState(s))) {
        // The write changes nothing a reader sees (the value it had, or a value readers ignore, like Hide
        // on an Edit permission): no command to compare with. Send it anyway; it must not break the socket.
        await syncAccepts(edit.write);
        noOps++;
        continue;
      }
      // Consent to a role change is the admin app's dialog: a client's write stands for a confirmed one.
      const command = edit.command ? ({ ...edit.command, allowRoleChange: true } as Command) : null;
      const expected = commandProduces(s, command, edit.write);
      if (process.env.FUZZ_DEBUG) console.log(i, edit.label);
      const got = await syncAccepts(edit.write);
      if (got) accepted++;
      if (got !== expected) mismatches.push(`${edit.label}: command ${expected}, sync ${got}`);
    }
    expect(mismatches).toEqual([]);
    // The fuzz must exercise both verdicts.
    expect(accepted).toBeGreaterThan(CASES / 8);
    expect(accepted).toBeLessThan(CASES - CASES / 8);
    expect(noOps).toBeLessThan(CASES / 4);
  }, 120_000);
});
