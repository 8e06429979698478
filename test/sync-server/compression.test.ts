/** permessage-deflate for big sync messages: a first sync of a large workspace travels compressed. */
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { readState } from '../../core/index.ts';
import { api, connect, run, setup, startServer, synced, type TestServer, until } from './helpers.ts';

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function workspaceWithApps(config = {}) {
  const t = await startServer(config);
  servers.push(t);
  const token = await setup(t);
  const writer = connect(t, 'acme', token);
  await synced(writer);
  // ~300 KB of state: well over the 64 KiB threshold.
  for (let i = 0; i < 300; i++)
    run(writer.doc, {
      type: 'app.create',
      name: `App ${i} ${'x'.repeat(150)}`,
      urlPatterns: [`https://app${i}.corp.test/*`],
    });
  await until(
    async () => (await api(t.url, 'GET', '/api/workspaces/acme/apps', { token })).body.apps.length === 300,
  );
  writer.destroy();
  return { t, token };
}

describe('sync compression', () => {
  it.each([
    [{}, true],
    [{ compressLargeMessages: false }, false],
  ])(
    'config %j: permessage-deflate negotiated = %s, and a new client syncs everything',
    async (config, deflate) => {
      const { t, token } = await workspaceWithApps(config);
      const reader = connect(t, 'acme', token);
      await synced(reader, 10_000);
      const ws = reader.provider.ws as unknown as WebSocket;
      expect(ws.extensions.includes('permessage-deflate')).toBe(deflate);
      const apps = [...readState(reader.doc).apps.values()].filter((a) => a.deletedAt === undefined);
      expect(apps).toHaveLength(300);
      reader.destroy();
    },
  );
});
