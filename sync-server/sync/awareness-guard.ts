/**
 * Ties awareness (presence) to the authenticated user. An awareness update is
 *   varUint(n) { varUint(clientID) varUint(clock) varString(JSON state) }*n
 * We keep only entries for client ids this connection owns (first come, capped) and overwrite `user`
 * identity fields with the server's, so a client cannot appear as someone else.
 *
 * Presence is relayed to every admin, so it is bounded per connection: a state larger than
 * MAX_AWARENESS_STATE_BYTES is dropped (before it is parsed), and updates that set states beyond
 * AWARENESS_BURST at AWARENESS_UPDATES_PER_SECOND (a token bucket) are dropped. Removals (null states)
 * always pass. The admin app sets presence on navigation only, far below either limit.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export interface AwarenessIdentity {
  readonly accountId: string;
  readonly userId: string;
  readonly name: string;
  readonly email: string;
}

/** Largest presence state relayed, as UTF-8 JSON (the admin app's is ~200 bytes). */
export const MAX_AWARENESS_STATE_BYTES = 8 * 1024; // 8 KiB
/** Sustained presence updates per connection per second, and the burst allowed above it. */
export const AWARENESS_UPDATES_PER_SECOND = 4;
export const AWARENESS_BURST = 10;
/** Room for the identity fields the server writes into a state. */
const IDENTITY_ALLOWANCE_BYTES = 1024;

/** Client ids a single connection may speak for (a tab normally has one). */
export const MAX_CLIENT_IDS_PER_CONNECTION = 4;
const MAX_ENTRIES = 16;

/** One connection's guard: the client ids it owns and its token bucket. */
export class AwarenessGuard {
  /** Client ids this connection speaks for (removed from the awareness when it closes). */
  readonly owned = new Set<number>();
  private tokens = AWARENESS_BURST;
  private at: number | null = null;

  constructor(
    /** Client id → owning guard, for the whole doc. */
    private readonly owners: Map<number, object>,
    private readonly identity: AwarenessIdentity,
  ) {}

  /** Takes one token of the bucket; false when it is empty. */
  private takeToken(now: number): boolean {
    const elapsed = this.at === null ? 0 : now - this.at;
    this.tokens = Math.min(AWARENESS_BURST, this.tokens + (elapsed / 1000) * AWARENESS_UPDATES_PER_SECOND);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Returns the rewritten update, or null when nothing in it may be applied (or it is junk). */
  guard(update: Uint8Array, now = Date.now()): Uint8Array | null {
    const { owners, owned, identity } = this;
    try {
      const d = decoding.createDecoder(update);
      const n = decoding.readVarUint(d);
      if (n > MAX_ENTRIES) return null;
      const out: { clientID: number; clock: number; state: string }[] = [];
      for (let i = 0; i < n; i++) {
        const clientID = decoding.readVarUint(d);
        const clock = decoding.readVarUint(d);
        const raw = decoding.readVarString(d);
        if (raw.length > MAX_AWARENESS_STATE_BYTES || Buffer.byteLength(raw) > MAX_AWARENESS_STATE_BYTES)
          continue;
        const owner = owners.get(clientID);
        if (owner !== undefined && owner !== this) continue;
        if (owner === undefined && owned.size >= MAX_CLIENT_IDS_PER_CONNECTION) continue;
        const parsed: unknown = JSON.parse(raw);
        let state: unknown = null;
        if (parsed !== null) {
          if (typeof parsed !== 'object' || Array.isArray(parsed)) continue;
          const s = parsed as Record<string, unknown>;
          const user = s.user !== null && typeof s.user === 'object' && !Array.isArray(s.user) ? s.user : {};
          state = {
            ...s,
            user: {
              ...(user as object),
              id: identity.userId,
              accountId: identity.accountId,
              name: identity.name,
              email: identity.email,
            },
          };
        }
        const json = JSON.stringify(state);
        if (Buffer.byteLength(json) > MAX_AWARENESS_STATE_BYTES + IDENTITY_ALLOWANCE_BYTES) continue;
        owners.set(clientID, this);
        owned.add(clientID);
        out.push({ clientID, clock, state: json });
      }
      if (out.length === 0) return null;
      if (out.some((x) => x.state !== 'null') && !this.takeToken(now)) return null;
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, out.length);
      for (const x of out) {
        encoding.writeVarUint(e, x.clientID);
        encoding.writeVarUint(e, x.clock);
        encoding.writeVarString(e, x.state);
      }
      return encoding.toUint8Array(e);
    } catch {
      return null;
    }
  }
}
