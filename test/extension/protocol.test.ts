/** The extension's pure parts: message validation, storage items, decoding, matching, the panel model. */
import { describe, expect, test } from 'vitest';
import { originPatterns } from '../../core/access/match-app.ts';
import { accessFor } from '../../core/index.ts';
import { decodeMyRequests } from '../../extension/background/api.ts';
import { matchSummaryApp } from '../../extension/match.ts';
import { isPanelRequest, isPopupRequest } from '../../extension/messages.ts';
import { findPanel, readPanelCache } from '../../extension/panel-cache.ts';
import { toPanelModel } from '../../extension/panel-model.ts';
import { normalizeServerUrl, serverPermission } from '../../extension/server-url.ts';
import { defineItem } from '../../extension/storage.ts';
import { decodeCatalog, decodeUserSummary } from '../../extension/summary.ts';
import { memoryArea, summaryFixture } from './fixtures.ts';

describe('messages', () => {
  test.each([
    [{ type: 'state.get' }, true],
    [{ type: 'state.refresh' }, true],
    [{ type: 'session.signOut' }, true],
    [{ type: 'session.signIn', signIn: { serverUrl: 'http://x', email: 'a@b', password: 'p' } }, true],
    [{ type: 'session.signIn', signIn: { serverUrl: 'http://x', token: 't' } }, true],
    [{ type: 'session.signIn', signIn: { serverUrl: 'http://x', token: 't', password: 'p' } }, false],
    [{ type: 'session.signIn', signIn: { serverUrl: 'http://x', email: 'a@b' } }, false],
    [{ type: 'session.signIn', signIn: { serverUrl: 'x'.repeat(5000), token: 't' } }, false],
    [{ type: 'session.signIn' }, false],
    [{ type: 'panel.watch', url: 'https://a' }, false],
    [{ type: 'nope' }, false],
    [null, false],
    ['state.get', false],
    [[{ type: 'state.get' }], false],
  ])('popup request %j → %s', (msg, ok) => {
    expect(isPopupRequest(msg)).toBe(ok);
  });

  test.each([
    [{ type: 'panel.watch', url: 'https://a/b' }, true],
    [{ type: 'panel.watch', url: 42 }, false],
    [{ type: 'panel.collapse', key: 'ws/app', collapsed: true }, true],
    [{ type: 'panel.collapse', key: 'ws/app', collapsed: 'yes' }, false],
    [{ type: 'panel.ping' }, true],
    [{ type: 'state.get' }, false],
    [undefined, false],
  ])('panel request %j → %s', (msg, ok) => {
    expect(isPanelRequest(msg)).toBe(ok);
  });
});

describe('storage items', () => {
  const decode = (v: unknown) => (typeof v === 'number' ? v : null);

  test('round-trips a value with its version', async () => {
    const area = memoryArea();
    const item = defineItem(area, 'n', 2, decode, 0);
    expect(await item.get()).toBe(0);
    await item.set(7);
    expect(area.data.get('n')).toEqual({ v: 2, data: 7 });
    expect(await item.get()).toBe(7);
    await item.remove();
    expect(await item.get()).toBe(0);
  });

  test('another version or a bad shape reads as the fallback', async () => {
    const area = memoryArea();
    await area.set({ n: { v: 1, data: 7 } });
    expect(await defineItem(area, 'n', 2, decode, -1).get()).toBe(-1);
    await area.set({ n: { v: 2, data: 'seven' } });
    expect(await defineItem(area, 'n', 2, decode, -1).get()).toBe(-1);
    await area.set({ n: 7 });
    expect(await defineItem(area, 'n', 2, decode, -1).get()).toBe(-1);
  });
});

