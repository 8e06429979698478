/**
 * The conflicts repair records: one code per rule a CRDT merge can break (repair.ts runs one repairer per
 * code, in this order). A stored conflict's code is plain text (a newer server may know more codes);
 * `isConflictCode` tells the codes of this version.
 */
export const CONFLICT_CODES = [
  'member-of-deleted-group',
  'default-group-grant',
  'grant-names-deleted-resource',
  'default-group-flags',
  'archived-member-added',
  'end-user-in-builder-group',
  'duplicate-group-name',
  'duplicate-permission-name',
  'duplicate-email',
  'duplicate-resource-name',
  'duplicate-app-slug',
  'no-active-admin',
] as const;

export type ConflictCode = (typeof CONFLICT_CODES)[number];

export function isConflictCode(code: string): code is ConflictCode {
  return (CONFLICT_CODES as readonly string[]).includes(code);
}
