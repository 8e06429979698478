/**
 * A deterministic benchmark workspace (seeded mulberry32): users, custom groups with members and grants,
 * apps with URL patterns and data sources, written as core Ops with `applyOps` into a doc made by
 * `createWorkspaceDoc`. Ops are built directly (no `plan()` per entity: 10,000 plans would take minutes),
 * but follow the rules: builder-level groups only hold builders and admins, end-user groups only View.
 *
 * The default groups are tightened the way a real workspace is: Builder views every app (editing comes
 * from groups) and End-user views only the company-wide apps, so the access matrix has Edit, View and none.
 * Shape: roles ~1% admin, ~20% builder; 93% active, 5% invited, 2% archived; 40% of groups builder-level;
 * 30–70 members per group; custom app grants list 5–40 apps, data-source grants 2–10; 2% of grants "all".
 * Everything is deterministic except the three default groups' ids, which `createWorkspaceDoc` draws.
 */
import type * as Y from 'yjs';
import {
  applyOps,
  createWorkspaceDoc,
  type Fields,
  FLAGS,
  type Grant,
  NO_FLAGS,
  newId,
  type Op,
  type Role,
  readState,
  slugify,
} from '../core/index.ts';
import { int, mulberry32, pick, type Rng, randomId, sample } from './prng.ts';

export interface WorkspaceSize {
  readonly users: number;
  readonly groups: number;
  readonly apps: number;
  readonly dataSources: number;
  readonly membersPerGroup: number;
  readonly grantsPerGroup: number;
  /** Apps every end-user may view through the End-user default group. */
  readonly companyWideApps: number;
}

/** Issue 2 §7: 10,000 users, 1,000 groups (~50 members, 3 grants), 2,000 apps, 200 data sources. */
export const BENCH_SIZE: WorkspaceSize = {
  users: 10_000,
  groups: 1_000,
  apps: 2_000,
  dataSources: 200,
  membersPerGroup: 50,
  grantsPerGroup: 3,
  companyWideApps: 100,
};

export interface GenerateOptions extends Partial<WorkspaceSize> {
  readonly seed?: number;
  /** The clock of the generated workspace (createdAt, member addedAt). */
  readonly now?: number;
}

export interface GeneratedWorkspace {
  readonly doc: Y.Doc;
  readonly size: WorkspaceSize;
  readonly seed: number;
  readonly now: number;
  /** Ids in generation order. */
  readonly userIds: readonly string[];
  readonly groupIds: readonly string[];
  /** Custom groups that are builder-level (a flag, an Edit app grant or a data-source grant). */
  readonly builderLevelGroupIds: readonly string[];
  readonly appIds: readonly string[];
  readonly dataSourceIds: readonly string[];
  readonly defaultGroupIds: Readonly<Record<Role, string>>;
  /** The ops written after `createWorkspaceDoc` (tests can replay them with `applyOpsToState`). */
  readonly ops: readonly Op[];
}

