/**
 * The delivery loop: sends due deliveries from the outbox (storage/webhook-store.ts), at most
 * `maxInFlight` at once, each attempt bounded by a timeout; a non-2xx answer, a network error or a refused
 * address is retried after 30 s, 2 min, 10 min, 1 h and 6 h (±10 % jitter), then the delivery is failed.
 * Every attempt is recorded (status, error, next retry) for admins. Deliveries are claimed under a lease,
 * so with several instances over one PostgreSQL each is sent by one of them at a time; one that dies
 * mid-send leaves it to the others when the lease ends. Time is the server's clock (tests move it).
 */
import type { ServerClock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { SecretKeyError } from '../storage/secret-box.ts';
import type { WebhookDelivery, WebhookStore } from '../storage/webhook-store.ts';
import { sendWebhook } from './send-webhook.ts';
import { webhookSignature } from './webhook-signature.ts';
import {
  type AddressPolicy,
  type Lookup,
  parseWebhookUrl,
  resolveWebhookTarget,
  WebhookUrlError,
} from './webhook-url.ts';

/** The wait before each retry; one attempt more than there are delays, then failed. */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000, 21_600_000] as const;
/** Each delay is multiplied by 1 ± JITTER. */
export const RETRY_JITTER = 0.1;
/** How long a claimed delivery is held (well past an attempt's timeout). */
const LEASE_MS = 120_000;

export interface WebhookSenderDeps {
  readonly storage: WebhookStore;
  readonly clock: ServerClock;
  readonly log: Logger;
  readonly policy: AddressPolicy;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  /** Cluster mode: how often to look for deliveries other instances queued or left (null: never). */
  readonly pollMs: number | null;
  readonly random?: () => number;
  /** For tests of the send-time check: how host names resolve. */
  readonly lookup?: Lookup;
}

export class WebhookSender {
  private inFlight = 0;
  private pumping: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private timer: { at: number; cancel: () => void } | null = null;
  private readonly attempts = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly deps: WebhookSenderDeps) {}

  /** Something may be due now (a delivery was queued, the server started). */
  wake(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err) => this.deps.log.warn({ err }, 'webhook delivery loop: storage failed, trying again soon'))
      .finally(() => {
        this.pumping = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves when nothing is being sent (tests). */
  async settled(): Promise<void> {
    while (this.pumping !== null || this.attempts.size > 0) {
      await Promise.allSettled([...this.attempts]);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Stops: no new attempts, those in flight are abandoned (their lease ends, another sender retries). */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.abort.abort();
    await this.pumping;
    await Promise.allSettled([...this.attempts]);
  }

  private async pump(): Promise<void> {
    const { storage, clock, maxInFlight, pollMs } = this.deps;
    const now = clock.now();
    try {
      const free = maxInFlight - this.inFlight;
      if (free > 0)
        for (const d of await storage.claimWebhookDeliveries(now, free, now + LEASE_MS)) this.start(d);
      const next = await storage.nextWebhookDeliveryAt();
      this.schedule(
        Math.min(next ?? Number.POSITIVE_INFINITY, pollMs === null ? Number.POSITIVE_INFINITY : now + pollMs),
      );
    } catch (err) {
      this.schedule(now + 5_000);
      throw err;
    }
  }

  private schedule(at: number): void {
    if (this.closed || !Number.isFinite(at)) return;
    if (this.timer && this.timer.at <= at) return;
    this.timer?.cancel();
    const now = this.deps.clock.now();
    const cancel = this.deps.clock.later(
      () => {
        this.timer = null;
        this.wake();
      },
      Math.max(0, at - now),
    );
    this.timer = { at, cancel };
  }

  private start(d: WebhookDelivery): void {
    this.inFlight++;
    const p = this.attempt(d)
      .catch((err) => this.deps.log.error({ err, delivery: d.id }, 'webhook attempt could not be recorded'))
      .finally(() => {
        this.inFlight--;
        this.attempts.delete(p);
        this.wake();
      });
    this.attempts.add(p);
  }

  private async attempt(d: WebhookDelivery): Promise<void> {
    const { storage, clock, log, policy, timeoutMs } = this.deps;
    let outcome: { httpStatus: number | null; error: string | null };
    let retry = true;
    const hook = await storage.webhookOf(d.workspaceId);
    if (!hook?.enabled) {
      outcome = { httpStatus: null, error: hook ? 'The webhook is turned off' : 'The webhook was removed' };
      retry = false;
    } else {
      try {
        const secret = (await storage.webhookSecret(d.workspaceId)) ?? '';
        const url = parseWebhookUrl(hook.url);
        const target = await resolveWebhookTarget(url, policy, this.deps.lookup);
        const t = Math.floor(clock.now() / 1000);
        outcome = await sendWebhook(
          url,
          target,
          d.payload,
          {
            'content-type': 'application/json',
            'user-agent': 'Gatehouse-Webhooks/1',
            'gatehouse-event': d.event,
            'gatehouse-delivery': d.id,
            'gatehouse-signature': webhookSignature(secret, d.payload, t),
          },
          { timeoutMs, signal: this.abort.signal },
        );
      } catch (err) {
        // A refused address, or a secret this server's key cannot open: the attempt failed, admins see why.
        if (!(err instanceof WebhookUrlError) && !(err instanceof SecretKeyError)) throw err;
        outcome = { httpStatus: null, error: err.message };
      }
    }
    if (this.closed) return; // abandoned at shutdown: the lease ends and it is tried again
    const at = clock.now();
    const attempts = d.attempts + 1;
    const delay = RETRY_DELAYS_MS[attempts - 1];
    const status = outcome.error === null ? 'delivered' : retry && delay !== undefined ? 'pending' : 'failed';
    const jitter = 1 + RETRY_JITTER * (2 * (this.deps.random ?? Math.random)() - 1);
    const nextAttemptAt = status === 'pending' ? at + Math.round(delay! * jitter) : null;
    await storage.finishWebhookAttempt(d.id, { at, status, ...outcome, nextAttemptAt });
    const fields = {
      workspace: d.workspaceId,
      delivery: d.id,
      event: d.event,
      attempts,
      httpStatus: outcome.httpStatus,
    };
    if (status === 'delivered') log.info(fields, 'webhook delivered');
    else
      log.warn(
        { ...fields, error: outcome.error, nextAttemptAt },
        `webhook attempt failed${status === 'failed' ? ', giving up' : ''}`,
      );
  }
}
