/** Rule 8: group names; and the names of granular permissions. */
import { fail, ok, type Result } from '../errors.ts';
import type { Group, WorkspaceState } from '../model.ts';

export const NAME_MAX_LENGTH = 50;
export const RESERVED_GROUP_NAMES: readonly string[] = [
  'admin',
  'builder',
  'end-user',
  'end-users',
  'all users',
];

/** Control, format (zero-width, bidi), private-use and lone surrogate characters: never in a name. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u;

export function hasInvisibleCharacters(name: string): boolean {
  return INVISIBLE.test(name);
}

/** The key names are compared by: compatibility-normalized, trimmed, lower-cased. */
export function normalizeName(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase();
}

export function isReservedGroupName(name: string): boolean {
  return RESERVED_GROUP_NAMES.includes(normalizeName(name));
}

/** Checks a group name as typed; returns the trimmed name. `exceptGroupId` is the group being renamed. */
export function validateGroupName(
  state: WorkspaceState,
  name: string,
  exceptGroupId?: string,
): Result<string> {
  const trimmed = name.trim();
  if (trimmed.length === 0) return fail('name-required', 'Group name can’t be empty');
  if (trimmed.length > NAME_MAX_LENGTH)
    return fail('name-too-long', `Group name can have at most ${NAME_MAX_LENGTH} characters`);
  if (hasInvisibleCharacters(trimmed))
    return fail('name-invalid-characters', 'Group name can’t contain invisible or control characters');
  if (isReservedGroupName(trimmed)) return fail('name-reserved', `“${trimmed}” is a reserved name`);
  const key = normalizeName(trimmed);
  for (const g of state.groups.values()) {
    if (g.deletedAt !== undefined || g.id === exceptGroupId || g.kind === 'default') continue;
    if (normalizeName(g.name) === key)
      return fail('name-taken', 'Group name already exists', { groupId: g.id });
  }
  return ok(trimmed);
}

/** Granular permission names: 1–50 characters, unique within the group ignoring case. */
export function validateGrantName(group: Group, name: string, exceptGrantId?: string): Result<string> {
  const trimmed = name.trim();
  if (trimmed.length === 0) return fail('grant-name-required', 'Permission name can’t be empty');
  if (trimmed.length > NAME_MAX_LENGTH)
    return fail('grant-name-too-long', `Permission name can have at most ${NAME_MAX_LENGTH} characters`);
  if (hasInvisibleCharacters(trimmed))
    return fail('name-invalid-characters', 'Permission name can’t contain invisible or control characters');
  const key = normalizeName(trimmed);
  for (const g of group.grants.values()) {
    if (g.deletedAt !== undefined || g.id === exceptGrantId) continue;
    if (normalizeName(g.name) === key)
      return fail('grant-name-taken', 'Permission name already exists in this group');
  }
  return ok(trimmed);
}

/** `<name>_copy`, then `<name>_copy_1`, `_copy_2`… (next free number), within 50 characters. */
export function duplicateName(state: WorkspaceState, name: string): string {
  const taken = new Set<string>();
  for (const g of state.groups.values()) if (g.deletedAt === undefined) taken.add(normalizeName(g.name));
  const withSuffix = (suffix: string) => name.slice(0, NAME_MAX_LENGTH - suffix.length) + suffix;
  const first = withSuffix('_copy');
  if (!taken.has(normalizeName(first))) return first;
  for (let n = 1; ; n++) {
    const candidate = withSuffix(`_copy_${n}`);
    if (!taken.has(normalizeName(candidate))) return candidate;
  }
}
