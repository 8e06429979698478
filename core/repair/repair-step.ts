/** What one repairer sees and writes: the state so far, the state before the merge, and its records. */
import type { EntityRef, Group, User, WorkspaceState } from '../model.ts';
import type { Op } from '../ops.ts';
import { NAME_MAX_LENGTH } from '../rules/limits.ts';

/**
 * One fact that made a conflict (a membership, a flag that is on, a permission, a name), named so the
 * server can find the edit that wrote it: the newest audited edit of `fields` of entity `entityId`.
 * `text` says what that edit did, with its direction (“off → on”, “added”).
 */
export interface ConflictCause {
  readonly entityId: string;
  /** Audit field names (`members`, `grants`, a flag, `name`, `status`, `deletedAt`…). */
  readonly fields: readonly string[];
  readonly text: string;
}

export interface RepairStep {
  /** The merged state after the repairers before this one (their ops applied). */
  readonly state: WorkspaceState;
  /** The merged state repair started from. */
  readonly merged: WorkspaceState;
  /** The state before the merge, when the caller knows it. */
  readonly previous: WorkspaceState | undefined;
  readonly now: number;
  op(op: Op): void;
  /** Records a conflict under this repairer's code, with the facts that made it when the repairer knows them. */
  record(message: string, entities: EntityRef[], repair: string, causes?: readonly ConflictCause[]): void;
}

/** Restores one rule in `step.state`, towards least privilege; deterministic (sorted inputs, no clock). */
export type Repairer = (step: RepairStep) => void;

type Aged = { readonly createdAt: number; readonly id: string };

/** Oldest first, then the smaller id: the older entity keeps what both claim. */
export function byAge(a: Aged, b: Aged): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function sortedByAge<T extends Aged>(values: Iterable<T>): T[] {
  return [...values].sort(byAge);
}

export const userRef = (u: User): EntityRef => ({ collection: 'users', id: u.id, name: u.email });
export const groupRef = (g: Group): EntityRef => ({ collection: 'groups', id: g.id, name: g.name });

/** `base` cut so that `base + suffix` fits a name. */
export function fitName(base: string, suffix: string): string {
  return base.slice(0, NAME_MAX_LENGTH - suffix.length) + suffix;
}
