/**
 * Ties awareness (presence) to the authenticated user. An awareness update is
 *   varUint(n) { varUint(clientID) varUint(clock) varString(JSON state) }*n
 * We keep only entries for client ids this connection owns (first come, capped) and overwrite `user`
 * identity fields with the server's, so a client cannot appear as someone else.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export interface AwarenessIdentity {
  readonly accountId: string;
  readonly userId: string;
  readonly name: string;
  readonly email: string;
}

/** Client ids a single connection may speak for (a tab normally has one). */
export const MAX_CLIENT_IDS_PER_CONNECTION = 4;
const MAX_ENTRIES = 16;

/** Returns the rewritten update, or null when nothing in it may be applied (or it is junk). */
export function guardAwarenessUpdate(
  update: Uint8Array,
  conn: object,
  owned: Set<number>,
  owners: Map<number, object>,
  identity: AwarenessIdentity,
): Uint8Array | null {
  try {
    const d = decoding.createDecoder(update);
    const n = decoding.readVarUint(d);
    if (n > MAX_ENTRIES) return null;
    const out: { clientID: number; clock: number; state: string }[] = [];
    for (let i = 0; i < n; i++) {
      const clientID = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      const raw = decoding.readVarString(d);
      const owner = owners.get(clientID);
      if (owner !== undefined && owner !== conn) continue;
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
      owners.set(clientID, conn);
      owned.add(clientID);
      out.push({ clientID, clock, state: JSON.stringify(state) });
    }
    if (out.length === 0) return null;
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
