/**
 * Security review, round 2 — CSV exports opened in a spreadsheet (formula injection). The History export
 * of the server (`/audit?format=csv`) and the admin app's exports (History, access review) neutralise a
 * cell that starts like a formula; a spreadsheet whose list separator is `;` (Excel in most of Europe)
 * also splits a comma-separated file at every `;`, so a name like `x;=HYPERLINK(…)` would start a cell
 * there. An invited person picks their own account name, which the History export names as the actor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from '../../web/src/lib/services/csv.ts';
import { api, PASSWORD, setup, startServer, type TestServer } from './helpers.ts';

const W = '/api/workspaces/acme';
const EVIL = 'Eve;=HYPERLINK(CHAR(104)&A1);';
let t: TestServer;
let admin: string;

/** The cells a spreadsheet sees when it splits every line at `sep` only (quotes at a cell's start). */
function cellsAsSplitBy(csv: string, sep: ',' | ';'): string[] {
  return csv.split('\r\n').flatMap((line) => line.split(sep));
}

const FORMULA = /^\s*[=+\-@]/;

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t);
  const inv = await api(t.url, 'POST', `${W}/users`, {
    token: admin,
    body: { email: 'eve@acme.test', name: 'Eve', role: 'end-user' },
  });
  const token = inv.body.invitation.url.split('/invitations/')[1];
  const acc = await api(t.url, 'POST', `/api/invitations/${token}/accept`, {
    body: { password: PASSWORD, name: EVIL },
  });
  expect(acc.status).toBe(200);
  await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: '-1;+1;@SUM(1)' } });
});
afterAll(() => t.close());

describe('History CSV on the server', () => {
  it('no cell starts a formula, whether the spreadsheet splits at `,` or at `;`', async () => {
    const r = await api(t.url, 'GET', `${W}/audit?format=csv`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.text).toContain('HYPERLINK');
    for (const sep of [',', ';'] as const)
      for (const cell of cellsAsSplitBy(r.text, sep)) expect(cell).not.toMatch(FORMULA);
  });

  it('an end-user may not export it', async () => {
    const eve = (
      await api(t.url, 'POST', '/api/login', { body: { email: 'eve@acme.test', password: PASSWORD } })
    ).body.token as string;
    const r = await api(t.url, 'GET', `${W}/audit?format=csv`, { token: eve });
    expect(r.status).toBe(403);
    expect(r.text).not.toContain('HYPERLINK');
  });
});

describe("the admin app's CSV exports (toCsv)", () => {
  it('no cell starts a formula at `,` or `;`, and the values read back as written', () => {
    const rows = [
      ['when', 'who', 'what'],
      ['2026-12-01T00:00:00.000Z', EVIL, 'Renamed “a” to “-1;+1;@SUM(1)”'],
      ['=1+1', '\t=2', ' @x'],
    ];
    const csv = toCsv(rows);
    for (const sep of [',', ';'] as const)
      for (const cell of cellsAsSplitBy(csv, sep)) expect(cell).not.toMatch(FORMULA);
    // Nothing is lost: each value is still there, after the neutralising apostrophe where one was put.
    const back = parseCsv(csv);
    expect(back).toHaveLength(rows.length);
    for (const [i, row] of rows.entries())
      for (const [j, v] of row.entries())
        expect(back[i]![j]!.replaceAll("'", '')).toBe(v.replaceAll("'", ''));
  });
});
