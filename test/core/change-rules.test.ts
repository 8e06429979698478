/**
 * core's checkChange, the gate of every path: one row per rule, in both modes. Rules of one entity are
 * refused whether the change is live or a catch-up; rules across entities only when live (a catch-up
 * after being offline is merged and repaired instead).
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  type ChangeCheckOptions,
  checkChange,
  DocReader,
  touchedByTransaction,
  validateChanges,
} from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

type YMap = Y.Map<unknown>;

/** Applies a raw write to a fork of the workspace and returns the codes both gates report. */
function verdict(
  setup: (ws: ReturnType<typeof createTestWorkspace>) => (doc: Y.Doc) => void,
  options: ChangeCheckOptions,
): string[] {
  const ws = createTestWorkspace();
  const write = setup(ws);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(ws.doc));
  const reader = new DocReader(doc);
  const before = reader.state();
  let changed = new Map();
  doc.on('afterTransaction', (tr: Y.Transaction) => {
    changed = tr.changed as typeof changed;
  });
  write(doc);
  const shape = validateChanges(doc, changed).map((v) => `shape: ${v.message}`);
  const rules = checkChange(before, reader.state(), touchedByTransaction(doc, changed), options).map(
    (v) => v.code,
  );
  return [...shape, ...rules];
}

const entity = (doc: Y.Doc, c: string, id: string) => doc.getMap(c).get(id) as YMap;
const LIVE: ChangeCheckOptions = { mode: 'strict' };
const CATCH_UP: ChangeCheckOptions = { mode: 'merge' };

describe('rules of one entity: refused live and in a catch-up', () => {
  const rows: [string, Parameters<typeof verdict>[0], string][] = [
    [
      'an untrimmed group name (disagreement 3)',
      (ws) => {
        const id = ws.group('HR');
        return (doc) => entity(doc, 'groups', id).set('name', '  HR  ');
      },
      'invalid-input',
    ],
    [
      'a look-alike of a reserved name',
      (ws) => {
        const id = ws.group('HR');
        return (doc) => entity(doc, 'groups', id).set('name', 'аdmin');
      },
      'name-reserved',
    ],
    [
      'a default group renamed',
      (ws) => {
        const id = [...ws.state().groups.values()].find((g) => g.role === 'builder')!.id;
        return (doc) => entity(doc, 'groups', id).set('name', 'Builders');
      },
      'default-group-rename',
    ],
    [
      'the role of a default group changed',
      (ws) => {
        const id = [...ws.state().groups.values()].find((g) => g.role === 'builder')!.id;
        return (doc) => entity(doc, 'groups', id).set('role', 'end-user');
      },
      'immutable-field',
    ],
    [
      'an invited user made active',
      (ws) => {
        const id = ws.user('ivy@acme.test', 'end-user', 'invited');
        return (doc) => entity(doc, 'users', id).set('status', 'active');
      },
      'user-status-server-only',
    ],
    [
      'an email changed',
      (ws) => {
        const id = ws.user('ivy@acme.test');
        return (doc) => entity(doc, 'users', id).set('email', 'eve@acme.test');
      },
      'immutable-field',
    ],
    [
      'a data-source kind with markup',
      (ws) => {
        const id = ws.dataSource('Payroll');
        return (doc) => entity(doc, 'dataSources', id).set('kind', '<b>pg</b>');
      },
      'invalid-input',
    ],
  ];
  for (const [what, setup, code] of rows)
    for (const [mode, options] of [
      ['live', LIVE],
      ['catch-up', CATCH_UP],
    ] as const)
      it(`${what} (${mode})`, () => expect(verdict(setup, options)).toContain(code));
});

describe('rules across entities: refused live, left to repair in a catch-up', () => {
  const rows: [string, Parameters<typeof verdict>[0], string][] = [
    [
      'two groups with one name ignoring case and look-alikes',
      (ws) => {
        ws.group('HR');
        const id = ws.group('Ops');
        return (doc) => entity(doc, 'groups', id).set('name', 'НR');
      },
      'name-taken',
    ],
    [
      'an archived user added to a group',
      (ws) => {
        const u = ws.user('gone@acme.test');
        ws.must({ type: 'user.archive', userId: u });
        const g = ws.group('HR');
        return (doc) => (entity(doc, 'groups', g).get('members') as Y.Text).insert(0, `${u} `);
      },
      'user-archived',
    ],
    [
      'an end-user in a builder-level group',
      (ws) => {
        const u = ws.user('eu@acme.test');
        const g = ws.group('Builders club');
        ws.must({ type: 'group.setFlags', groupId: g, flags: { appCreate: true } });
        return (doc) => (entity(doc, 'groups', g).get('members') as Y.Text).insert(0, `${u} `);
      },
      'member-needs-role',
    ],
    [
      'two apps with one name ignoring case (issue 11 #4)',
      (ws) => {
        ws.app('CRM');
        const id = ws.app('Wiki');
        return (doc) => entity(doc, 'apps', id).set('name', 'crm');
      },
      'name-taken',
    ],
    [
      'two data sources with one name ignoring case',
      (ws) => {
        ws.dataSource('Payroll DB');
        const id = ws.dataSource('Sales DB');
        return (doc) => entity(doc, 'dataSources', id).set('name', 'payroll db');
      },
      'name-taken',
    ],
    [
      'the last active admin archived',
      (ws) => {
        const admin = [...ws.state().users.values()].find((u) => u.role === 'admin')?.id;
        const id = admin ?? ws.user('admin@acme.test', 'admin');
        return (doc) => entity(doc, 'users', id).set('status', 'archived');
      },
      'last-admin',
    ],
  ];
  for (const [what, setup, code] of rows) {
    it(`${what}: refused live`, () => expect(verdict(setup, LIVE)).toContain(code));
    it(`${what}: accepted in a catch-up`, () => expect(verdict(setup, CATCH_UP)).not.toContain(code));
  }
});
