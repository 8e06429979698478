/**
 * Which entities a Yjs transaction touched (`transaction.changed`, keyed by the types it changed), as the
 * `Touched` sets `checkChange` reads. Nested types (members, grants, resources) count for their entity.
 */
import type * as Y from 'yjs';
import type { Collection } from '../model.ts';
import type { Touched } from '../rules/change-rules.ts';
import { COLLECTIONS, GRANTS, MEMBERS, META, RESOURCES_V1 } from './schema.ts';

type AnyType = Y.AbstractType<unknown>;

/** The root type and the key of the entity under it that contains `type` (or null for a root itself). */
export function locate(type: AnyType): { root: AnyType; key: string | null } {
  let t: AnyType = type;
  let key: string | null = null;
  for (let depth = 0; t._item !== null && depth < 64; depth++) {
    key = t._item.parentSub;
    t = t._item.parent as AnyType;
  }
  return { root: t, key };
}

export function touchedByTransaction(
  doc: Y.Doc,
  changed: ReadonlyMap<AnyType, ReadonlySet<string | null>>,
): Touched {
  const names = new Map<AnyType, string>();
  for (const [name, t] of doc.share) names.set(t as AnyType, name);
  const sets = new Map<Collection, Set<string>>(COLLECTIONS.map((c) => [c, new Set<string>()]));
  let meta = false;
  const nested: string[] = [];
  for (const [type, keys] of changed) {
    const { root, key } = locate(type);
    const name = names.get(root);
    if (name === META) meta = true;
    const set = sets.get(name as Collection);
    if (!set) continue;
    if (key !== null) set.add(key);
    else for (const k of keys) if (k !== null) set.add(k);
    if (key !== null) nested.push(...nestedKeysSet(type, keys, name!, key));
  }
  return {
    users: sets.get('users')!,
    groups: sets.get('groups')!,
    apps: sets.get('apps')!,
    dataSources: sets.get('dataSources')!,
    conflicts: sets.get('conflicts')!,
    meta,
    nestedSet: nested,
  };
}

/**
 * Nested types (members, grants; a schema-1 grant's resources) written in this transaction, as paths: new with their
 * entity, or a replacement of an existing one (which loses every concurrent edit in it) — checkChange
 * tells the two apart with the state before.
 */
function nestedKeysSet(type: AnyType, keys: ReadonlySet<string | null>, root: string, id: string): string[] {
  const out: string[] = [];
  const parent = type._item?.parent as AnyType | undefined;
  const isEntity = parent !== undefined && parent._item === null;
  const isGrant = parent?._item?.parentSub === GRANTS;
  for (const k of keys) {
    if (isEntity && (k === MEMBERS || k === GRANTS)) out.push(`${root}.${id}.${k}`);
    else if (isGrant && k === RESOURCES_V1) out.push(`${root}.${id}.${GRANTS}.${type._item!.parentSub}.${k}`);
  }
  return out;
}
