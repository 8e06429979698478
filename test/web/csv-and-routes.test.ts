/** CSV parsing/writing, CSV import checks, routes, presence, conflict re-apply. */
import { describe, expect, it } from 'vitest';
import { reapplyCommand } from '../../web/src/lib/services/conflicts.ts';
import { decodeCsv, parseCsv, readImportFile, toCsv } from '../../web/src/lib/services/csv.ts';
import { parsePatterns } from '../../web/src/lib/services/resources.ts';
import { checkImportRows } from '../../web/src/lib/services/users.ts';
import { peersOn } from '../../web/src/lib/state/presence.svelte.ts';
import { groupPath, matchRoute } from '../../web/src/lib/state/router.svelte.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

describe('csv', () => {
  it('parses quotes, escaped quotes, commas and CRLF, and skips blank lines', () => {
    expect(parseCsv('a,b\r\n"c, d","e ""q"""\n\n')).toEqual([
      ['a', 'b'],
      ['c, d', 'e "q"'],
    ]);
  });

  it('round-trips and neutralises formulas', () => {
    const csv = toCsv([['x,y', 'plain', '=HYPERLINK("evil")']]);
    expect(csv).toBe('"x,y",plain,"\'=HYPERLINK(""evil"")"\r\n');
    expect(parseCsv(csv)).toEqual([['x,y', 'plain', '\'=HYPERLINK("evil")']]);
  });
});

describe('csv files as spreadsheets write them', () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const utf16le = (s: string, bom = true) => {
    const out = new Uint8Array((bom ? 2 : 0) + s.length * 2);
    if (bom) out.set([0xff, 0xfe]);
    for (let i = 0; i < s.length; i++) {
      out[(bom ? 2 : 0) + i * 2] = s.charCodeAt(i) & 0xff;
      out[(bom ? 2 : 0) + i * 2 + 1] = s.charCodeAt(i) >> 8;
    }
    return out;
  };
  const rows = [
    ['email', 'name', 'role'],
    ['ana@corp.com', 'Ana Díaz', 'Builder'],
  ];

  it('Excel (comma, CRLF) and Google Sheets (comma, LF)', () => {
    expect(parseCsv(decodeCsv(utf8('email,name,role\r\nana@corp.com,Ana Díaz,Builder\r\n')))).toEqual(rows);
    expect(parseCsv(decodeCsv(utf8('email,name,role\nana@corp.com,Ana Díaz,Builder')))).toEqual(rows);
  });

  it('semicolons (Excel in many locales), with a UTF-8 BOM', () => {
    const text = decodeCsv(utf8('\uFEFFemail;name;role\r\nana@corp.com;Ana Díaz;Builder\r\n'));
    expect(parseCsv(text)).toEqual(rows);
    // A comma inside a field of a `;` file is part of the field.
    expect(parseCsv('email;name;role\na@x.io;Doe, Jo;Admin\nb@x.io;Roe, Al;Builder')[1]).toEqual([
      'a@x.io',
      'Doe, Jo',
      'Admin',
    ]);
  });

  it('UTF-16 LE with a BOM (Excel "Unicode text", tab-separated) and without one', () => {
    expect(parseCsv(decodeCsv(utf16le('email\tname\trole\r\nana@corp.com\tAna Díaz\tBuilder\r\n')))).toEqual(
      rows,
    );
    expect(parseCsv(decodeCsv(utf16le('email;name;role\r\nana@corp.com;Ana Díaz;Builder', false)))).toEqual(
      rows,
    );
  });

  it('quoted fields with newlines, quotes and delimiters', () => {
    expect(parseCsv('email;name;role\r\n"ana@corp.com";"Ana\r\n""the boss""; Díaz";Admin\r\n')).toEqual([
      ['email', 'name', 'role'],
      ['ana@corp.com', 'Ana\n"the boss"; Díaz', 'Admin'],
    ]);
  });
});

describe('checkImportRows', () => {
  it('reports per-row errors and skips a header', () => {
    const ws = createTestWorkspace();
    ws.user('taken@corp.com');
    const rows = checkImportRows(
      ws.state(),
      parseCsv(
        'email,name,role\nnew@corp.com,New,Builder\nbad-email,X,builder\ntaken@corp.com,T,\nnew@corp.com,Dup,\nz@corp.com,Z,owner\ne@corp.com,,end users',
      ),
    );
    expect(rows.map((r) => [r.line, r.error])).toEqual([
      [2, null],
      [3, 'Invalid email'],
      [4, 'User already exists'],
      [5, 'Duplicate email in the file'],
      [6, 'Unknown role “owner” (use Admin, Builder or End-user)'],
      [7, null],
    ]);
    expect(rows[0]?.role).toBe('builder');
    expect(rows[5]).toMatchObject({ role: 'end-user', name: 'e' });
  });

  it('shows an unknown role as written and refuses the row, whatever else is wrong with it', () => {
    const ws = createTestWorkspace();
    ws.user('taken@corp.com');
    const rows = checkImportRows(ws.state(), [
      ['sam@corp.com', 'Sam', 'Superuser'],
      ['taken@corp.com', 'T', 'Superuser'],
    ]);
    expect(rows[0]).toMatchObject({ role: null, roleText: 'Superuser' });
    expect(rows[0]?.error).toContain('Unknown role “Superuser”');
    expect(rows[1]?.error).toBe(
      'User already exists; Unknown role “Superuser” (use Admin, Builder or End-user)',
    );
  });
});

