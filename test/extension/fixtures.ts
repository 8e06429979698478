/** Access summaries built by core from a real workspace, for the extension's unit tests. */
import {
  type AccessSummary,
  buildCatalog,
  expandSummary,
  summarizeUser,
  type WorkspaceState,
} from '../../core/index.ts';
import type { HeldAccess } from '../../extension/background/api.ts';
import type { StorageAreaLike } from '../../extension/storage.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

export interface SummaryFixture {
  readonly builder: AccessSummary;
  readonly viewer: AccessSummary;
  readonly outsider: AccessSummary;
  /** In Support like the viewer, but has not accepted the invitation yet. */
  readonly invited: AccessSummary;
  /** In Support like the viewer, archived. */
  readonly archived: AccessSummary;
  readonly state: WorkspaceState;
  /** What the server sends for a user: their summary over the catalog (as `held` by the worker). */
  readonly held: (
    who: 'builder' | 'viewer' | 'outsider' | 'invited' | 'archived',
    etag?: string,
  ) => HeldAccess;
  readonly ids: { readonly payroll: string; readonly wiki: string; readonly hr: string };
}

/**
 * Nexus: apps "Payroll <b>admin</b>" (https://payroll.corp.test/*), "Wiki" (https://*.wiki.test/docs/*) and
 * "HR" (http://127.0.0.1:*-style pattern given by the caller). The End-user role grants nothing here, so
 * end-users see only what custom groups give them.
 */
export function summaryFixture(hrPattern = 'https://hr.corp.test/*'): SummaryFixture {
  const ws = createTestWorkspace();
  const admin = ws.user('ada@corp.test', 'admin');
  ws.must({ type: 'user.rename', userId: admin, name: 'Ada <i>Admin</i>' });
  const builder = ws.user('bob@corp.test', 'builder');
  const viewer = ws.user('vic@corp.test', 'end-user');
  const outsider = ws.user('olga@corp.test', 'end-user');
  const invited = ws.user('ivy@corp.test', 'end-user', 'invited');
  const archived = ws.user('arlo@corp.test', 'end-user');
  const payroll = ws.app('Payroll <b>admin</b>', ['https://payroll.corp.test/*']);
  const wiki = ws.app('Wiki', ['https://*.wiki.test/docs/*']);
  const hr = ws.app('HR', [hrPattern]);
  const db = ws.dataSource('Payroll DB');
  const endUsers = ws.groupByName('End-user');
  const defaultGrant = [...ws.state().groups.get(endUsers)!.grants.values()].find(
    (g) => g.deletedAt === undefined,
  );
  if (defaultGrant) ws.must({ type: 'grant.remove', groupId: endUsers, grantId: defaultGrant.id });

  const support = ws.group('Support <script>alert(1)</script>');
  ws.must({ type: 'group.addMembers', groupId: support, userIds: [viewer, invited, archived] });
  ws.must({
    type: 'grant.add',
    groupId: support,
    grant: {
      name: 'Payroll read',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [payroll],
      level: 'view',
      hideFromDashboard: true,
    },
  });
  const finance = ws.group('Finance');
  ws.must({ type: 'group.addMembers', groupId: finance, userIds: [builder] });
  ws.must({
    type: 'grant.add',
    groupId: finance,
    grant: {
      name: 'Payroll DB',
      resourceType: 'dataSource',
      scope: 'custom',
      resourceIds: [db],
      level: 'use',
      hideFromDashboard: false,
    },
  });
  ws.must({ type: 'user.archive', userId: archived });
  const state = ws.state();
  const users = { builder, viewer, outsider, invited, archived };
  const held = (who: keyof typeof users, etag = '"s1"'): HeldAccess => ({
    summary: summarizeUser(state, users[who], 'cat1')!,
    etag,
    catalog: buildCatalog(state),
    catalogEtag: '"cat1"',
  });
  // What the extension shows: the summary joined with the catalog, as the worker makes it.
  const joined = (who: keyof typeof users) => expandSummary(held(who).catalog, held(who).summary);
  return {
    builder: joined('builder'),
    viewer: joined('viewer'),
    outsider: joined('outsider'),
    invited: joined('invited'),
    archived: joined('archived'),
    state,
    held,
    ids: { payroll, wiki, hr },
  };
}

/** An in-memory chrome.storage area. */
export function memoryArea(): StorageAreaLike & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    async get(keys) {
      const out: Record<string, unknown> = {};
      for (const k of typeof keys === 'string' ? [keys] : keys)
        if (data.has(k)) out[k] = structuredClone(data.get(k));
      return out;
    },
    async set(items) {
      for (const [k, v] of Object.entries(items)) data.set(k, structuredClone(v));
    },
    async remove(keys) {
      for (const k of typeof keys === 'string' ? [keys] : keys) data.delete(k);
    },
  };
}
