/**
 * A small TCP proxy for the cluster tests: forwards a local port to a target, and can cut every
 * connection (reset) and refuse new ones (a network partition) until `heal`.
 *
 * It runs in its own process: a network does not slow down when the test's own clients are busy. In the
 * test's process, a write storm of Yjs clients held the proxy's event loop for seconds at a time, and
 * every connection through it (an instance's Redis handshake after a cut) waited as long, which looked
 * like an instance that did not reconnect.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import readline from 'node:readline';

export interface TcpProxy {
  readonly port: number;
  /** Resets every open connection and refuses new ones (resolves once done). */
  cut(): Promise<void>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The proxy process (plain JS for `node -e`): argv target host and port; prints `port <n>`, then reads
 * `cut` / `heal` lines from stdin and answers `ok` to each; exits when stdin ends.
 */
const PROXY_PROCESS = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const open = new Set();
let cut = false;
const server = net.createServer((client) => {
  if (cut) return client.resetAndDestroy();
  const upstream = net.connect(Number(port), host);
  open.add(client);
  open.add(upstream);
  const end = () => {
    client.destroy();
    upstream.destroy();
    open.delete(client);
    open.delete(upstream);
  };
  client.on('error', end).on('close', end);
  upstream.on('error', end).on('close', end);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(0, '127.0.0.1', () => process.stdout.write('port ' + server.address().port + '\\n'));
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'cut') {
    cut = true;
    for (const s of open) s.connecting ? s.destroy() : s.resetAndDestroy();
    open.clear();
  } else if (line === 'heal') cut = false;
  process.stdout.write('ok\\n');
}).on('close', () => process.exit(0));
`;

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const child: ChildProcess = spawn(process.execPath, ['-e', PROXY_PROCESS, targetHost, String(targetPort)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const waiting: (() => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tcp proxy did not start')), 10_000);
    child.once('exit', (code) => reject(new Error(`tcp proxy exited (${code})`)));
    lines.on('line', (line) => {
      const m = /^port (\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      } else if (line === 'ok') waiting.shift()?.();
    });
  });
  const send = (command: 'cut' | 'heal') =>
    new Promise<void>((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error('tcp proxy exited'));
      waiting.push(resolve);
      child.stdin!.write(`${command}\n`);
    });
  return {
    port,
    cut: () => send('cut'),
    heal: () => send('heal'),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
