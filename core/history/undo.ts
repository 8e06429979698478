/**
 * Undo one change (issue 15): the inverse ops of just that change — the states just before and just after
 * it — planned against today's state as a new change (history is never rewritten). A field a later edit
 * changed again is a conflict: reported, and the admin chooses to keep the later value or overwrite it.
 * The ops then pass the same gate as a command (checkChange, strict), with the impact and the consent a
 * role change needs. Created entities are tombstoned (users archived); undoing that undo restores them.
 */
import { fail } from '../errors.ts';
import { computeImpact, type Impact } from '../impact/compute-impact.ts';
import { FLAGS, type Grant, type Group, type Membership, type WorkspaceState } from '../model.ts';
import { applyOpsToState, type FieldValue, type Op, touchedByOps } from '../ops.ts';
import { checkChange } from '../rules/change-rules.ts';
import { sameValue } from './same-value.ts';

/** A field the change set that a later edit changed again. */
export interface UndoConflict {
  readonly collection: string;
  readonly id: string;
  readonly name: string;
  /** `name`, a flag, `member:<userId>`, `grant:<grantId>.<field>` … */
  readonly field: string;
  readonly before: unknown;
  readonly afterChange: unknown;
  readonly now: unknown;
}

export interface UndoOptions {
  readonly now: number;
  /** What to do with conflicting fields: keep the later edits (default) or write the old value anyway. */
  readonly conflicts?: 'keep-later' | 'overwrite';
  readonly allowRoleChange?: boolean;
}

export interface UndoPlan {
  readonly ops: readonly Op[];
  readonly conflicts: readonly UndoConflict[];
  readonly impact: Impact;
  readonly after: WorkspaceState;
}

type Row = Record<string, unknown>;
const SCALAR: Readonly<Record<'users' | 'apps' | 'dataSources' | 'groups', readonly string[]>> = {
  users: ['email', 'name', 'role', 'status'],
  apps: ['name', 'slug', 'urlPatterns', 'forwardAuthLevel', 'deletedAt'],
  dataSources: ['name', 'kind', 'deletedAt'],
  groups: ['name', 'deletedAt'],
};
const GRANT_FIELDS = ['name', 'resourceType', 'scope', 'level', 'hideFromDashboard', 'deletedAt'] as const;

/** Collects the inverse ops; a part whose current value is not what the change left is a conflict. */
class Inverse {
  readonly ops: Op[] = [];
  readonly conflicts: UndoConflict[] = [];
  constructor(
    private readonly overwrite: boolean,
    private readonly now: number,
  ) {}

  /** True when the part may be written (no conflict, or overwrite chosen). */
  part(
    where: Omit<UndoConflict, 'before' | 'afterChange' | 'now'>,
    b: unknown,
    a: unknown,
    n: unknown,
  ): boolean {
    if (sameValue(n, a)) return true;
    if (sameValue(n, b)) return false; // already back as it was
    this.conflicts.push({ ...where, before: b, afterChange: a, now: n });
    return this.overwrite;
  }

  entity(collection: keyof typeof SCALAR, id: string, b: Row | undefined, a: Row, n: Row | undefined): void {
    const name = String((n ?? a).name ?? id);
    if (!n) return;
    if (!b) {
      // Created by the change: tombstoned (a user archived), unless already.
      const field = collection === 'users' ? 'status' : 'deletedAt';
      const value = collection === 'users' ? 'archived' : this.now;
      if (this.part({ collection, id, name, field }, undefined, a[field], n[field]))
        this.ops.push({ type: 'entity.set', collection, id, fields: { [field]: value } });
      return;
    }
    const fields: Record<string, FieldValue | undefined> = {};
    for (const f of SCALAR[collection])
      if (!sameValue(b[f], a[f]) && this.part({ collection, id, name, field: f }, b[f], a[f], n[f]))
        fields[f] = b[f] as FieldValue | undefined;
    if (collection === 'groups') this.flags(id, name, b, a, n, fields);
    if (Object.keys(fields).length > 0) this.ops.push({ type: 'entity.set', collection, id, fields });
    if (collection === 'groups') {
      this.members(id, name, b as unknown as Group, a as unknown as Group, n as unknown as Group);
      this.grants(id, name, b as unknown as Group, a as unknown as Group, n as unknown as Group);
    }
  }

  private flags(
    id: string,
    name: string,
    b: Row,
    a: Row,
    n: Row,
    fields: Record<string, FieldValue | undefined>,
  ) {
    const [fb, fa, fn] = [b.flags, a.flags, n.flags] as Record<string, boolean>[];
    for (const f of FLAGS)
      if (
        fb![f] !== fa![f] &&
        this.part({ collection: 'groups', id, name, field: f }, fb![f], fa![f], fn![f])
      )
        fields[f] = fb![f]!;
  }

