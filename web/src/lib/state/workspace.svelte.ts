/**
 * The open workspace: its local replica (Dexie + Y.Doc), the sync link, and the current
 * `WorkspaceState` read through core's DocReader. Everything on screen derives from `state`.
 *
 * Load order (ARCHITECTURE.md): the doc from IndexedDB first (works offline), then the socket.
 */
import type { Awareness } from 'y-protocols/awareness';
import {
  type AccessRequest,
  commit,
  DocReader,
  type Planned,
  readRequests,
  readState,
  schema,
  schemaProblem,
  type WorkspaceState,
} from '../../../../core/index.ts';
import { loadConfusables } from '../confusables/index.ts';
import {
  addToOutbox,
  confirmOutbox,
  database,
  getPref,
  hasReplica,
  openReplica,
  outboxEntries,
  type Replica,
  resetReplica,
  setPref,
} from '../db/index.ts';
import {
  createSyncLink,
  defaultSyncUrl,
  type LinkStatus,
  type SyncLink,
  type TerminalClose,
} from '../sync/index.ts';
import { type GroupRow, groupListRows } from './group-list.ts';
import { fetchPastView, type PastView, READ_ONLY_MESSAGE } from './past-view.ts';
import { toasts } from './toasts.svelte.ts';

/** What the server refused, shown to the admin before the replica is rebuilt. */
export interface Refusal {
  readonly reason: string;
  readonly code: number;
  readonly changes: readonly string[];
}

export const LOCAL_ORIGIN = 'gatehouse-local';

/**
 * The local cache of the Groups list (local-only prefs table, never synced): the rows the list shows, so a
 * cold start draws the list while the doc is still loading. The doc stays the truth; the cache is replaced
 * from it a moment after every change (issue 4 §7: a 10k-user doc takes ~1 s to load).
 */
const listCacheKey = (slug: string) => `group-list:${slug}`;
const LIST_CACHE_DELAY_MS = 1500;

function isGroupRows(v: unknown): v is GroupRow[] {
  return (
    Array.isArray(v) &&
    v.every(
      (r) =>
        r &&
        typeof r.key === 'string' &&
        typeof r.memberCount === 'number' &&
        typeof r.group?.id === 'string' &&
        typeof r.group?.name === 'string',
    )
  );
}

/** Resolves after the next frame has been painted (or 100 ms: a hidden tab paints no frames). */
const nextPaint = () =>
  new Promise<void>((r) => {
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(r, 0));
    setTimeout(r, typeof requestAnimationFrame === 'function' ? 100 : 0);
  });

export class WorkspaceStore {
  slug = $state('');
  /** The merged replicated state; replaced (never mutated) on every doc change. */
  live = $state.raw<WorkspaceState | null>(null);
  /** Access requests (the doc's server-written `requests` root), newest first: read with every state. */
  liveRequests = $state.raw<readonly AccessRequest[]>([]);
  /**
   * The workspace as of a past moment, while an admin looks at it (issue 15): every page then reads it
   * instead of the live state, and nothing can be changed (`readOnly`). The live doc keeps syncing.
   */
  past = $state.raw<PastView | null>(null);
  /** While a past moment loads, the moment; and why the last one could not be shown. */
  pastLoading = $state<number | null>(null);
  pastError = $state<string | null>(null);
  link = $state<LinkStatus>('offline');
  /** While `link` is `unreachable`: since when the server has not answered. */
  unreachableSince = $state<number | null>(null);
  /** Local changes not yet acknowledged by the server. */
  waiting = $state(0);
  refusal = $state.raw<Refusal | null>(null);
  sessionExpired = $state(false);
  awareness = $state.raw<Awareness | null>(null);
  loading = $state(false);
  /** The Groups list as last cached on this device, until the doc has loaded (then null). */
  cachedList = $state.raw<readonly GroupRow[] | null>(null);

  private replica: Replica | null = null;
  private reader: DocReader | null = null;
  private syncLink: SyncLink | null = null;
  private frame = 0;
  private opening: Promise<void> | null = null;
  /** Whether the open workspace should sync (false while only preloaded). */
  private connectWanted = false;
  private listCacheTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly syncUrl: () => string;

  constructor(syncUrl: () => string = () => defaultSyncUrl()) {
    this.syncUrl = syncUrl;
  }

  /** What the pages show: the past moment being viewed, else the live state. */
  get state(): WorkspaceState | null {
    return this.past?.state ?? this.live;
  }

  get requests(): readonly AccessRequest[] {
    return this.past?.requests ?? this.liveRequests;
  }

  /** True while a past moment is shown: every change is refused until `backToNow`. */
  get readOnly(): boolean {
    return this.past !== null;
  }

