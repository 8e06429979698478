/**
 * `--demo`: a living workspace like the seed's example (slug `nexus`): HR and Sales custom groups, their
 * apps (URL patterns pointing at the server's own /demo-apps pages) and data sources, users of each role.
 * Everything goes through core commands and the normal pipeline, so the audit shows how it was built.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from '../../core/index.ts';
import { hashPassword } from '../auth/password.ts';
import type { ServerContext } from '../context.ts';
import type { Account } from '../storage/account-store.ts';
import { type Actor, SERVER_ACTOR } from '../sync/live-doc.ts';
import { createWorkspaceWithAdmin } from '../workspaces.ts';

export interface DemoLogin {
  readonly email: string;
  readonly password: string;
  readonly role: string;
  readonly name: string;
}

const PEOPLE = [
  { email: 'ada@nexus.test', name: 'Ada Admin', role: 'admin' },
  { email: 'ben@nexus.test', name: 'Ben Builder', role: 'builder' },
  { email: 'hana@nexus.test', name: 'Hana HR', role: 'end-user', group: 'HR' },
  { email: 'sam@nexus.test', name: 'Sam Sales', role: 'builder', group: 'Sales' },
  { email: 'eve@nexus.test', name: 'Eve Everyone', role: 'end-user' },
] as const;

/** Returns null when the data directory already holds accounts (the demo only seeds an empty one). */
export async function seedDemo(ctx: ServerContext, publicUrl: string): Promise<DemoLogin[] | null> {
  if ((await ctx.storage.countAccounts()) > 0) return null;
  const password = `demo-${randomBytes(4).toString('hex')}`;
  const hash = await hashPassword(password);
  const accounts: Account[] = [];
  for (const p of PEOPLE)
    accounts.push(await ctx.storage.createAccount({ email: p.email, name: p.name, passwordHash: hash }));
  ctx.setupToken = null;
  const workspace = await createWorkspaceWithAdmin(ctx, { name: 'Nexus', slug: 'nexus' }, accounts[0]!);
  const demo = (slug: string) => [`${publicUrl}/demo-apps/${slug}`, `${publicUrl}/demo-apps/${slug}/*`];

  await ctx.registry.with(workspace, async (live) => {
    const run = async (command: Command, actor: Actor = SERVER_ACTOR): Promise<string> => {
      const r = await live.submit(
        {
          kind: 'command',
          command: { ...command, allowRoleChange: true },
          trusted: command.type === 'user.activate',
        },
        actor,
        actor === SERVER_ACTOR ? 'server' : 'api',
      );
      if (!r.ok) throw new Error(`demo seed: ${command.type} failed: ${r.error.message}`);
      return r.planned?.createdId ?? '';
    };
    const apps = {
      hrPortal: await run({
        type: 'app.create',
        name: 'HR Portal',
        slug: 'hr-portal',
        urlPatterns: demo('hr-portal'),
      }),
      leave: await run({
        type: 'app.create',
        name: 'Leave Tracker',
        slug: 'leave-tracker',
        urlPatterns: demo('leave-tracker'),
      }),
      sales: await run({
        type: 'app.create',
        name: 'Sales Dashboard',
        slug: 'sales-dashboard',
        urlPatterns: demo('sales-dashboard'),
      }),
      crm: await run({ type: 'app.create', name: 'CRM', slug: 'crm', urlPatterns: demo('crm') }),
      wiki: await run({ type: 'app.create', name: 'Company Wiki', slug: 'wiki', urlPatterns: demo('wiki') }),
    };
    const ds = {
      payroll: await run({ type: 'dataSource.create', name: 'Payroll DB', kind: 'postgres' }),
      salesforce: await run({ type: 'dataSource.create', name: 'Salesforce', kind: 'restapi' }),
      warehouse: await run({ type: 'dataSource.create', name: 'Warehouse', kind: 'mysql' }),
    };
    // Like the seed's story: team apps come from team groups, so End-user does not view every app here.
    const endUsers = [...live.state().groups.values()].find(
      (g) => g.kind === 'default' && g.role === 'end-user',
    );
    for (const g of endUsers ? endUsers.grants.values() : [])
      if (g.deletedAt === undefined)
        await run({ type: 'grant.remove', groupId: endUsers!.id, grantId: g.id });
    await run({
      type: 'grant.add',
      groupId: endUsers!.id,
      grant: {
        name: 'Wiki',
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [apps.wiki],
        level: 'view',
        hideFromDashboard: false,
      },
    });
    const hr = await run({ type: 'group.create', name: 'HR' });
    const sales = await run({ type: 'group.create', name: 'Sales' });
    const grant = (groupId: string, name: string, resourceIds: string[], level: 'view' | 'edit') =>
      run({
        type: 'grant.add',
        groupId,
        grant: { name, resourceType: 'app', scope: 'custom', resourceIds, level, hideFromDashboard: false },
      });
    await grant(hr, 'HR apps', [apps.hrPortal, apps.leave], 'view');
    await grant(sales, 'Sales apps', [apps.sales, apps.crm], 'view');
    await run({
      type: 'grant.add',
      groupId: sales,
      grant: {
        name: 'CRM data',
        resourceType: 'dataSource',
        scope: 'custom',
        resourceIds: [ds.salesforce],
        level: 'use',
        hideFromDashboard: false,
      },
    });
    void ds;
    const userIds: Record<string, string> = {};
    for (const p of PEOPLE.slice(1)) {
      userIds[p.email] = await run({ type: 'user.invite', email: p.email, name: p.name, role: p.role });
      // As if each person accepted their invitation: the account activates its own user.
      const a = accounts.find((x) => x.email === p.email)!;
      await run(
        { type: 'user.activate', userId: userIds[p.email]! },
        { accountId: a.id, email: a.email, name: a.name },
      );
    }
    await run({ type: 'group.addMembers', groupId: hr, userIds: [userIds['hana@nexus.test']!] });
    await run({ type: 'group.addMembers', groupId: sales, userIds: [userIds['sam@nexus.test']!] });
  });
  return PEOPLE.map((p) => ({ email: p.email, password, role: p.role, name: p.name }));
}
