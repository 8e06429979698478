/**
 * Rule 1 (highest wins) and rule 2 (hidden only when every granting grant hides), in one compact form
 * that every reader of access uses: a grant's contribution is a small number, `AccessCode`, and the access
 * a user has on a resource is the `combineCodes` of the codes of every grant that names it.
 */
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

function levelOfRank(type: ResourceType, rank: number): Level | null {
  if (rank >= 2) return type === 'app' ? 'edit' : 'configure';
  if (rank === 1) return type === 'app' ? 'view' : 'use';
  return null;
}

/**
 * Level and visibility in one number: the level's rank (bits 0–1) and "shows on the dashboard" (bit 2).
 * `NO_ACCESS_CODE` is no grant at all. Codes never allocate, so a matrix of decisions stays cheap.
 */
export type AccessCode = number;
export const NO_ACCESS_CODE: AccessCode = 0;
const RANK_BITS = 3;
const SHOWS = 4;

/** The code of one grant: only a View grant can hide (Hide from dashboard exists only with View). */
export function accessCode(level: Level, hideFromDashboard: boolean): AccessCode {
  const rank = levelRank(level);
  return rank === 0 ? NO_ACCESS_CODE : rank | (level === 'view' && hideFromDashboard ? 0 : SHOWS);
}

/** Rules 1–2 for two sources of access: the higher level wins; it shows if either shows. */
export function combineCodes(a: AccessCode, b: AccessCode): AccessCode {
  return Math.max(a & RANK_BITS, b & RANK_BITS) | ((a | b) & SHOWS);
}

export function codeLevel(type: ResourceType, code: AccessCode): Level | null {
  return levelOfRank(type, code & RANK_BITS);
}

/** Rule 2: hidden when the level is View and no granting grant shows it (Edit always shows). */
export function codeHidden(code: AccessCode): boolean {
  return (code & RANK_BITS) === 1 && (code & SHOWS) === 0;
}

const ROLE_RANK: Readonly<Record<Role, number>> = { 'end-user': 0, builder: 1, admin: 2 };
export function roleRank(role: Role): number {
  return ROLE_RANK[role];
}
