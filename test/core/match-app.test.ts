/** matchApp over a plain list of apps (what a summary carries) and over a state: one rule, one answer. */
import { describe, expect, it } from 'vitest';
import { type App, matchApp, originPatterns, summarize } from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

const app = (id: string, createdAt: number, urlPatterns: string[], deletedAt?: number): App => ({
  id,
  name: id,
  slug: id,
  urlPatterns,
  createdAt,
  deletedAt,
});

describe('matchApp over a list of apps', () => {
  it('two apps with the same pattern: the older wins, whatever the order of ids and of the list', () => {
    const older = app('zzz', 100, ['https://twin.corp.test/*']);
    const newer = app('aaa', 200, ['https://twin.corp.test/*']);
    expect(matchApp([older, newer], 'https://twin.corp.test/x')?.id).toBe('zzz');
    expect(matchApp([newer, older], 'https://twin.corp.test/x')?.id).toBe('zzz');
  });

  it('same pattern and same createdAt: the smaller id wins', () => {
    const a = app('b1', 100, ['https://twin.corp.test/*']);
    const b = app('a1', 100, ['https://twin.corp.test/*']);
    expect(matchApp([a, b], 'https://twin.corp.test/')?.id).toBe('a1');
  });

  it('the most specific pattern still beats the older app', () => {
    const broad = app('broad', 1, ['https://hr.corp.test/*']);
    const narrow = app('narrow', 2, ['https://hr.corp.test/payroll/*']);
    expect(matchApp([broad, narrow], 'https://hr.corp.test/payroll/run')?.id).toBe('narrow');
    expect(matchApp([broad, narrow], 'https://hr.corp.test/other')?.id).toBe('broad');
  });

  it('skips deleted apps and returns the caller’s own object', () => {
    const gone = app('gone', 1, ['https://hr.corp.test/*'], 5);
    const live = { ...app('live', 2, ['https://hr.corp.test/*']), extra: 'kept' };
    const list: (App & { extra?: string })[] = [gone, live];
    const found = matchApp(list, 'https://hr.corp.test/');
    expect(found).toBe(live);
    expect(found?.extra).toBe('kept');
  });

  it('a state and its summary’s apps give the same answer', () => {
    const ws = createTestWorkspace();
    const admin = ws.user('ada@corp.test', 'admin');
    const first = ws.app('First', ['https://twin.corp.test/*']);
    const second = ws.app('Second', ['https://twin.corp.test/*']);
    const summary = summarize(ws.state(), admin)!;
    const url = 'https://twin.corp.test/a';
    expect(matchApp(ws.state(), url)?.id).toBe(first);
    expect(matchApp(summary.apps, url)?.id).toBe(first);
    expect(summary.apps.find((a) => a.id === second)?.createdAt).toBeGreaterThan(
      summary.apps.find((a) => a.id === first)!.createdAt,
    );
  });
});

describe('originPatterns', () => {
  it('gives the host permission patterns of URL patterns: port dropped, wildcards kept, bad ones skipped', () => {
    expect(
      originPatterns([
        'https://hr.corp.test/*',
        'https://HR.corp.test/other/*',
        'http://127.0.0.1:4000/x/*',
        '*://*.wiki.test/docs/*',
        'not a pattern',
        'ftp://files.corp.test/*',
      ]),
    ).toEqual(['https://hr.corp.test/*', 'http://127.0.0.1/*', '*://*.wiki.test/*']);
  });
});