describe('summary decoding', () => {
  const f = summaryFixture();
  const json = <T>(v: T): T => JSON.parse(JSON.stringify(v));
  const viewer = f.held('viewer').summary;

  test('a summary and a catalog from core survive JSON and decoding unchanged', () => {
    for (const who of ['builder', 'viewer', 'outsider', 'archived'] as const) {
      const s = f.held(who).summary;
      expect(decodeUserSummary(json(s))).toEqual(json(s));
    }
    const catalog = f.held('viewer').catalog;
    expect(decodeCatalog(json(catalog))).toEqual(json(catalog));
  });

  test.each([
    ['not an object', 'hello'],
    ['the format-1 shape (an older server)', json(f.viewer)],
    ['no workspace', { ...viewer, workspace: undefined }],
    ['bad role', { ...viewer, user: { ...viewer.user, role: 'root' } }],
    [
      'bad level',
      { ...viewer, apps: { all: null, listed: [{ level: 'owner', hidden: false, via: [], items: [0] }] } },
    ],
    [
      'a negative index',
      { ...viewer, apps: { all: null, listed: [{ level: 'view', hidden: false, via: [], items: [-1] }] } },
    ],
    ['apps a list', { ...viewer, apps: [] }],
    ['admin without email', { ...viewer, admins: [{ id: 'x', name: 'x' }] }],
  ])('rejects a summary with %s without throwing', (_, value) => {
    expect(decodeUserSummary(json(value))).toBeNull();
  });

  test.each([
    ['no format', { ...f.held('viewer').catalog, format: undefined }],
    [
      'an app without a name',
      { ...f.held('viewer').catalog, apps: [{ id: 'a', slug: 'a', urlPatterns: [] }] },
    ],
  ])('rejects a catalog with %s without throwing', (_, value) => {
    expect(decodeCatalog(json(value))).toBeNull();
  });
});

describe('matching and permissions', () => {
  const f = summaryFixture('http://127.0.0.1:4000/demo-apps/hr*');

  test.each([
    ['https://payroll.corp.test/runs/2024', 'payroll'],
    ['https://PAYROLL.corp.test/', 'payroll'],
    ['https://eu.wiki.test/docs/start', 'wiki'],
    ['https://wiki.test/docs/start', null],
    ['https://eu.wiki.test/blog', null],
    ['http://127.0.0.1:4000/demo-apps/hr', 'hr'],
    ['http://127.0.0.1:4001/demo-apps/hr', null],
    ['https://example.com/', null],
    ['chrome://settings', null],
  ])('%s → %s', (url, app) => {
    const found = matchSummaryApp(f.viewer, url);
    expect(found ? (Object.entries(f.ids).find(([, id]) => id === found.id)?.[0] ?? '?') : null).toBe(app);
  });

  test('host permission patterns drop the port and keep wildcards', () => {
    expect(
      originPatterns(['https://hr.corp.test/*', 'http://127.0.0.1:4000/x/*', '*://*.wiki.test/docs/*']),
    ).toEqual(['https://hr.corp.test/*', 'http://127.0.0.1/*', '*://*.wiki.test/*']);
  });

  test.each([
    ['gatehouse.corp.test', 'https://gatehouse.corp.test'],
    ['http://localhost:8080/', 'http://localhost:8080'],
    ['https://corp.test/gatehouse/', 'https://corp.test/gatehouse'],
    ['  HTTPS://Corp.Test  ', 'https://corp.test'],
    ['ftp://corp.test', null],
    ['https://u:p@corp.test', null],
    ['', null],
    ['http://', null],
    ['localhost:8080', 'http://localhost:8080'],
    ['127.0.0.1:3000/', 'http://127.0.0.1:3000'],
  ])('server URL %j → %j', (input, out) => {
    expect(normalizeServerUrl(input)).toBe(out);
  });

  test('server permission covers every port of the host', () => {
    expect(serverPermission('http://localhost:8080')).toBe('http://localhost/*');
  });
});

