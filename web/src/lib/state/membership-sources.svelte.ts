/**
 * Membership sources as the admin app shows them (SPEC §8): "SSO: <connection name>", "SCIM: <connection
 * name>", manual with no badge. Each badge links to the connection's settings page, where its mapping is
 * edited (the way to keep someone out of a group a connection owns). Connection names are read once per
 * workspace from the SSO and SCIM connection lists; until they arrive (or for a deleted connection) the
 * badge says "SSO connection" / "SCIM connection".
 */
import type { Group, MembershipSource, WorkspaceState } from '../../../../core/index.ts';
import { scimService } from '../services/scim.ts';
import { ssoService } from '../services/sso.ts';
import { settingsPath } from './router.svelte.ts';

export interface SourceBadge {
  readonly source: MembershipSource;
  readonly kind: 'sso' | 'scim';
  /** "SSO: Okta". */
  readonly label: string;
  /** Where the connection (and its mapping) is edited. */
  readonly href: string;
  /** The settings page's title, for "Unmap on Single sign-on". */
  readonly pageName: string;
}

class SourceNames {
  names = $state.raw<ReadonlyMap<string, string>>(new Map());
  private ws = '';

  /** Reads the connection names of `ws` (once; again after `refresh`). */
  load(ws: string): void {
    if (this.ws === ws) return;
    this.ws = ws;
    this.names = new Map();
    void Promise.all([ssoService.list(ws), scimService.list(ws)]).then(([sso, scim]) => {
      if (this.ws !== ws) return;
      const names = new Map<string, string>();
      if (sso.ok) for (const c of sso.value.connections) names.set(`sso:${c.id}`, c.name);
      if (scim.ok) for (const c of scim.value.connections) names.set(`scim:${c.id}`, c.name);
      this.names = names;
    });
  }

  /** The badge of a connection's source; null for manual. */
  badge(ws: string, source: MembershipSource): SourceBadge | null {
    if (source === 'manual') return null;
    const kind = source.startsWith('sso:') ? 'sso' : 'scim';
    const name = this.names.get(source);
    const prefix = kind === 'sso' ? 'SSO' : 'SCIM';
    return {
      source,
      kind,
      label: name ? `${prefix}: ${name}` : `${prefix} connection`,
      href: settingsPath(ws, kind === 'sso' ? 'single-sign-on' : 'provisioning'),
      pageName: kind === 'sso' ? 'Single sign-on' : 'Provisioning',
    };
  }

  /** The badges of a user's memberships of `group`, one per connection (manual has none). */
  badges(ws: string, group: Group, userId: string): SourceBadge[] {
    const out: SourceBadge[] = [];
    for (const m of group.memberships.get(userId) ?? []) {
      const b = this.badge(ws, m.source);
      if (b) out.push(b);
    }
    return out;
  }
}

export const sourceNames = new SourceNames();

/** Per user, the connections (SSO, SCIM) any of their custom-group memberships come from, in first-seen order. */
export function connectionSourcesByUser(state: WorkspaceState): Map<string, MembershipSource[]> {
  const out = new Map<string, MembershipSource[]>();
  for (const g of state.groups.values()) {
    if (g.deletedAt !== undefined) continue;
    for (const [userId, held] of g.memberships)
      for (const m of held) {
        if (m.source === 'manual') continue;
        const own = out.get(userId);
        if (!own) out.set(userId, [m.source]);
        else if (!own.includes(m.source)) own.push(m.source);
      }
  }
  return out;
}
