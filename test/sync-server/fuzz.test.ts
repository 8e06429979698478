/**
 * Bad input: 10,000 random and mutated sync frames and 1,000 malformed HTTP requests. No crash, clear
 * errors, other clients keep syncing, and what the server holds stays consistent with what it stored.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  CLOSE,
  createWorkspaceDoc,
  encodeStep1,
  encodeStep2,
  encodeUpdate,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  readState,
} from '../../core/index.ts';
import {
  api,
  connect,
  groupNames,
  rng,
  run,
  setup,
  startServer,
  synced,
  type TestServer,
  until,
} from './helpers.ts';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await startServer({ maxMessagesPerSecond: 1_000_000 });
  admin = await setup(t, 'acme');
});
afterAll(() => t.close());

function seedFrames(): Uint8Array[] {
  const doc = createWorkspaceDoc({ name: 'X', slug: 'x' });
  const frames: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => frames.push(encodeUpdate(u)));
  run(doc, { type: 'group.create', name: 'Fuzz' });
  run(doc, { type: 'app.create', name: 'App', urlPatterns: ['https://a.test/*'] });
  frames.push(encodeStep1(Y.encodeStateVector(doc)));
  frames.push(encodeStep2(Y.encodeStateAsUpdate(doc)));
  frames.push(new Uint8Array([MESSAGE_AWARENESS, 5, 1, 1, 1, 2, 123, 125]));
  frames.push(new Uint8Array([MESSAGE_QUERY_AWARENESS]));
  return frames;
}

function mutate(base: Uint8Array, r: () => number): Uint8Array {
  const kind = Math.floor(r() * 6);
  const b = new Uint8Array(base);
  switch (kind) {
    case 0: // random bytes
      return Uint8Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256));
    case 1: // flip bytes
      for (let i = 0; i < 1 + r() * 4; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return b;
    case 2: // truncate
      return b.slice(0, Math.floor(r() * b.length));
    case 3: // huge varint lengths
      return Uint8Array.from([0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, ...b.slice(3, 20)]);
    case 4: // duplicate a slice
      return Uint8Array.from([...b, ...b.slice(Math.floor(r() * b.length))]);
    default: // a valid prefix then junk
      return Uint8Array.from([...b.slice(0, 3), ...Array.from({ length: 20 }, () => Math.floor(r() * 256))]);
  }
}

/** Frames per connection: the server closes on the first bad one, so keep batches small. */
const BATCH = 2;

