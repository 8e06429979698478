/**
 * One webhook attempt against real node:http servers (webhooks/send-webhook.ts): it connects to the
 * address the SSRF check approved, not to what the name would resolve to now (a name that resolves
 * nowhere still reaches the pinned address, with its Host header); a redirect is a failure and is not
 * followed; at most 4 KiB of a huge answer is read; a receiver that never answers times out.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendWebhook } from '../../sync-server/webhooks/send-webhook.ts';

let servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  servers = [];
});

async function serve(handler: http.RequestListener): Promise<{ port: number; hits: http.IncomingMessage[] }> {
  const hits: http.IncomingMessage[] = [];
  const s = http.createServer((req, res) => {
    hits.push(req);
    handler(req, res);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as AddressInfo).port, hits };
}

const loopback = { address: '127.0.0.1', family: 4 as const };
const send = (url: string, timeoutMs = 5_000) =>
  sendWebhook(new URL(url), loopback, '{"a":1}', { 'content-type': 'application/json' }, { timeoutMs });

describe('sendWebhook', () => {
  it('connects to the checked address whatever the name resolves to now', async () => {
    let body = '';
    const r = await serve((req, res) => {
      req.on('data', (c) => (body += c));
      req.on('end', () => res.writeHead(204).end());
    });
    const out = await send(`http://hooks.gatehouse-test.invalid:${r.port}/x`);
    expect(out).toEqual({ httpStatus: 204, error: null });
    expect(r.hits[0]!.headers.host).toBe(`hooks.gatehouse-test.invalid:${r.port}`);
    expect(r.hits[0]!.headers['content-length']).toBe('7');
    expect(body).toBe('{"a":1}');
  });

  it('does not follow a redirect', async () => {
    const target = await serve((_req, res) => res.writeHead(200).end());
    const r = await serve((_req, res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` }).end(),
    );
    const out = await send(`http://127.0.0.1:${r.port}/`);
    expect(out.httpStatus).toBe(302);
    expect(out.error).toMatch(/^HTTP 302: redirects are not followed/);
    expect(target.hits).toHaveLength(0);
  });

  it('reads at most 4 KiB of the answer', async () => {
    let written = 0;
    const r = await serve((_req, res) => {
      res.writeHead(500);
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (written < 64 * 1024 * 1024) res.once('drain', pump);
        else res.end();
      };
      res.on('error', () => {});
      pump();
    });
    const out = await send(`http://127.0.0.1:${r.port}/`);
    expect(out.httpStatus).toBe(500);
    expect(out.error).toBe(`HTTP 500: ${'x'.repeat(200)}`);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('gives up on a receiver that never answers', async () => {
    const r = await serve(() => {});
    const started = Date.now();
    const out = await send(`http://127.0.0.1:${r.port}/`, 1_000);
    expect(out).toEqual({ httpStatus: null, error: 'No answer within 1 s' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('says when the connection is refused', async () => {
    const r = await serve(() => {});
    const port = r.port;
    servers[0]!.close();
    servers = [];
    await new Promise((res) => setTimeout(res, 50));
    const out = await send(`http://127.0.0.1:${port}/`);
    expect(out).toEqual({ httpStatus: null, error: `Connection refused by 127.0.0.1:${port}` });
  });
});
