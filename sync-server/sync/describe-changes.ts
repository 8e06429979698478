/**
 * Turns `transaction.changed` into audit entities: which entity of which collection, which fields.
 * Nested maps (group members, grants, grant resources) are reported as the field that holds them.
 */
import * as Y from 'yjs';
import { COLLECTION_LABELS, FLAG_LABELS, readEntityName } from '../../core/index.ts';
import type { AuditEntity } from '../storage/audit-store.ts';
import type { Changed } from './capture.ts';

const CREATED = '(created)';
/** Apps, data sources and conflicts listed per audit row; more are left out (users and groups never). */
export const MAX_OTHERS = 1000;

function rootName(doc: Y.Doc, type: Y.AbstractType<unknown>): string | null {
  for (const [name, t] of doc.share) if (t === type) return name;
  return null;
}

/** Path of keys from a root type down to `type`, e.g. ['groups', id, 'grants']. */
function pathOf(doc: Y.Doc, type: Y.AbstractType<unknown>): string[] | null {
  const keys: string[] = [];
  let t: Y.AbstractType<unknown> = type;
  for (let depth = 0; depth < 16; depth++) {
    const item = t._item;
    if (item === null) {
      const root = rootName(doc, t);
      return root === null ? null : [root, ...keys];
    }
    keys.unshift(item.parentSub ?? '#');
    t = item.parent as Y.AbstractType<unknown>;
  }
  return null;
}

function entityName(doc: Y.Doc, collection: string, id: string): string | undefined {
  const m = doc.getMap(collection).get(id);
  if (!(m instanceof Y.Map)) return undefined;
  return readEntityName(collection, m as Y.Map<unknown>)?.slice(0, 200);
}

export function describeChanges(doc: Y.Doc, changed: Changed): AuditEntity[] {
  const byKey = new Map<string, { collection: string; id: string; fields: Set<string> }>();
  const touch = (collection: string, id: string, field: string) => {
    const key = `${collection}\u0000${id}`;
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { collection, id, fields: new Set() }));
    e.fields.add(field);
  };
  for (const [type, keys] of changed) {
    const path = pathOf(doc, type);
    if (!path) continue;
    const [root, id, nested] = path;
    if (root === undefined) continue;
    if (root === 'meta') {
      for (const k of keys) if (k !== null) touch('meta', 'meta', k);
    } else if (id === undefined) {
      for (const k of keys) if (k !== null) touch(root, k, CREATED);
    } else if (nested === undefined) {
      for (const k of keys) touch(root, id, k ?? '#');
    } else touch(root, id, nested);
  }
  // Users and groups (who may do what) are always listed in full; other entities up to MAX_OTHERS.
  const all = [...byKey.values()];
  const key = all.filter((e) => e.collection === 'users' || e.collection === 'groups');
  const others = all.filter((e) => e.collection !== 'users' && e.collection !== 'groups');
  return [...key, ...others.slice(0, MAX_OTHERS)].map((e) => ({
    collection: e.collection,
    id: e.id.slice(0, 100),
    name: e.collection === 'meta' ? undefined : entityName(doc, e.collection, e.id),
    fields: [...e.fields].slice(0, 50),
  }));
}

const LABELS: Readonly<Record<string, string>> = COLLECTION_LABELS;
const FIELD_LABELS: Readonly<Record<string, string>> = {
  ...FLAG_LABELS,
  grants: 'granular permissions',
  urlPatterns: 'URL patterns',
  forwardAuthLevel: 'forward auth',
  activatedAt: 'activated',
  resolvedAt: 'resolved',
};

/** One line for the History page: "Group “HR”: members, granular permissions; App “CRM”: created". */
export function summarizeEntities(entities: readonly AuditEntity[]): string {
  const parts = entities.slice(0, 5).map((e) => {
    const label = `${LABELS[e.collection] ?? e.collection}${e.collection === 'meta' ? '' : ` ${e.name ? `“${e.name}”` : e.id.slice(0, 8)}`}`;
    if (e.fields.includes(CREATED)) return `${label}: created`;
    if (e.fields.includes('deletedAt')) return `${label}: deleted`;
    const fields = e.fields.filter((f) => f !== 'createdAt').map((f) => FIELD_LABELS[f] ?? f);
    return `${label}: ${fields.join(', ')}`;
  });
  if (entities.length > 5) parts.push(`and ${entities.length - 5} more`);
  return parts.join('; ');
}
