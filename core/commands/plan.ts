/**
 * plan → impact → (consent) → commit. `plan` never writes: it returns the ops a command makes and their
 * impact, or an error. A command that changes a role fails with `role-change-needs-confirmation` (the
 * impact in `details`) unless it carries `allowRoleChange: true` (rule 4).
 */
import type * as Y from 'yjs';
import { applyOps } from '../doc/write-ops.ts';
import { fail, type Result } from '../errors.ts';
import { freshId } from '../ids.ts';
import { computeImpact, type Impact } from '../impact/compute-impact.ts';
import type { WorkspaceState } from '../model.ts';
import { applyOpsToState, type Op, touchedByOps } from '../ops.ts';
import { checkChange } from '../rules/change-rules.ts';
import type { Command, CommandContext, CommandType } from './command.ts';
import { planGrantAdd, planGrantRemove, planGrantUpdate } from './grant-commands.ts';
import {
  planGroupCreate,
  planGroupDelete,
  planGroupDuplicate,
  planGroupRename,
  planSetFlags,
} from './group-commands.ts';
import { planAddMembers, planRemoveMember, planSetMemberExpiry } from './member-commands.ts';
import type { PlanEnv, Planner } from './planner.ts';
import {
  planAppCreate,
  planAppDelete,
  planAppUpdate,
  planConflictResolve,
  planDataSourceCreate,
  planDataSourceDelete,
  planDataSourceUpdate,
} from './resource-commands.ts';
import {
  planActivate,
  planArchive,
  planInvite,
  planRenameUser,
  planRestore,
  planSetRole,
} from './user-commands.ts';

export interface Planned {
  readonly command: Command;
  readonly ops: readonly Op[];
  readonly impact: Impact;
  /** The id of the entity (group, grant, user, app, data source) the command created. */
  readonly createdId?: string | undefined;
  /** The state after the ops, as the impact saw it. */
  readonly after: WorkspaceState;
}

const PLANNERS: { readonly [T in CommandType]: Planner<Extract<Command, { type: T }>> } = {
  'group.create': planGroupCreate,
  'group.rename': planGroupRename,
  'group.delete': planGroupDelete,
  'group.duplicate': planGroupDuplicate,
  'group.addMembers': planAddMembers,
  'group.removeMember': planRemoveMember,
  'group.setMemberExpiry': planSetMemberExpiry,
  'group.setFlags': planSetFlags,
  'grant.add': planGrantAdd,
  'grant.update': planGrantUpdate,
  'grant.remove': planGrantRemove,
  'user.invite': planInvite,
  'user.setRole': planSetRole,
  'user.archive': planArchive,
  'user.restore': planRestore,
  'user.activate': planActivate,
  'user.rename': planRenameUser,
  'app.create': planAppCreate,
  'app.update': planAppUpdate,
  'app.delete': planAppDelete,
  'dataSource.create': planDataSourceCreate,
  'dataSource.update': planDataSourceUpdate,
  'dataSource.delete': planDataSourceDelete,
  'conflict.resolve': planConflictResolve,
};

export const COMMAND_TYPES = Object.keys(PLANNERS) as CommandType[];

export function plan(state: WorkspaceState, command: Command, ctx: CommandContext = {}): Result<Planned> {
  const planner = (PLANNERS as Record<string, Planner<Command> | undefined>)[
    (command as { type?: unknown } | null)?.type as string
  ];
  if (!planner) return fail('invalid-input', 'Unknown command');
  const newId = ctx.newId ?? (() => freshId((id) => idTaken(state, id)));
  const env: PlanEnv = { state, now: ctx.now ?? Date.now(), newId };
  // Shells validate a command's shape (REST: zod); a malformed one is misuse and throws, before any write.
  const drafted = planner(env, command);
  if (!drafted.ok) return drafted;
  const { ops, createdId } = drafted.value;
  const after = applyOpsToState(state, ops);
  // The same gate as a sync update's: what a command may not do, no path may.
  const violations = checkChange(state, after, touchedByOps(ops), { mode: 'strict', trusted: ctx.trusted });
  if (violations.length > 0) {
    const [first] = violations;
    return fail(first!.code, first!.message, { violations });
  }
  const impact = computeImpact(state, after, ops);
  if (impact.roleChanges.length > 0 && command.allowRoleChange !== true)
    return fail('role-change-needs-confirmation', roleChangeMessage(impact), impact);
  return { ok: true, value: { command, ops, impact, createdId, after } };
}

/** True when the workspace already holds an entity or permission under `id` (ids are short: ids.ts). */
function idTaken(state: WorkspaceState, id: string): boolean {
  if (state.users.has(id) || state.groups.has(id) || state.apps.has(id)) return true;
  if (state.dataSources.has(id) || state.conflicts.has(id)) return true;
  for (const g of state.groups.values()) if (g.grants.has(id)) return true;
  return false;
}

function roleChangeMessage(impact: Impact): string {
  const n = impact.roleChanges.length;
  const up = impact.roleChanges.filter((r) => r.to === 'builder' && r.from === 'end-user').length;
  if (up === n) return `This change makes ${n} end-user(s) builders: confirm the role change to continue`;
  return `This change alters the role of ${n} user(s): confirm the role change to continue`;
}

/** Writes a planned command to the doc in one transaction. */
export function commit(doc: Y.Doc, planned: Pick<Planned, 'ops'>, origin: unknown = null): void {
  applyOps(doc, planned.ops, origin);
}

/** plan + commit against a doc and its current state. */
export function execute(
  doc: Y.Doc,
  state: WorkspaceState,
  command: Command,
  ctx: CommandContext = {},
  origin: unknown = null,
): Result<Planned> {
  const planned = plan(state, command, ctx);
  if (planned.ok) commit(doc, planned.value, origin);
  return planned;
}