describe('matchRoute', () => {
  it.each([
    ['/nexus/workspace-settings/groups', { page: 'groups', ws: 'nexus' }],
    ['/nexus/workspace-settings/groups/g1', { page: 'group', ws: 'nexus', groupId: 'g1', tab: 'users' }],
    [
      '/nexus/workspace-settings/groups/g1/permissions',
      { page: 'group', ws: 'nexus', groupId: 'g1', tab: 'permissions' },
    ],
    ['/nexus/workspace-settings/users', { page: 'users', ws: 'nexus' }],
    ['/nexus/workspace-settings/access-matrix', { page: 'access-matrix', ws: 'nexus' }],
    ['/nexus/workspace-settings/notifications', { page: 'notifications', ws: 'nexus' }],
    ['/nexus/my-access', { page: 'my-access', ws: 'nexus' }],
    ['/nexus', { page: 'dashboard', ws: 'nexus' }],
    ['/', { page: 'workspaces' }],
    ['/login', { page: 'sign-in' }],
    ['/nexus/workspace-settings/nope', { page: 'not-found' }],
  ])('%s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it('reads tokens from the path or the query', () => {
    expect(matchRoute('/setup', '?token=abc')).toEqual({ page: 'setup', token: 'abc' });
    expect(matchRoute('/invitations/xyz')).toEqual({ page: 'accept-invitation', token: 'xyz' });
    expect(matchRoute('/reset-password', '?token=id.secret')).toEqual({
      page: 'reset-password',
      token: 'id.secret',
    });
    expect(matchRoute('/reset-password')).toEqual({ page: 'reset-password', token: '' });
  });

  it('builds group paths that round-trip', () => {
    expect(matchRoute(groupPath('nexus', 'a b', 'granular-access'))).toEqual({
      page: 'group',
      ws: 'nexus',
      groupId: 'a b',
      tab: 'granular-access',
    });
  });
});

describe('peersOn', () => {
  it('lists other clients on the same page once per account', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, { user: { name: 'Me', email: 'me@x.com' }, page: 'group:1' }],
      [2, { user: { name: 'Bo', email: 'bo@x.com' }, page: 'group:1' }],
      [3, { user: { name: 'Bo', email: 'bo@x.com' }, page: 'group:1' }],
      [4, { user: { name: 'Cy', email: 'cy@x.com' }, page: 'group:2' }],
      [5, { page: 'group:1' }],
    ]);
    expect(peersOn(states, 1, 'group:1')).toEqual([{ clientId: 2, name: 'Bo', email: 'bo@x.com' }]);
  });
});

describe('reapplyCommand', () => {
  it('re-adds the users a repair removed from a builder-level group', () => {
    const ws = createTestWorkspace();
    const eve = ws.user('eve@corp.com');
    const g = ws.group('Ops');
    const conflict = {
      id: 'c1',
      code: 'end-user-in-builder-group',
      message: 'x',
      entities: [
        { collection: 'groups' as const, id: g },
        { collection: 'users' as const, id: eve },
      ],
      edits: [],
      repair: 'removed',
      createdAt: 1,
    };
    expect(reapplyCommand(ws.state(), conflict)).toEqual({
      type: 'group.addMembers',
      groupId: g,
      userIds: [eve],
    });
    expect(reapplyCommand(ws.state(), { ...conflict, code: 'duplicate-group-name' })).toBeNull();
  });
});

describe('parsePatterns', () => {
  it('keeps valid patterns and names each bad one once (no "p: “p” …" echo)', () => {
    const r = parsePatterns('not a url\nhttps://ok.com/*\nnot a url');
    expect(r.patterns).toEqual(['https://ok.com/*']);
    expect(r.errors).toHaveLength(2);
    for (const e of r.errors) expect(e.split('not a url')).toHaveLength(2);
  });
});

describe('import file limits', () => {
  const enc = (text: string) => new TextEncoder().encode(text);
  it('refuses a file past 2 MB before parsing it, saying how big it is', () => {
    const r = readImportFile(new Uint8Array(3 * 1024 * 1024).fill(0x61));
    expect(r).toEqual({ error: expect.stringMatching(/3\.0 MB.*at most 2\.0 MB/) });
  });
  it('refuses more than 5,000 rows (a header row besides is fine) and reads 5,000', () => {
    const lines = (n: number) => [
      'email,name,role',
      ...Array.from({ length: n }, (_, i) => `u${i}@x.io,U ${i},End-user`),
    ];
    expect(readImportFile(enc(lines(5_001).join('\n')))).toEqual({
      error: expect.stringMatching(/5,002 rows.*5,000/),
    });
    const ok = readImportFile(enc(lines(5_000).join('\r\n')));
    expect('rows' in ok && ok.rows.length).toBe(5_001);
  });
});