  /**
   * Shows the workspace as it was at `at` (epoch ms), from the server's history (GET …/history/doc): the
   * doc as of then, read as of then (memberships expire by the clock). Replaces a moment already shown.
   */
  async viewAsOf(at: number): Promise<boolean> {
    const slug = this.slug;
    if (!slug) return false;
    this.pastLoading = at;
    this.pastError = null;
    const result = await fetchPastView(slug, at);
    if (this.slug !== slug || this.pastLoading !== at) return false;
    this.pastLoading = null;
    if (!result.ok) {
      this.pastError = result.error;
      return false;
    }
    this.past = result.view;
    return true;
  }

  /** Leaves the past moment: the pages show the live workspace again. */
  backToNow() {
    this.past = null;
    this.pastLoading = null;
    this.pastError = null;
  }

  /** The open replica's doc (tests, benchmarks). */
  get doc(): import('yjs').Doc | null {
    return this.replica?.doc ?? null;
  }

  /** True once the doc holds a workspace (its default groups), locally or from the server. */
  get ready(): boolean {
    const s = this.live;
    if (!s) return false;
    for (const g of s.groups.values()) if (g.kind === 'default') return true;
    return false;
  }

  open(slug: string, options: { connect?: boolean } = {}): Promise<void> {
    const connect = options.connect ?? true;
    if (this.slug === slug && this.opening) {
      // Preloaded (or opened without the socket) before: connect now, or once the load is done.
      if (connect && !this.connectWanted) {
        this.connectWanted = true;
        if (!this.loading) void this.startSync(slug);
      }
      return this.opening;
    }
    this.close();
    this.slug = slug;
    this.loading = true;
    this.connectWanted = connect;
    this.opening = this.load(slug);
    return this.opening;
  }

  /**
   * Starts reading a workspace's local replica before the session is known (cold start: the reads overlap
   * GET /api/me). Only a replica this device already holds; nothing connects until `open`.
   */
  async preload(slug: string): Promise<void> {
    if (this.opening || !(await hasReplica(database(), slug).catch(() => false))) return;
    if (!this.opening) void this.open(slug, { connect: false });
  }

  private async load(slug: string): Promise<void> {
    const db = database();
    performance.mark('gh:open');
    // Name checks need the look-alike table: it loads meanwhile, and the workspace shows only once it is here.
    const names = loadConfusables().catch(() => {});
    const cached = await getPref<unknown>(db, listCacheKey(slug)).catch(() => undefined);
    if (this.slug !== slug) return;
    if (isGroupRows(cached)) {
      this.cachedList = cached;
      performance.mark('gh:list-cache');
      // Let the cached list paint before the doc load takes the main thread (~1 s for 10k users).
      await nextPaint();
    }
    const replica = await openReplica(db, slug);
    performance.mark('gh:doc-loaded');
    await names;
    if (this.slug !== slug) {
      replica.release();
      return;
    }
    this.replica = replica;
    // Requests are not part of the access state: their root is followed on its own.
    const requests = replica.doc.getMap(schema.REQUESTS_ROOT);
    const readAll = () => {
      if (this.replica === replica) this.liveRequests = readRequests(replica.doc);
    };
    requests.observe(readAll);
    this.unobserveRequests = () => requests.unobserve(readAll);
    readAll();
    // An empty replica waits for its first sync: reading it incrementally while the whole workspace
    // arrives in one transaction would cost more than one cold read once it is here (ensureReader).
    if (replica.doc.store.clients.size > 0) this.ensureReader();
    else this.setState(readState(replica.doc));
    performance.mark('gh:state-read');
    replica.doc.on('update', this.onUpdate);
    await this.refreshWaiting();
    this.loading = false;
    this.cachedList = null;
    if (this.connectWanted) await this.startSync(slug);
  }

  private async startSync(slug: string) {
    const replica = this.replica;
    if (!replica || this.syncLink) return;
    // First sync (nothing stored here yet): let the progress indicator paint before the server's answer
    // arrives, since applying a big workspace then holds the main thread until it is done.
    if (!this.ready) {
      await nextPaint();
      if (this.slug !== slug || this.replica !== replica || this.syncLink) return;
    }
    this.connect();
  }

  /** The incremental reader of the open doc, made (with one cold read) on first need. */
  private ensureReader(): DocReader | null {
    if (!this.reader && this.replica) {
      this.reader = new DocReader(this.replica.doc);
      this.setState(this.reader.state());
    }
    return this.reader;
  }

  private connect() {
    const replica = this.replica;
    if (!replica) return;
    const link = createSyncLink({
      url: this.syncUrl(),
      room: replica.slug,
      doc: replica.doc,
      applyInitialState: (apply) => {
        if (replica.receiveInitialState(apply)) this.onUpdate();
        else apply();
      },
      on: {
        status: (s, since) => {
          this.link = s;
          this.unreachableSince = since;
        },
        ack: (token) => {
          void confirmOutbox(database(), replica.key, token).then(() => this.refreshWaiting());
        },
        closed: (close) => void this.onClosed(close),
      },
    });
    this.syncLink = link;
    this.awareness = link.awareness;
    this.link = link.status();
    if (this.waiting > 0) void this.requestAck();
  }

