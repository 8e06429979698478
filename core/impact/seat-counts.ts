/**
 * Builders and paid seats of a state, in O(changes) along a reader's versions: the counts are kept per
 * users map, and a users map made from the last counted one by OverlayMap (doc/overlay-map.ts: DocReader,
 * applyOpsToState) is counted from it by the entries that differ. Any other map: one pass.
 */
import { OverlayMap } from '../doc/overlay-map.ts';
import type { User, WorkspaceState } from '../model.ts';

export interface SeatCounts {
  readonly builders: number;
  readonly seats: number;
}

export const isBuilderSeat = (u: User | undefined): boolean =>
  u !== undefined && u.role === 'builder' && u.status !== 'archived';

/** A paid seat as ToolJet bills them: an admin or a builder who is not archived. */
export const isPaidSeat = (u: User | undefined): boolean =>
  u !== undefined && u.role !== 'end-user' && u.status !== 'archived';

type Users = ReadonlyMap<string, User>;
const counted = new WeakMap<Users, SeatCounts>();
/** The last users map counted for each workspace, by its `meta` object (shared by a reader's versions). */
const latest = new WeakMap<object, Users>();

function countAll(users: Users): SeatCounts {
  let builders = 0;
  let seats = 0;
  for (const u of users.values()) {
    if (isBuilderSeat(u)) builders++;
    if (isPaidSeat(u)) seats++;
  }
  return { builders, seats };
}

function countFrom(prev: Users, base: SeatCounts, users: Users): SeatCounts | null {
  const changed = OverlayMap.changedKeys(prev, users);
  if (!changed) return null;
  let { builders, seats } = base;
  for (const id of changed) {
    const u0 = prev.get(id);
    const u1 = users.get(id);
    builders += Number(isBuilderSeat(u1)) - Number(isBuilderSeat(u0));
    seats += Number(isPaidSeat(u1)) - Number(isPaidSeat(u0));
  }
  return { builders, seats };
}

/** The counts of `state`; `full`: one pass, whatever is kept (the reference the kept counts are tested against). */
export function seatCounts(state: WorkspaceState, full = false): SeatCounts {
  const { users } = state;
  if (full) return countAll(users);
  let c = counted.get(users);
  if (!c) {
    const prev = latest.get(state.meta);
    const base = prev && counted.get(prev);
    c = (prev && base && countFrom(prev, base, users)) ?? countAll(users);
    counted.set(users, c);
  }
  latest.set(state.meta, users);
  return c;
}
