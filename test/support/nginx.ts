/**
 * A throwaway nginx for tests and the decisions bench: Debian's `/usr/sbin/nginx` in the foreground
 * (`daemon off`, `master_process off`: one process, its pid is the child's), on a free loopback port,
 * with a generated config and every path (pid, logs, temp dirs) in its own temp dir. `stop()` ends it
 * by pid and waits for the exit; nothing is left running or on disk.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redis.ts';

export { freePort };

export const NGINX_BIN = '/usr/sbin/nginx';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface TestNginx {
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  /** The error log so far (for a failing test's message). */
  errorLog(): string;
  stop(): Promise<void>;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/** The `http { … }` content around the caller's `server` blocks: temp paths in `dir`, no access log. */
function mainConfig(dir: string, http: string): string {
  const tmp = (name: string) => path.join(dir, name);
  return `daemon off;
master_process off;
worker_processes 1;
pid ${tmp('nginx.pid')};
error_log ${tmp('error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${tmp('body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};
${http}
}
`;
}

/**
 * Starts nginx with `http(port)` inside its `http` block (`server { listen 127.0.0.1:<port>; … }`);
 * resolves once it accepts connections.
 */
export async function startNginx(http: (port: number) => string): Promise<TestNginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-nginx-'));
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, mainConfig(dir, http(port)));
  const errorLog = () => {
    try {
      return fs.readFileSync(path.join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  let output = '';
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  const started = Date.now();
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() - started > START_TIMEOUT_MS) {
      child.kill('SIGKILL');
      await exited;
      const log = errorLog();
      cleanup();
      throw new Error(`nginx did not start on ${port}:\n${output}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const pid = child.pid!;
  return {
    port,
    pid,
    dir,
    errorLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGTERM'); // fast shutdown
        const timer = setTimeout(
          () => child.exitCode === null && process.kill(pid, 'SIGKILL'),
          STOP_TIMEOUT_MS,
        );
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}

export interface ForwardAuthSite {
  /** `host:port` of Gatehouse and of the app (the upstream). */
  readonly gatehouse: string;
  readonly upstream: string;
  /** The forward-auth query, e.g. `ws=acme`. */
  readonly query: string;
  /** Headers nginx adds to its questions to Gatehouse (the shared secret, a decision token). */
  readonly authHeaders?: Readonly<Record<string, string>>;
  /** Without forward auth: nginx proxying straight to the upstream (the bench's floor). */
  readonly direct?: boolean;
  /** The app's public scheme and host, written literally (else `$scheme` and `$http_host`). */
  readonly publicProto?: string;
  readonly publicHost?: string;
}

/**
 * The README's nginx forward-auth config, as the tests run it: `auth_request` to Gatehouse,
 * `auth_request_set` for the identity headers and the sign-in URL, `error_page 401` redirecting to it,
 * `error_page 403` asking Gatehouse again for its refusal page, and the upstream given the headers.
 */
export function forwardAuthServer(port: number, site: ForwardAuthSite): string {
  const upstreams = `  upstream gatehouse { server ${site.gatehouse}; keepalive 32; }
  upstream app { server ${site.upstream}; keepalive 32; }`;
  if (site.direct)
    return `${upstreams}
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_pass http://app;
    }
  }`;
  const extra = Object.entries(site.authHeaders ?? {})
    .map(([k, v]) => `      proxy_set_header ${k} "${v}";`)
    .join('\n');
  // A named location (the refusal page keeps the original method) takes no URI in proxy_pass: a rewrite.
  const ask = (
    named: boolean,
  ) => `${named ? `      rewrite ^ /api/forward-auth?${site.query} break;\n      proxy_pass http://gatehouse;` : `      proxy_pass http://gatehouse/api/forward-auth?${site.query};`}
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-Method $request_method;
      proxy_set_header X-Forwarded-Proto ${site.publicProto ?? '$scheme'};
      proxy_set_header X-Forwarded-Host ${site.publicHost ?? '$http_host'};
      proxy_set_header X-Forwarded-Uri $request_uri;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Original-URL "";
${extra}`;
  return `${upstreams}
  # The Cookie header without Gatehouse's session cookie: the app never sees the session token.
  map $http_cookie $gh_app_cookie {
    default $http_cookie;
    "~^gatehouse_session=[^;]*(?:;\\s*)?(?<gh_rest>.*)$" "$gh_rest";
    "~^(?<gh_before>.*?);\\s*gatehouse_session=[^;]*(?<gh_after>.*)$" "$gh_before$gh_after";
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      auth_request /_gatehouse;
      auth_request_set $gh_user $upstream_http_remote_user;
      auth_request_set $gh_email $upstream_http_remote_email;
      auth_request_set $gh_name $upstream_http_remote_name;
      auth_request_set $gh_groups $upstream_http_remote_groups;
      auth_request_set $gh_level $upstream_http_x_gatehouse_level;
      auth_request_set $gh_sign_in $upstream_http_location;
      error_page 401 =302 $gh_sign_in;
      error_page 403 = @gatehouse_refused;
      proxy_set_header Remote-User $gh_user;
      proxy_set_header Remote-Email $gh_email;
      proxy_set_header Remote-Name $gh_name;
      proxy_set_header Remote-Groups $gh_groups;
      proxy_set_header X-Gatehouse-Level $gh_level;
      proxy_set_header Cookie $gh_app_cookie;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_pass http://app;
    }
    location = /_gatehouse {
      internal;
${ask(false)}
    }
    location @gatehouse_refused {
${ask(true)}
    }
  }`;
}