describe('panel model', () => {
  const f = summaryFixture();
  const ctx = {
    pageUrl: 'https://payroll.corp.test/x',
    fetchedAt: 1,
    stale: false,
    staleReason: null,
    collapsed: false,
  };
  const app = (s: typeof f.viewer, id: string) => s.apps.find((a) => a.id === id)!;

  test('view, hidden from dashboard, via the custom group', () => {
    const m = toPanelModel(f.viewer, app(f.viewer, f.ids.payroll), ctx);
    expect(m).toMatchObject({
      level: 'view',
      levelText: 'View',
      hidden: true,
      role: 'End-user',
      reason: null,
    });
    expect(m.accessText).toBe('View (hidden from dashboard)');
    expect(m.via).toEqual([
      'Support <script>alert(1)</script>: “Payroll read” (View, hidden from dashboard)',
    ]);
    expect(m.admins).toEqual([]);
    expect(m.requestMailto).toBeNull();
  });

  test('a builder gets Edit from the role, data sources and workspace permissions', () => {
    const m = toPanelModel(f.builder, app(f.builder, f.ids.wiki), ctx);
    expect(m).toMatchObject({ level: 'edit', levelText: 'Edit', role: 'Builder' });
    expect(m.via.some((v) => v.startsWith('Builder role: '))).toBe(true);
    expect(m.dataSources).toEqual([
      'Payroll DB: Configure — via Builder role (Data sources), Finance (Payroll DB)',
    ]);
    expect(m.permissions.some((p) => p.startsWith('Apps: create: Yes — via Builder role'))).toBe(true);
  });

  test('no access: why, whom to ask, and a prefilled request', () => {
    const m = toPanelModel(f.outsider, app(f.outsider, f.ids.payroll), ctx);
    expect(m).toMatchObject({ level: 'none', levelText: 'No access', via: [], hidden: false });
    expect(m.reason).toBe('No group you are in grants access to Payroll <b>admin</b>.');
    expect(m.admins).toEqual(['Ada <i>Admin</i> <ada@corp.test>']);
    const mail = new URL(m.requestMailto!);
    expect(mail.protocol).toBe('mailto:');
    expect(decodeURIComponent(mail.pathname)).toBe('ada@corp.test');
    expect(mail.searchParams.get('subject')).toBe('Access request: Payroll <b>admin</b> (Nexus)');
    expect(mail.searchParams.get('body')).toContain('https://payroll.corp.test/x');
    expect(mail.searchParams.get('body')).toContain('olga@corp.test');
  });

  test('an archived member: core gives no access, and the reason says why', () => {
    const m = toPanelModel(f.archived, app(f.archived, f.ids.payroll), ctx);
    expect(m).toMatchObject({ level: 'none', via: [], dataSources: [], permissions: [] });
    expect(m.reason).toBe('Your account in Nexus is archived, so it has no access.');
  });

  test('an invited member has what core gives them (as on My access), not "no access"', () => {
    const core = accessFor(f.state, f.invited.user.id)!.app(f.ids.payroll);
    expect(f.invited.user.status).toBe('invited');
    expect(core.level).toBe('view');
    const m = toPanelModel(f.invited, app(f.invited, f.ids.payroll), ctx);
    expect(m).toMatchObject({ level: core.level, levelText: 'View', reason: null, requestMailto: null });
    expect(m.via).toEqual([
      'Support <script>alert(1)</script>: “Payroll read” (View, hidden from dashboard)',
    ]);
  });
});

describe('panel cache', () => {
  const f = summaryFixture();
  const view = (summary: typeof f.viewer) => ({ summary, fetchedAt: 5, stale: false, staleReason: null });

  test('the first workspace with a matching app wins, with its remembered collapsed state', () => {
    const cache = {
      workspaces: [
        { slug: 'empty', view: null },
        { slug: 'nexus', view: view(f.viewer) },
      ],
      prefs: { [`nexus/${f.ids.payroll}`]: true },
    };
    const found = findPanel(cache, 'https://payroll.corp.test/a');
    expect(found?.workspace).toBe('nexus');
    expect(found?.model).toMatchObject({
      app: 'Payroll <b>admin</b>',
      level: 'view',
      collapsed: true,
      fetchedAt: 5,
    });
    expect(findPanel(cache, 'https://elsewhere.test/')).toBeNull();
  });

  test.each([
    [null, false],
    [{ v: 2, data: { workspaces: [], prefs: {} } }, false],
    [{ v: 1, data: { workspaces: {}, prefs: {} } }, false],
    [{ v: 1 }, false],
    [{ v: 1, data: { workspaces: [], prefs: {} } }, true],
  ])('reads %j as a cache: %s', (stored, ok) => {
    expect(readPanelCache(stored) !== null).toBe(ok);
  });
});

describe('the person’s requests (…/requests/mine)', () => {
  const item = (status: string, id = 'a1') => ({
    id: `r-${id}`,
    resource: { type: 'app', id },
    status,
    text: `${status} ${id}`,
    createdAt: 1,
  });

  test('keeps what it can read: a state from a newer server, or a broken item, does not hide the rest', () => {
    const list = decodeMyRequests({
      requests: [item('open', 'a1'), item('expired', 'a2'), { resource: 7 }, item('denied', 'a3')],
    });
    expect(list?.map((r) => [r.resourceId, r.status])).toEqual([
      ['a1', 'open'],
      ['a3', 'denied'],
    ]);
  });

  test('reads the newest 1,000 of a longer list, and nothing from a body that has no list', () => {
    const many = Array.from({ length: 1_500 }, (_, i) => item('cancelled', `a${i}`));
    const list = decodeMyRequests({ requests: many });
    expect(list).toHaveLength(1_000);
    expect(list?.[0]?.resourceId).toBe('a0');
    expect(decodeMyRequests({ requests: 'none' })).toBeNull();
    expect(decodeMyRequests(null)).toBeNull();
  });
});
