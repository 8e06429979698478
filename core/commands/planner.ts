/** What each command planner returns, and the helpers planners share. */
import { fail, type GatehouseError, type Result } from '../errors.ts';
import type { App, DataSource, Group, User, WorkspaceState } from '../model.ts';
import type { Op } from '../ops.ts';

export interface Draft {
  readonly ops: readonly Op[];
  readonly createdId?: string | undefined;
}

export interface PlanEnv {
  readonly state: WorkspaceState;
  readonly now: number;
  readonly newId: () => string;
}

export type Planner<C> = (env: PlanEnv, command: C) => Result<Draft>;

type Failure = { ok: false; error: GatehouseError };

export function findGroup(state: WorkspaceState, id: string): Group | Failure {
  const g = state.groups.get(id);
  return g && g.deletedAt === undefined ? g : fail('not-found', 'Group not found', { groupId: id });
}

export function findUser(state: WorkspaceState, id: string): User | Failure {
  return state.users.get(id) ?? fail('not-found', 'User not found', { userId: id });
}

export function findApp(state: WorkspaceState, id: string): App | Failure {
  const a = state.apps.get(id);
  return a && a.deletedAt === undefined ? a : fail('not-found', 'App not found', { appId: id });
}

export function findDataSource(state: WorkspaceState, id: string): DataSource | Failure {
  const d = state.dataSources.get(id);
  return d && d.deletedAt === undefined
    ? d
    : fail('not-found', 'Data source not found', { dataSourceId: id });
}

export function isFailure(x: unknown): x is Failure {
  return typeof x === 'object' && x !== null && (x as { ok?: unknown }).ok === false;
}

export function draft(ops: Op[], createdId?: string): Result<Draft> {
  return { ok: true, value: createdId === undefined ? { ops } : { ops, createdId } };
}
