/**
 * Post-merge repair (ARCHITECTURE.md "Data"): deterministic ops that restore the rules a CRDT merge can
 * break, always towards least privilege, each with a conflict record. Commands keep the rules on their own;
 * repair only meets states that concurrent edits produced. The server applies the ops as its own change.
 *
 * Repair is a table: one repairer per conflict code, run in the table's order, each on the state the ones
 * before it left (their ops applied), so no two repairers undo or repeat each other.
 */
import { newId as randomId } from '../ids.ts';
import type { Conflict, WorkspaceState } from '../model.ts';
import { applyOpsToState, type Op } from '../ops.ts';
import { MAX_CONFLICT_TEXT } from '../rules/limits.ts';
import type { ConflictCode } from './conflict-codes.ts';
import {
  archivedMembersAdded,
  defaultGroupGrants,
  endUserGroupFlags,
  grantsOfDeletedResources,
  membersBelowGroupRole,
  membersOfDeletedGroups,
} from './group-repairers.ts';
import { appSlugs, groupNames, permissionNames, resourceNames } from './name-repairers.ts';
import { MAY_FIND, type RepairScope, repairScope } from './repair-scope.ts';
import type { ConflictCause, Repairer } from './repair-step.ts';
import { activeAdmin, duplicateEmails } from './user-repairers.ts';

export interface RepairOptions {
  /** The state before the merge: lets repair restore the admins a merge took away, and see new memberships. */
  readonly previous?: WorkspaceState | undefined;
  readonly now?: number | undefined;
  readonly newId?: (() => string) | undefined;
  /** Run every repairer over everything even after a clean `previous` (tests compare the two paths). */
  readonly full?: boolean | undefined;
}

/** A conflict repair records (its code is one of this version's). */
export interface RepairConflict extends Conflict {
  readonly code: ConflictCode;
  /** The facts that made it (not stored): the server names the edits that wrote them, and only those. */
  readonly causes: readonly ConflictCause[];
}

export interface RepairResult {
  readonly ops: Op[];
  readonly conflicts: RepairConflict[];
}

/** Every conflict code's repairer, in run order (object keys keep their insertion order). */
const REPAIRERS: Readonly<Record<ConflictCode, Repairer>> = {
  'member-of-deleted-group': membersOfDeletedGroups,
  'default-group-grant': defaultGroupGrants,
  'grant-names-deleted-resource': grantsOfDeletedResources,
  'default-group-flags': endUserGroupFlags,
  'archived-member-added': archivedMembersAdded,
  'end-user-in-builder-group': membersBelowGroupRole,
  'duplicate-group-name': groupNames,
  'duplicate-permission-name': permissionNames,
  'duplicate-email': duplicateEmails,
  'duplicate-resource-name': resourceNames,
  'duplicate-app-slug': appSlugs,
  'no-active-admin': activeAdmin,
};

/**
 * States a repair found nothing in. After one, only what the commit touched can be broken (repair-scope.ts):
 * a repairer runs only when its detector says it may find something, and then over everything, so the
 * result is the full repair's; once a repairer wrote ops, the rest run on the changed state as always.
 */
const CLEAN = new WeakSet<WorkspaceState>();

export function repair(merged: WorkspaceState, options: RepairOptions = {}): RepairResult {
  const now = options.now ?? Date.now();
  const newId = options.newId ?? randomId;
  const ops: Op[] = [];
  const conflicts: RepairConflict[] = [];
  const { previous } = options;
  let scope: RepairScope | null =
    previous !== undefined && options.full !== true && CLEAN.has(previous)
      ? repairScope(previous, merged)
      : null;
  let state = merged;
  for (const [code, repairer] of Object.entries(REPAIRERS) as [ConflictCode, Repairer][]) {
    if (scope && !MAY_FIND[code](scope)) continue;
    const stepOps: Op[] = [];
    repairer({
      state,
      merged,
      previous: options.previous,
      now,
      op: (op) => stepOps.push(op),
      record: (message, entities, repairText, causes = []) =>
        conflicts.push({
          id: newId(),
          code,
          message,
          entities,
          edits: [],
          repair: repairText,
          createdAt: now,
          causes,
        }),
    });
    if (stepOps.length === 0) continue;
    ops.push(...stepOps);
    state = applyOpsToState(state, stepOps);
    scope = null;
  }
  if (ops.length === 0 && conflicts.length === 0) CLEAN.add(merged);
  return { ops, conflicts };
}

/** Ops that write conflict records (after the server filled in the edits). */
export function conflictOps(conflicts: readonly Conflict[]): Op[] {
  return conflicts.map((c) => ({
    type: 'entity.create' as const,
    collection: 'conflicts' as const,
    id: c.id,
    fields: {
      code: c.code,
      message: c.message.slice(0, MAX_CONFLICT_TEXT),
      entities: c.entities.map((e) => ({ ...e })),
      edits: c.edits.map((e) => ({ ...e })),
      repair: c.repair.slice(0, MAX_CONFLICT_TEXT),
      createdAt: c.createdAt,
    },
  }));
}
