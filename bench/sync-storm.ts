/**
 * The client side of bench/sync.ts's storms: CLIENTS clients in CLIENT_PROCESSES child processes
 * (bench/sync-clients.ts) driven over IPC — a storm in one room, or idle clients in many.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';

export const CLIENTS = 50;
export const CLIENT_PROCESSES = 2;
export const IDLE_WORKSPACES = 100;
const IDLE_CLIENTS_PER_WORKSPACE = 10;

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** A child process of bench/sync-clients.ts, driven over IPC. */
class ClientProcess {
  readonly child: ChildProcess;
  private readonly waiters: ((m: { kind: string } & Record<string, unknown>) => void)[] = [];

  constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'bench/sync-clients.ts'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { kind: string } & Record<string, unknown>) => {
      if (m.kind === 'error') console.error(`client process: ${m.message}`);
      this.waiters.shift()?.(m);
    });
  }

  request<T>(cmd: object): Promise<T> {
    return new Promise((resolve) => {
      this.waiters.push(resolve as never);
      this.child.send(cmd);
    });
  }

  tell(cmd: object): void {
    this.child.send(cmd);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

export interface Storm {
  readonly updatesPerSecond: number;
  readonly offered: number;
  /** Updates the clients managed to send per second (below `offered` when they cannot keep up). */
  readonly sentPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly delivered: number;
  readonly expected: number;
}

interface ClientResult {
  /** [latency ms, count] pairs. */
  readonly histogram: [number, number][];
  readonly sent: number;
  readonly lastSent: number;
  readonly received: number;
  readonly last: number;
  readonly closed: number[];
}

/** The p-th percentile of latencies given as [ms, count] pairs. */
function histogramPercentile(pairs: readonly [number, number][], p: number): number {
  const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((a, [, n]) => a + n, 0);
  const rank = Math.min(total - 1, Math.floor((p / 100) * total));
  let seen = 0;
  for (const [ms, n] of sorted) {
    seen += n;
    if (seen > rank) return ms;
  }
  return Number.NaN;
}

/**
 * 50 clients in one room (in CLIENT_PROCESSES child processes), each renaming its own group `updates`
 * times at a steady `rate` per second. Throughput: deliveries to the other clients per second, from the
 * first send to the last receipt, divided by the 49 receivers (= updates committed and relayed per
 * second). Latency: send → receipt (with `groupOf`, only from a client of another group).
 */
export async function storm(
  urlFor: (client: number) => string,
  rate: number,
  updates: number,
  /** When given, latency is taken only between clients of different groups (e.g. instances). */
  groupOf?: (client: number) => number,
): Promise<Storm> {
  const procs = Array.from({ length: CLIENT_PROCESSES }, () => new ClientProcess());
  try {
    const per = Math.ceil(CLIENTS / procs.length);
    await Promise.all(
      procs.map((p, k) => {
        const first = k * per;
        const count = Math.max(0, Math.min(per, CLIENTS - first));
        return p.request({
          kind: 'storm',
          urls: Array.from({ length: count }, (_, j) => urlFor(first + j)),
          ...(groupOf ? { groups: Array.from({ length: CLIENTS }, (_, c) => groupOf(c)) } : {}),
          first,
          clients: CLIENTS,
          updates,
          rate,
        });
      }),
    );
    await new Promise((r) => setTimeout(r, 1000)); // let the groups reach everyone
    const at = Date.now() + 200;
    for (const p of procs) p.tell({ kind: 'go', at });
    const expected = (CLIENTS - 1) * updates * CLIENTS;
    const sendSeconds = updates / rate;
    const deadline = at + sendSeconds * 1000 + 60_000;
    let results: ClientResult[] = [];
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      results = await Promise.all(procs.map((p) => p.request<ClientResult>({ kind: 'report', full: false })));
      const delivered = results.reduce((a, r) => a + r.received, 0);
      if (delivered >= expected || Date.now() > deadline) break;
    }
    results = await Promise.all(procs.map((p) => p.request<ClientResult>({ kind: 'report', full: true })));
    const delivered = results.reduce((a, r) => a + r.received, 0);
    const last = Math.max(...results.map((r) => r.last));
    const closed = results.flatMap((r) => r.closed);
    if (delivered < expected)
      console.warn(`storm: only ${delivered} of ${expected} deliveries arrived; closed: ${closed.join(',')}`);
    const histogram = results.flatMap((r) => r.histogram);
    const elapsed = (last - at) / 1000;
    const sent = results.reduce((a, r) => a + r.sent, 0);
    const sentSeconds = (Math.max(...results.map((r) => r.lastSent)) - at) / 1000;
    return {
      updatesPerSecond: delivered / (CLIENTS - 1) / elapsed,
      offered: CLIENTS * rate,
      sentPerSecond: sent / Math.max(sentSeconds, 1 / rate),
      p50: histogramPercentile(histogram, 50),
      p99: histogramPercentile(histogram, 99),
      delivered,
      expected,
    };
  } finally {
    for (const p of procs) p.stop();
  }
}

export async function idleMemory(urlFor: (w: number) => string, pid: number): Promise<number> {
  const procs = Array.from({ length: CLIENT_PROCESSES }, () => new ClientProcess());
  try {
    const urls: string[][] = procs.map(() => []);
    let n = 0;
    for (let w = 0; w < IDLE_WORKSPACES; w++)
      for (let k = 0; k < IDLE_CLIENTS_PER_WORKSPACE; k++) urls[n++ % procs.length]!.push(urlFor(w));
    await Promise.all(procs.map((p, k) => p.request({ kind: 'idle', urls: urls[k] })));
    await new Promise((r) => setTimeout(r, 1000));
    return rssMiB(pid);
  } finally {
    for (const p of procs) p.stop();
  }
}