describe('fuzzing', () => {
  it('survives 10,000 random and mutated frames while a good client keeps syncing', async () => {
    const good = connect(t, 'acme', admin);
    await synced(good);
    const r = rng(42);
    const bases = seedFrames();
    const frames = Array.from({ length: 10_000 }, () => mutate(bases[Math.floor(r() * bases.length)]!, r));
    let next = 0;
    const codes = new Map<number, number>();
    const worker = async () => {
      while (next < frames.length) {
        const ws = new WebSocket(`${t.wsUrl}/acme?token=${admin}`);
        await new Promise<void>((resolve) => {
          ws.on('message', () => {}); // server step 1 etc.
          ws.on('open', () => {
            // Send frames until the server closes us (or a batch is done).
            for (let i = 0; i < BATCH && next < frames.length && ws.readyState === ws.OPEN; i++)
              ws.send(frames[next++]!);
            setTimeout(() => ws.close(), 5);
          });
          ws.on('close', (code) => {
            codes.set(code, (codes.get(code) ?? 0) + 1);
            resolve();
          });
          ws.on('error', () => {});
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(next).toBe(10_000);
    const connections = [...codes.values()].reduce((a, b) => a + b, 0);
    expect(connections).toBeGreaterThanOrEqual(10_000 / BATCH);
    // Closed normally, by the client, or by a permanent refusal of the server: never a crash (1011).
    const refusals: number[] = [
      CLOSE.malformed,
      CLOSE.unauthorized,
      CLOSE.forbidden,
      CLOSE.docTooLarge,
      CLOSE.rejected,
    ];
    expect(
      [...codes.keys()].filter((c) => c !== 1000 && c !== 1005 && c !== 1006 && !refusals.includes(c)),
    ).toEqual([]);
    // The good client still syncs; a fresh client sees exactly what the server has stored.
    run(good.doc, { type: 'group.create', name: 'After the storm' });
    await until(async () =>
      (await api(t.url, 'GET', '/api/workspaces/acme/groups', { token: admin })).body.groups.some(
        (g: { name: string }) => g.name === 'After the storm',
      ),
    );
    const fresh = connect(t, 'acme', admin);
    await synced(fresh);
    await until(() => groupNames(fresh.doc).includes('After the storm'));
    expect(Y.encodeStateVector(fresh.doc)).toEqual(Y.encodeStateVector(good.doc));
    const ws = (await t.server.ctx.storage.workspaceBySlug('acme'))!;
    const stored = await t.server.ctx.storage.loadDoc(ws.id);
    const replay = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(replay, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(replay, u);
    expect(groupNames(replay)).toEqual(groupNames(fresh.doc));
    expect(readState(replay).users.size).toBe(1);
    good.destroy();
    fresh.destroy();
  });

  it('answers 1,000 malformed HTTP requests with clear errors and changes nothing', async () => {
    // The groups as a set (sorted by id): what must not change, whatever order the list comes in.
    const groupsNow = async () => {
      const { groups } = (await api(t.url, 'GET', '/api/workspaces/acme/groups', { token: admin })).body as {
        groups: { id: string }[];
      };
      return JSON.stringify([...groups].sort((a, b) => (a.id < b.id ? -1 : 1)));
    };
    const before = await groupsNow();
    const r = rng(7);
    const W = '/api/workspaces/acme';
    const odd = [
      '\u0000',
      '\ud800',
      '𝕏'.repeat(60),
      '\u202e',
      '<script>',
      '../..',
      '%00',
      'null',
      '{}',
      '[]',
      '"',
    ];
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    const paths = [
      `${W}/groups`,
      `${W}/groups/${pick(odd)}`,
      `${W}/groups/x/members`,
      `${W}/users`,
      `${W}/apps`,
      '/api/login',
      '/api/setup',
      `/api/workspaces/..%2f..%2fetc/groups`,
      '/api/%ZZ',
      '/api/workspaces/acme/../../../etc/passwd',
      `${W}/audit?limit=-1`,
      `${W}/audit?cursor=abc`,
      `${W}/access?url=${'x'.repeat(5000)}`,
      '/api/invitations/%00/accept',
    ];
    const bodies = [
      '{',
      'null',
      '[]',
      '"string"',
      '{"name": 5}',
      `{"name": "${'x'.repeat(300)}"}`,
      '{"userIds": "not-an-array"}',
      '{"userIds": []}',
      `{"email": ${JSON.stringify(pick(odd))}, "password": 1}`,
      '{"name": "   "}',
      `{"name": ${JSON.stringify('𝕏'.repeat(60))}}`,
      '\u0000\u0001',
    ];
    const send = (method: string, path: string, body: string | Buffer | null, type = 'application/json') =>
      new Promise<{ status: number; text: string }>((resolve) => {
        const req = http.request(
          `${t.url}${path.startsWith('/') ? '' : '/'}`,
          {
            method,
            path: path.replace(/[^\x21-\x7e]/gu, (c) =>
              encodeURIComponent(c).replace(/%EF%BF%BD/g, '%ED%A0%80'),
            ),
            headers: { authorization: `Bearer ${admin}`, 'content-type': type },
          },
          (res) => {
            let text = '';
            res.on('data', (c) => {
              text += c;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', () => resolve({ status: -1, text: '' }));
        if (body) req.write(body);
        req.end();
      });
    const results: { status: number; text: string; path: string }[] = [];
    let i = 0;
    const worker = async () => {
      while (i < 1000) {
        const n = i++;
        const path = pick(paths);
        const method = pick(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS']);
        let body: string | Buffer | null = pick(bodies);
        let type = 'application/json';
        if (n % 50 === 0) body = Buffer.alloc(2 * 1024 * 1024, 0x61); // over the body limit
        if (n % 7 === 0) type = 'text/plain';
        if (method === 'GET' || method === 'DELETE') body = null;
        const res = await send(method, path, body, type);
        results.push({ ...res, path });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(results).toHaveLength(1000);
    for (const res of results) {
      expect(res.status, `${res.path} → ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
      expect(res.status, `${res.path} → ${res.text.slice(0, 200)}`).toBeLessThan(500);
      if (res.status >= 400 && !res.path.includes('/../')) {
        const parsed = JSON.parse(res.text);
        expect(typeof parsed.error.code).toBe('string');
        expect(typeof parsed.error.message).toBe('string');
      }
    }
    expect(await groupsNow()).toBe(before);
    expect((await api(t.url, 'GET', '/healthz')).status).toBe(200);
  });
});
