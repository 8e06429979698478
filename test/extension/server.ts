/** The real Gatehouse server, in-process on loopback port 0, seeded with the demo workspace. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../sync-server/auth/password.ts';
import type { ServerConfig } from '../../sync-server/config.ts';
import { type DemoLogin, seedDemo } from '../../sync-server/demo/seed-demo.ts';
import { createGatehouseServer } from '../../sync-server/server.ts';

export interface TestServer {
  readonly url: string;
  readonly logins: readonly DemoLogin[];
  password(email: string): string;
  /** Signs in through the REST API and returns the bearer token. */
  token(email: string): Promise<string>;
  rest<T = unknown>(
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** An account that belongs to no workspace. */
  createLoneAccount(email: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

/** `config`: overrides (a test's own clock, say). */
export async function startServer(config: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-ext-server-'));
  const server = await createGatehouseServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    loginAttemptsPerMinute: 1_000,
    ...config,
  });
  const { url } = await server.listen();
  const logins = (await seedDemo(server.ctx, url)) ?? [];
  const password = (email: string) => logins.find((l) => l.email === email)?.password ?? '';
  let stopped = false;
  const self: TestServer = {
    url,
    logins,
    password,
    async token(email) {
      const r = await self.rest<{ token: string }>('', 'POST', '/api/login', {
        email,
        password: password(email),
      });
      if (r.status !== 200) throw new Error(`login ${email}: ${r.status}`);
      return r.body.token;
    },
    async rest<T>(token: string, method: string, path: string, body?: unknown) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    },
    async createLoneAccount(email, pw) {
      await server.ctx.storage.createAccount({ email, name: email, passwordHash: await hashPassword(pw) });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}