  private members(groupId: string, name: string, b: Group, a: Group, n: Group): void {
    const users = new Set([...b.memberships.keys(), ...a.memberships.keys()]);
    for (const userId of users) {
      const [mb, ma, mn] = [b, a, n].map((g) => g.memberships.get(userId) ?? []) as Membership[][];
      if (sameValue(mb, ma)) continue;
      if (!this.part({ collection: 'groups', id: groupId, name, field: `member:${userId}` }, mb, ma, mn))
        continue;
      for (const m of mn!)
        if (!mb!.some((x) => x.source === m.source))
          this.ops.push({ type: 'member.remove', groupId, userId, source: m.source, at: this.now });
      for (const m of mb!)
        if (!mn!.some((x) => sameValue(x, m)))
          this.ops.push({
            type: 'member.add',
            groupId,
            userId,
            at: this.now,
            source: m.source,
            expiresAt: m.expiresAt,
          });
    }
  }

  private grants(groupId: string, name: string, b: Group, a: Group, n: Group): void {
    for (const [grantId, ga] of a.grants) {
      const gb = b.grants.get(grantId);
      const gn = n.grants.get(grantId);
      if (!gn || sameValue(gb, ga)) continue;
      const where = (f: string) => ({
        collection: 'groups',
        id: groupId,
        name,
        field: `grant:${grantId}.${f}`,
      });
      if (!gb) {
        if (this.part(where('deletedAt'), undefined, ga.deletedAt, gn.deletedAt))
          this.ops.push({ type: 'grant.set', groupId, grantId, fields: { deletedAt: this.now } });
        continue;
      }
      const fields: Record<string, FieldValue | undefined> = {};
      for (const f of GRANT_FIELDS)
        if (!sameValue(gb[f], ga[f]) && this.part(where(f), gb[f], ga[f], gn[f])) fields[f] = gb[f];
      if (Object.keys(fields).length > 0) this.ops.push({ type: 'grant.set', groupId, grantId, fields });
      this.resources(groupId, grantId, gb, ga, gn, where('resourceIds'));
    }
  }

  private resources(
    groupId: string,
    grantId: string,
    gb: Grant,
    ga: Grant,
    gn: Grant,
    where: Omit<UndoConflict, 'before' | 'afterChange' | 'now'>,
  ) {
    const [rb, ra, rn] = [gb, ga, gn].map((g) => new Set(g.resourceIds));
    if (sameValue(rb, ra) || !this.part(where, [...rb!].sort(), [...ra!].sort(), [...rn!].sort())) return;
    const add = [...rb!].filter((id) => !rn!.has(id));
    const remove = [...rn!].filter((id) => !rb!.has(id));
    if (add.length + remove.length > 0)
      this.ops.push({ type: 'grant.resources', groupId, grantId, add, remove });
  }
}

/**
 * The undo of the change from `before` to `after`, planned against `now`: its ops, conflicts and impact;
 * refused like a command when the result breaks a rule or changes roles without consent.
 */
export function planUndo(
  before: WorkspaceState,
  after: WorkspaceState,
  now: WorkspaceState,
  options: UndoOptions,
) {
  const inv = new Inverse(options.conflicts === 'overwrite', options.now);
  for (const collection of ['users', 'apps', 'dataSources', 'groups'] as const) {
    const [b, a, n] = [before[collection], after[collection], now[collection]] as ReadonlyMap<
      string,
      unknown
    >[];
    for (const [id, ea] of a!)
      if (!sameValue(b!.get(id), ea))
        inv.entity(collection, id, b!.get(id) as Row, ea as Row, n!.get(id) as Row);
  }
  if (inv.ops.length === 0)
    return fail(
      'nothing-to-change',
      inv.conflicts.length > 0
        ? 'Later edits changed everything this change did'
        : 'Nothing of this change is left to undo',
      { conflicts: inv.conflicts },
    );
  const result = applyOpsToState(now, inv.ops);
  const violations = checkChange(now, result, touchedByOps(inv.ops), { mode: 'strict' });
  if (violations.length > 0)
    return fail(violations[0]!.code, violations[0]!.message, { violations, conflicts: inv.conflicts });
  const impact = computeImpact(now, result, inv.ops);
  if (impact.roleChanges.length > 0 && options.allowRoleChange !== true)
    return fail(
      'role-change-needs-confirmation',
      `Undoing this change alters the role of ${impact.roleChanges.length} user(s): confirm the role change to continue`,
      impact,
    );
  const plan: UndoPlan = { ops: inv.ops, conflicts: inv.conflicts, impact, after: result };
  return { ok: true as const, value: plan };
}
