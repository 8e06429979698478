/**
 * Bounds permission-history work on a server (issue 15): every report runs in a worker thread
 * (history-worker.ts), so rebuilding a past state or replaying a window never stalls the event loop that
 * serves sync sockets and REST; at most `maxInFlight` reports run per instance and one per workspace per
 * kind, counted before the storage reads. A report that finds no slot within `waitMs` is 429
 * `rate-limited` with Retry-After. The history index's jobs run apart, one at a time, on a thread of
 * their own. A worker that dies fails its job (500) and is replaced at the next.
 */
import { Worker } from 'node:worker_threads';
import { ApiError } from '../http/respond.ts';
import type { JobInputs, JobKind, JobResult } from './history-jobs.ts';
import type { JobReply, JobRequest } from './history-worker.ts';

export interface HistoryRunnerOptions {
  /** Reports computed at once per instance (each in its own worker thread). */
  readonly maxInFlight: number;
  /** How long a report waits for a slot before 429. */
  readonly waitMs: number;
  /** A job running longer is stopped (its worker terminated): 503 too-slow. */
  readonly jobTimeoutMs: number;
}

export const DEFAULT_HISTORY_RUNNER: HistoryRunnerOptions = {
  maxInFlight: 2,
  waitMs: 1_000,
  jobTimeoutMs: 120_000,
};

/** Seconds a refused report waits before asking again. */
const RETRY_AFTER_S = '5';

const BOOT = new URL('./history-worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./history-worker.ts', import.meta.url).href;

/**
 * A young generation larger than V8's default: a report allocates states of the whole workspace (tens
 * of MB) that die with it, and a small nursery promotes and re-scans them (GC was ~20 % of a diff).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 64 };

/** One worker thread, started on first use, one job at a time. */
class HistoryThread {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private pending: { resolve: (r: JobReply) => void; reject: (e: Error) => void } | null = null;

  private start(): Promise<void> {
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY }, resourceLimits: WORKER_LIMITS });
    worker.unref();
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`history worker exited (${code})`)));
    return this.ready;
  }

  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.ready = null;
    const p = this.pending;
    this.pending = null;
    p?.reject(err);
  }

  async run(request: JobRequest, timeoutMs: number): Promise<JobReply> {
    if (!this.worker) await this.start();
    else await this.ready;
    const worker = this.worker!;
    return new Promise<JobReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(
          worker,
          new ApiError('too-slow', 'The history report took too long: ask about a shorter window'),
        );
        void worker.terminate();
      }, timeoutMs);
      const done =
        <T>(f: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          worker.off('message', onMessage);
          f(v);
        };
      this.pending = { resolve: done(resolve), reject: done(reject) };
      const onMessage = (reply: JobReply) => {
        if (reply.id !== request.id) return;
        const p = this.pending;
        this.pending = null;
        p?.resolve(reply);
      };
      worker.on('message', onMessage);
      worker.postMessage(request);
    });
  }

  close(): Promise<number> | undefined {
    const w = this.worker;
    this.worker = null;
    return w?.terminate();
  }
}

export class HistoryRunner {
  private inFlight = 0;
  private readonly busy = new Set<string>();
  private waiters: (() => void)[] = [];
  private readonly idle: HistoryThread[] = [];
  private nextId = 1;
  private closed = false;
  private readonly threads: HistoryThread[] = [];
  private indexThread: HistoryThread | null = null;
  private indexQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: HistoryRunnerOptions = DEFAULT_HISTORY_RUNNER) {}

  /**
   * Takes a slot for (workspace, kind), reads the job's inputs (`gather`: storage reads, on this thread),
   * computes the job in a worker and gives its result; ApiErrors raised there are raised here.
   */
  async run<K extends JobKind>(
    kind: K,
    workspaceId: string,
    gather: () => Promise<JobInputs[K]>,
  ): Promise<JobResult<K>> {
    const key = `${workspaceId}\u0000${kind}`;
    await this.acquire(key, kind);
    const thread = this.idle.pop() ?? this.newThread();
    try {
      return await this.compute(thread, kind, workspaceId, gather);
    } finally {
      if (!this.closed) this.idle.push(thread);
      this.release(key);
    }
  }

  /**
   * A job of the history index (history-index.ts): the server's own upkeep, so outside the reports'
   * slots — never refused, never in a report's way — one at a time per instance on a thread of its own.
   */
  runIndexJob(workspaceId: string, gather: () => Promise<JobInputs['index']>): Promise<JobResult<'index'>> {
    const job = this.indexQueue.then(() => {
      if (this.closed) throw new Error('the history runner is closed');
      this.indexThread ??= this.newThread();
      return this.compute(this.indexThread, 'index', workspaceId, gather);
    });
    this.indexQueue = job.catch(() => {});
    return job;
  }

  private async compute<K extends JobKind>(
    thread: HistoryThread,
    kind: K,
    workspaceId: string,
    gather: () => Promise<JobInputs[K]>,
  ): Promise<JobResult<K>> {
    const input = await gather();
    const request: JobRequest = { id: this.nextId++, kind, workspaceId, input };
    const reply = await thread.run(request, this.options.jobTimeoutMs);
    if (reply.ok) return reply.value as JobResult<K>;
    if (reply.error.code) throw new ApiError(reply.error.code, reply.error.message, reply.error.details);
    throw new Error(`history job ${kind} failed: ${reply.error.message}`);
  }

  /** Stops the worker threads (the server's shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.close()));
  }

  private newThread(): HistoryThread {
    const t = new HistoryThread();
    this.threads.push(t);
    return t;
  }

  private refusal(key: string, kind: JobKind): ApiError {
    const message = this.busy.has(key)
      ? `A ${kind} history report of this workspace is already being computed: try again in a few seconds`
      : `This server is already computing ${this.inFlight} history reports: try again in a few seconds`;
    return new ApiError('rate-limited', message, undefined, { 'retry-after': RETRY_AFTER_S });
  }

  private async acquire(key: string, kind: JobKind): Promise<void> {
    const deadline = Date.now() + this.options.waitMs;
    while (this.inFlight >= this.options.maxInFlight || this.busy.has(key)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) throw this.refusal(key, kind);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, left);
        function wake() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.push(wake);
      });
    }
    this.inFlight++;
    this.busy.add(key);
  }

  private release(key: string): void {
    this.inFlight--;
    this.busy.delete(key);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
