/**
 * Check access (Workspace settings → Check access): pick any user and any app or data source, and read
 * core's decision about them — the level, why (the sentences the user reads in My access and the panel),
 * and the smallest changes that would give more ("Member of “HR” would give View"). Computed from the
 * workspace doc by core's `explain`, the same function the server answers `…/users/:id/explain` with.
 */
import {
  type App,
  type DataSource,
  type Explanation,
  explain,
  liveValues,
  type ResourceType,
  type User,
} from '../../../../core/index.ts';
import { userRows } from './users.svelte.ts';
import { workspace } from './workspace.svelte.ts';

/** Users offered for a query: enough to pick from, never a 10,000-item list. */
export const MAX_USER_CHOICES = 50;

/** `app:<id>` or `dataSource:<id>`: one select's value. */
export type ResourceKey = `${ResourceType}:${string}`;

export function resourceKey(type: ResourceType, id: string): ResourceKey {
  return `${type}:${id}`;
}

function parseKey(key: string): { type: ResourceType; id: string } | null {
  const i = key.indexOf(':');
  const type = key.slice(0, i);
  return type === 'app' || type === 'dataSource' ? { type, id: key.slice(i + 1) } : null;
}

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

export class CheckAccess {
  query = $state('');
  userId = $state('');
  resource = $state<ResourceKey | ''>('');

  private readonly rows = $derived(workspace.state ? userRows(workspace.state, this.query, '', '') : []);
  /** How many users match the query. */
  readonly matches = $derived(this.rows.length);
  /** The first users matching the query (email, name or group), the picked one always among them. */
  readonly users = $derived.by((): User[] => {
    const shown = this.rows.slice(0, MAX_USER_CHOICES).map((r) => r.user);
    const picked = workspace.state?.users.get(this.userId);
    return picked && !shown.includes(picked) ? [picked, ...shown] : shown;
  });
  readonly apps = $derived(workspace.state ? [...liveValues<App>(workspace.state.apps)].sort(byName) : []);
  readonly dataSources = $derived(
    workspace.state ? [...liveValues<DataSource>(workspace.state.dataSources)].sort(byName) : [],
  );
  readonly user = $derived(workspace.state?.users.get(this.userId) ?? null);

  /** Core's explanation for the pair, with the groups an admin may add them to; null until both are picked. */
  readonly explanation = $derived.by((): Explanation | null => {
    const s = workspace.state;
    const r = parseKey(this.resource);
    if (!s || !r || !this.user) return null;
    return explain(s, this.user.id, r, { groupSuggestions: true });
  });
}
