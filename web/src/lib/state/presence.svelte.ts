/**
 * Presence (awareness): who else is on the same group page. Identity is the signed-in account the server
 * vouched for (GET /api/me); the server may also stamp it.
 */
import type { Awareness } from 'y-protocols/awareness';

export interface Peer {
  readonly clientId: number;
  readonly name: string;
  readonly email: string;
}

interface PresenceState {
  user?: { name?: unknown; email?: unknown };
  page?: unknown;
}

/** Other clients whose awareness says they are on `page`. Pure, for tests. */
export function peersOn(states: Map<number, Record<string, unknown>>, selfId: number, page: string): Peer[] {
  const out: Peer[] = [];
  const seen = new Set<string>();
  for (const [clientId, raw] of states) {
    if (clientId === selfId) continue;
    const s = raw as PresenceState;
    if (s.page !== page || !s.user) continue;
    const email = typeof s.user.email === 'string' ? s.user.email : '';
    const name = typeof s.user.name === 'string' ? s.user.name : email;
    if (!email || seen.has(email)) continue;
    seen.add(email);
    out.push({ clientId, name, email });
  }
  return out;
}

/** Tracks peers on one page while mounted; call `destroy` when leaving. */
export class PagePresence {
  peers = $state.raw<Peer[]>([]);
  private readonly awareness: Awareness;
  private readonly page: string;
  private readonly update = () => {
    this.peers = peersOn(
      this.awareness.getStates() as Map<number, Record<string, unknown>>,
      this.awareness.clientID,
      this.page,
    );
  };

  constructor(awareness: Awareness, page: string, user: { name: string; email: string }) {
    this.awareness = awareness;
    this.page = page;
    awareness.setLocalStateField('user', user);
    awareness.setLocalStateField('page', page);
    awareness.on('change', this.update);
    this.update();
  }

  destroy() {
    this.awareness.off('change', this.update);
    this.awareness.setLocalStateField('page', null);
  }
}
