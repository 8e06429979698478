/** Rule 1 (highest wins) and rule 2 (hidden only when every granting grant hides). */
import type { Level, ResourceType, Role } from '../model.ts';

/** 0 = none; apps: view 1, edit 2; data sources: use 1, configure 2. */
export function levelRank(level: Level | null | undefined): number {
  switch (level) {
    case 'edit':
    case 'configure':
      return 2;
    case 'view':
    case 'use':
      return 1;
    default:
      return 0;
  }
}

export function levelOfRank(type: ResourceType, rank: number): Level | null {
  if (rank >= 2) return type === 'app' ? 'edit' : 'configure';
  if (rank === 1) return type === 'app' ? 'view' : 'use';
  return null;
}

/** Rule 1: Edit beats View beats none; Configure beats Build with beats none. */
export function highestLevel<L extends Level>(a: L | null, b: L | null): L | null {
  return levelRank(b) > levelRank(a) ? b : a;
}

/** Rule 2: an app is hidden from the dashboard only when every grant that gives access hides it. */
export function isHiddenByAll(grants: Iterable<{ level: Level; hideFromDashboard: boolean }>): boolean {
  let any = false;
  for (const g of grants) {
    if (levelRank(g.level) === 0) continue;
    any = true;
    if (!(g.level === 'view' && g.hideFromDashboard)) return false;
  }
  return any;
}

export function levelsFor(type: ResourceType): readonly Level[] {
  return type === 'app' ? ['edit', 'view'] : ['configure', 'use'];
}

const ROLE_RANK: Readonly<Record<Role, number>> = { 'end-user': 0, builder: 1, admin: 2 };
export function roleRank(role: Role): number {
  return ROLE_RANK[role];
}
