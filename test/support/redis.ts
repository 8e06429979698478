/**
 * Throwaway Redis for tests: `redis-server --port <free> --save '' --appendonly no` in the foreground,
 * owned by the test process (kill/restart on the same port for outage tests; nothing persists, as in
 * production). When REDIS_URL is set, that server is used instead (no kills).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly owned: boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT (a hung Redis). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`redis did not listen on ${port}`));
        else setTimeout(attempt, 30);
      });
    };
    attempt();
  });
}

export async function startRedis(): Promise<TestRedis> {
  const external = process.env.REDIS_URL?.trim();
  if (external) {
    const refuse = async () => {
      throw new Error('REDIS_URL names a server this test does not own');
    };
    return {
      url: external,
      port: Number(new URL(external).port || 6379),
      owned: false,
      kill: refuse,
      restart: refuse,
      pause: () => {
        throw new Error('not owned');
      },
      resume: () => {},
      stop: async () => {},
    };
  }
  const port = await freePort();
  let child: ChildProcess | null = null;
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(port, 5_000);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const c = child as ChildProcess | null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
    child = null;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    owned: true,
    kill,
    restart: launch,
    pause: () => (child as ChildProcess | null)?.kill('SIGSTOP'),
    resume: () => (child as ChildProcess | null)?.kill('SIGCONT'),
    stop: () => kill('SIGKILL'),
  };
}