  private onUpdate = () => {
    if (this.frame) return;
    const run = () => {
      this.frame = 0;
      const reader = this.ensureReader();
      if (reader) this.setState(reader.state());
    };
    this.frame =
      typeof requestAnimationFrame === 'function'
        ? requestAnimationFrame(run)
        : (setTimeout(run, 0) as unknown as number);
  };

  /** Reads the doc now (after a local commit, so the UI never shows a stale frame). */
  refresh() {
    const reader = this.ensureReader();
    if (reader) this.setState(reader.state());
  }

  private setState(next: WorkspaceState) {
    if (next === this.live) return;
    this.live = next;
    this.scheduleExpiry();
    if (this.listCacheTimer === null && typeof setTimeout === 'function')
      this.listCacheTimer = setTimeout(() => this.saveListCache(), LIST_CACHE_DELAY_MS);
  }

  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  private unobserveRequests: (() => void) | null = null;
  /**
   * Reads the doc again when its next membership expires: the state changes with time, not only with
   * updates (what it shows; the server's clock decides access and removes the membership).
   */
  private scheduleExpiry() {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    const at = this.reader?.nextExpiry ?? Number.POSITIVE_INFINITY;
    if (at === Number.POSITIVE_INFINITY || typeof setTimeout !== 'function') return;
    this.expiryTimer = setTimeout(() => this.onUpdate(), Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1));
  }

  /** Replaces the cached Groups list from the doc (only once the doc holds a workspace). */
  private saveListCache() {
    this.listCacheTimer = null;
    const state = this.live;
    if (!state || !this.ready || !this.slug) return;
    void setPref(database(), listCacheKey(this.slug), groupListRows(state)).catch(() => {});
  }

  private async refreshWaiting() {
    if (!this.replica) return;
    this.waiting = (await outboxEntries(database(), this.replica.key)).length;
  }

  private async requestAck() {
    const { replica, syncLink } = this;
    if (!replica || !syncLink) return;
    const entries = await outboxEntries(database(), replica.key);
    const last = entries.at(-1)?.id;
    // Closed meanwhile: the next link asks for its own acknowledgement when it connects.
    if (last !== undefined && this.syncLink === syncLink) syncLink.requestAck(last);
  }

  /**
   * Applies a planned command to the doc (one transaction) and queues it for the server; false when it
   * was refused (a past moment is shown, or the doc is of another schema), having said why.
   */
  async commit(planned: Pick<Planned, 'ops'>, summary: string): Promise<boolean> {
    const replica = this.replica;
    if (!replica) throw new Error('no workspace is open');
    if (this.past) {
      toasts.error(READ_ONLY_MESSAGE);
      return false;
    }
    // A doc of another schema than this build's (schema 2 migration, core/doc/migrate-v1-to-v2.ts).
    const problem = schemaProblem(replica.doc);
    if (problem) {
      toasts.error(problem);
      return false;
    }
    commit(replica.doc, planned, LOCAL_ORIGIN);
    this.refresh();
    await addToOutbox(database(), replica.key, summary);
    await this.refreshWaiting();
    await this.requestAck();
    return true;
  }

  private async onClosed(close: TerminalClose) {
    if (close.auth) {
      this.sessionExpired = true;
      return;
    }
    const replica = this.replica;
    if (!replica) return;
    const entries = await outboxEntries(database(), replica.key);
    this.refusal = {
      reason: close.reason || 'The server refused a change',
      code: close.code,
      changes: entries.map((e) => e.summary),
    };
    const slug = replica.slug;
    this.close();
    await resetReplica(database(), replica);
    await setPref(database(), listCacheKey(slug), null).catch(() => {});
    await this.open(slug);
  }

  /** After signing in again: resume syncing (local edits are still in the doc). */
  resume() {
    this.sessionExpired = false;
    this.syncLink?.reconnect();
  }

  dismissRefusal() {
    this.refusal = null;
  }

  close() {
    if (this.listCacheTimer !== null) {
      clearTimeout(this.listCacheTimer);
      this.saveListCache();
    }
    this.cachedList = null;
    if (this.frame && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.syncLink?.destroy();
    this.syncLink = null;
    this.awareness = null;
    this.reader?.destroy();
    this.reader = null;
    this.unobserveRequests?.();
    this.unobserveRequests = null;
    this.liveRequests = [];
    this.backToNow();
    if (this.replica) {
      this.replica.doc.off('update', this.onUpdate);
      this.replica.release();
      this.replica = null;
    }
    this.opening = null;
    this.connectWanted = false;
    this.live = null;
    this.link = 'offline';
    this.waiting = 0;
  }
}

export const workspace = new WorkspaceStore();
