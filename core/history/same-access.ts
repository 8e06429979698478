/**
 * Which users hold exactly the same access at two moments, from the two states' compiled access (one code
 * per user and live resource, level and visibility together: access/compiled-access.ts). The diff between
 * two moments a month apart finds nearly every user with some membership change, so the impact would
 * diff 10,000 users resource by resource; a user whose codes match on every live resource of both
 * moments has no access row to give, and the impact skips their resource-by-resource diff.
 */

import type { ResourceIndex } from '../access/compiled-groups.ts';
import { compiledAccess } from '../access/compiled-update.ts';
import type { WorkspaceState } from '../model.ts';

const sameIds = (a: readonly { id: string }[], b: readonly { id: string }[]) =>
  a.length === b.length && a.every((r, i) => r.id === b[i]!.id);

function sameVector(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A predicate: true when the user exists at both moments and every live resource (the same ones at both:
 * otherwise the predicate is always false) gives them the same code. False means "diff them".
 */
export function sameAccessBetween(
  before: WorkspaceState,
  after: WorkspaceState,
): (userId: string) => boolean {
  const c0 = compiledAccess(before);
  const c1 = compiledAccess(after);
  const r0: ResourceIndex = c0.resources;
  const r1: ResourceIndex = c1.resources;
  if (!sameIds(r0.apps, r1.apps) || !sameIds(r0.dataSources, r1.dataSources)) return () => false;
  return (userId) => {
    const a0 = c0.user(userId);
    const a1 = c1.user(userId);
    if (!a0 || !a1) return false;
    return sameVector(a0.apps, a1.apps) && sameVector(a0.dataSources, a1.dataSources);
  };
}