const FIRST = ['Ada', 'Ben', 'Chen', 'Dana', 'Eli', 'Fatima', 'Goran', 'Hana', 'Ivan', 'Jun', 'Kofi', 'Lena'];
const LAST = ['Ahmed', 'Berg', 'Costa', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jones'];
const DEPTS = ['Finance', 'HR', 'Sales', 'Support', 'Ops', 'Marketing', 'Legal', 'IT', 'Security', 'Data'];
const APP_NOUNS = [
  'Dashboard',
  'Portal',
  'Tracker',
  'Console',
  'Reports',
  'Approvals',
  'Inventory',
  'Planner',
];
const TEAMS = ['admins', 'analysts', 'approvers', 'leads', 'reviewers', 'on-call', 'contractors', 'viewers'];
const KINDS = ['postgres', 'mysql', 'restapi', 'mongodb', 'googlesheets', 'snowflake', 'graphql'];

/** Ids as long as core's own (`newId()`: 8 base64url characters), so the doc size is the real one. */
const ID_LENGTH = newId().length;
const freshId = (rng: Rng) => randomId(rng, ID_LENGTH);

/** Probability that a grant covers every resource of its type (scope "all"). */
const SCOPE_ALL = 0.02;
const BUILDER_LEVEL_GROUPS = 0.4;

interface Ctx {
  readonly rng: Rng;
  readonly size: WorkspaceSize;
  readonly now: number;
  readonly ops: Op[];
  readonly appIds: string[];
  readonly dataSourceIds: string[];
}

function user(ctx: Ctx, i: number): { id: string; role: Role; archived: boolean } {
  const { rng } = ctx;
  const id = freshId(rng);
  const r = rng();
  const role: Role = i === 0 || r < 0.01 ? 'admin' : r < 0.21 ? 'builder' : 'end-user';
  const s = rng();
  const status = i === 0 || s < 0.93 ? 'active' : s < 0.98 ? 'invited' : 'archived';
  const first = pick(rng, FIRST);
  const last = pick(rng, LAST);
  const fields = {
    email: `${first}.${last}.${i + 1}@corp.example`.toLowerCase(),
    name: `${first} ${last}`,
    role,
    status,
    createdAt: ctx.now - (ctx.size.users - i) * 60_000,
  };
  ctx.ops.push({ type: 'entity.create', collection: 'users', id, fields });
  return { id, role, archived: status === 'archived' };
}

function app(ctx: Ctx, i: number): void {
  const { rng } = ctx;
  const id = freshId(rng);
  const name = `${pick(rng, DEPTS)} ${pick(rng, APP_NOUNS)} ${i + 1}`;
  const slug = slugify(name);
  const urlPatterns = [`https://apps.corp.example/${slug}/*`];
  if (rng() < 0.3) urlPatterns.push(`https://${slug}.tools.corp.example/*`);
  const fields = { name, slug, urlPatterns, createdAt: ctx.now - (ctx.size.apps - i) * 1000 };
  ctx.ops.push({ type: 'entity.create', collection: 'apps', id, fields });
  ctx.appIds.push(id);
}

function dataSource(ctx: Ctx, i: number): void {
  const { rng } = ctx;
  const id = freshId(rng);
  const kind = pick(rng, KINDS);
  const fields = { name: `${pick(rng, DEPTS)} ${kind} ${i + 1}`, kind, createdAt: ctx.now - 1000 };
  ctx.ops.push({ type: 'entity.create', collection: 'dataSources', id, fields });
  ctx.dataSourceIds.push(id);
}

type GrantShape = Pick<Grant, 'resourceType' | 'level'>;

function grantShape(rng: Rng, builderLevel: boolean): GrantShape {
  if (!builderLevel) return { resourceType: 'app', level: 'view' };
  const r = rng();
  if (r < 0.45) return { resourceType: 'app', level: 'edit' };
  if (r < 0.65) return { resourceType: 'app', level: 'view' };
  return { resourceType: 'dataSource', level: r < 0.85 ? 'use' : 'configure' };
}

function grantOp(ctx: Ctx, groupId: string, shape: GrantShape, n: number): Op {
  const { rng } = ctx;
  const isApp = shape.resourceType === 'app';
  const all = rng() < SCOPE_ALL;
  const resourceIds = all
    ? []
    : isApp
      ? sample(rng, ctx.appIds, int(rng, 5, 40))
      : sample(rng, ctx.dataSourceIds, int(rng, 2, 10));
  const fields: Fields = {
    name: `${isApp ? 'Apps' : 'Data sources'} ${n}`,
    resourceType: shape.resourceType,
    scope: all ? 'all' : 'custom',
    level: shape.level,
    hideFromDashboard: shape.level === 'view' && rng() < 0.2,
    createdAt: ctx.now - 500,
  };
  return { type: 'grant.create', groupId, grantId: freshId(rng), fields, resourceIds };
}

function group(ctx: Ctx, i: number, everyone: string[], builders: string[]): [id: string, builder: boolean] {
  const { rng, size } = ctx;
  const id = freshId(rng);
  const builderLevel = rng() < BUILDER_LEVEL_GROUPS;
  const flags: Record<string, boolean> = { ...NO_FLAGS };
  if (builderLevel && rng() < 0.3) for (const f of sample(rng, FLAGS, int(rng, 1, 3))) flags[f] = true;
  const name = `${pick(rng, DEPTS)} ${pick(rng, TEAMS)} ${i + 1}`;
  const fields = { name, kind: 'custom', createdAt: ctx.now - 2000, ...flags };
  ctx.ops.push({ type: 'entity.create', collection: 'groups', id, fields });
  const shapes = Array.from({ length: size.grantsPerGroup }, () => grantShape(rng, builderLevel));
  const hasFlag = Object.values(flags).some(Boolean);
  if (builderLevel && !hasFlag && shapes.every((s) => s.resourceType === 'app' && s.level === 'view'))
    shapes[0] = { resourceType: 'app', level: 'edit' };
  for (const [n, shape] of shapes.entries()) ctx.ops.push(grantOp(ctx, id, shape, n + 1));
  const count = Math.round(size.membersPerGroup * (0.6 + 0.8 * rng()));
  for (const userId of sample(rng, builderLevel ? builders : everyone, count))
    ctx.ops.push({ type: 'member.add', groupId: id, userId, at: ctx.now - 100 });
  return [id, hasFlag || shapes.some((s) => s.resourceType === 'dataSource' || s.level === 'edit')];
}

/** Tightens the default groups (see the file comment); their ids come from the fresh doc. */
function defaultGroupOps(doc: Y.Doc, ctx: Ctx): Record<Role, string> {
  const ids = {} as Record<Role, string>;
  const ops: Op[] = [];
  for (const g of readState(doc).groups.values()) {
    if (g.kind !== 'default' || !g.role) continue;
    ids[g.role] = g.id;
    for (const grant of g.grants.values()) {
      if (grant.resourceType !== 'app') continue;
      const at = { groupId: g.id, grantId: grant.id };
      if (g.role === 'builder') ops.push({ type: 'grant.set', ...at, fields: { level: 'view' } });
      if (g.role === 'end-user') {
        ops.push({ type: 'grant.set', ...at, fields: { scope: 'custom' } });
        const add = ctx.appIds.slice(0, ctx.size.companyWideApps);
        ops.push({ type: 'grant.resources', ...at, add, remove: [] });
      }
    }
  }
  ctx.ops.push(...ops);
  return ids;
}

export function generateWorkspace(options: GenerateOptions = {}): GeneratedWorkspace {
  const { seed = 20_240_601, now = 1_735_689_600_000, ...sizes } = options;
  const size: WorkspaceSize = { ...BENCH_SIZE, ...sizes };
  const doc = createWorkspaceDoc({ name: 'Bench Corp', slug: 'bench-corp' }, now - 10_000_000);
  const ctx: Ctx = { rng: mulberry32(seed), size, now, ops: [], appIds: [], dataSourceIds: [] };
  const userIds: string[] = [];
  const everyone: string[] = [];
  const builders: string[] = [];
  for (let i = 0; i < size.users; i++) {
    const u = user(ctx, i);
    userIds.push(u.id);
    if (u.archived) continue; // archived users cannot be added to groups
    everyone.push(u.id);
    if (u.role !== 'end-user') builders.push(u.id);
  }
  for (let i = 0; i < size.apps; i++) app(ctx, i);
  for (let i = 0; i < size.dataSources; i++) dataSource(ctx, i);
  const groupIds: string[] = [];
  const builderLevelGroupIds: string[] = [];
  for (let i = 0; i < size.groups; i++) {
    const [id, builderLevel] = group(ctx, i, everyone, builders);
    groupIds.push(id);
    if (builderLevel) builderLevelGroupIds.push(id);
  }
  const defaultGroupIds = defaultGroupOps(doc, ctx);
  applyOps(doc, ctx.ops, 'bench-generator');
  return {
    doc,
    size,
    seed,
    now,
    userIds,
    groupIds,
    builderLevelGroupIds,
    appIds: ctx.appIds,
    dataSourceIds: ctx.dataSourceIds,
    defaultGroupIds,
    ops: ctx.ops,
  };
}
