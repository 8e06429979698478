/**
 * Reads entities into the plain model. Each field's decoder is compiled from the declared schema
 * (entity-schema.ts); the readers below only assemble them, as straight-line object literals because a
 * 10,000-user cold read is a hot loop (the compiler checks each literal against the model type, and
 * doc-schema.test.ts that each key takes its own field's decoder). Junk never throws: a value of the
 * wrong type reads as the least-privilege default (no flag, no grant, archived status, end-user role).
 *
 * Readers read any `Source`: an entity Y.Map (through its stored layout, stored-values.ts: packed
 * creation fields, later edits under their own names), or plain fields (`FieldsSource`), which is how the
 * preview of ops (ops.ts) gives what a read of the doc gives.
 */
import * as Y from 'yjs';
import type { App, Collection, Conflict, DataSource, Grant, Group, User, WorkspaceMeta } from '../model.ts';
import { liveMembers } from '../rules/memberships.ts';
import { APP, CONFLICT, DATA_SOURCE, GRANT, GROUP, META_SCHEMA, SCHEMAS, USER } from './entity-schema.ts';
import { ABSENT, type DecodedOf, type EntitySchema, type Field, storedKeys } from './fields.ts';
import { readMemberships } from './member-tokens.ts';
import { idsOf, splitIds, stored } from './stored-values.ts';

/** What a reader reads from: a Y.Map, or plain stored fields. */
export interface Source {
  get(key: string): unknown;
}
/** `now`: the time memberships are read at (groups only; an expired membership is no member). */
export type Reader = (id: string, src: Source, now?: number) => unknown;
type Decode = (src: Source) => unknown;

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function decoder(key: string, f: Field): Decode | null {
  switch (f.kind) {
    case 'text':
      return f.lowerCase
        ? (s) => {
            const v = s.get(key);
            return typeof v === 'string' ? v.toLowerCase() : '';
          }
        : (s) => {
            const v = s.get(key);
            return typeof v === 'string' ? v : '';
          };
    case 'enum': {
      const { values, fallback, only } = f;
      if (only)
        return (s) => {
          const v = s.get(key);
          return s.get(only.field) === only.is && values.includes(v as string) ? v : undefined;
        };
      return (s) => {
        const v = s.get(key);
        return values.includes(v as string) ? v : fallback;
      };
    }
    case 'enumBy': {
      const by = new Map(Object.entries(f.values));
      return (s) => {
        const v = s.get(key);
        return by.get(s.get(f.on) as string)?.includes(v as string) ? v : ABSENT;
      };
    }
    case 'time':
      return f.optional
        ? (s) => {
            const v = s.get(key);
            return isTime(v) ? v : undefined;
          }
        : (s) => {
            const v = s.get(key);
            return isTime(v) ? v : 0;
          };
    case 'flag': {
      const { only } = f;
      return only ? (s) => s.get(only.field) === only.is && s.get(key) === true : (s) => s.get(key) === true;
    }
    case 'flags':
      return (s) => {
        const out: Record<string, boolean> = {};
        for (const k of f.keys) out[k] = s.get(k) === true;
        return out;
      };
    case 'textList':
      return (s) => {
        const v = s.get(key);
        return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
      };
    case 'jsonList':
      return (s) => {
        const v = s.get(key);
        if (!Array.isArray(v)) return [];
        const out: unknown[] = [];
        for (const item of v) {
          const read = f.item(item);
          if (read !== undefined) out.push(read);
        }
        return out;
      };
    case 'ids': {
      const nested = f.stored;
      if (f.inline)
        return (s) => {
          const v = s.get(key);
          // Schema 1 kept the list as a nested Y.Map under `stored` (a doc not migrated yet).
          const ids = typeof v === 'string' ? splitIds(v) : v === undefined ? idsOf(s.get(nested)) : [];
          return f.sorted ? [...new Set(ids)].sort() : ids;
        };
      return (s) => new Set(idsOf(s.get(nested)));
    }
    case 'memberships': {
      const nested = f.stored;
      return (s) => {
        const v = s.get(nested);
        if (v instanceof Y.Text) return readMemberships(v.toString());
        // Schema 1: a Y.Map of ids → true, every one manual and permanent.
        return readMemberships(v instanceof Y.Map ? idsOf(v).join(' ') : '');
      };
    }
    case 'entities':
      return null; // needs the nested reader: see `decoders`
    case 'storedOnly':
      return null;
  }
}

function entitiesDecoder(stored: string, read: Reader): Decode {
  return (s) => {
    const v = s.get(stored);
    const out = new Map<string, unknown>();
    if (v instanceof Y.Map)
      for (const [id, m] of v.entries()) {
        if (!(m instanceof Y.Map)) continue;
        const e = read(id, m as Y.Map<unknown>);
        if (e !== undefined) out.set(id, e);
      }
    return out;
  };
}

/** One decoder per field of `schema`, typed by what it decodes to; nested entities are read by `nested`. */
export function decoders<S extends EntitySchema>(
  schema: S,
  nested: Readonly<Record<string, Reader>> = {},
): { readonly [K in keyof DecodedOf<S>]: (src: Source) => DecodedOf<S>[K] } {
  const out: Record<string, Decode> = {};
  for (const [key, f] of Object.entries(schema.fields)) {
    const read = nested[key];
    if (f.kind === 'entities' && !read)
      throw new Error(`decoders: no reader for the nested entities of ${key}`);
    const d = f.kind === 'entities' && read ? entitiesDecoder(f.stored, read) : decoder(key, f);
    if (d) out[key] = d;
  }
  return out as never;
}

/** A Y.Map is read through its schema's stored layout (stored-values.ts); plain fields as they are. */
const sourceOf = (m: Source, schema: EntitySchema): Source =>
  m instanceof Y.Map ? stored(m as Y.Map<unknown>, schema) : m;

const U = decoders(USER);
export function readUser(id: string, src: Source): User {
  const m = sourceOf(src, USER);
  return {
    id,
    email: U.email(m),
    name: U.name(m),
    role: U.role(m),
    status: U.status(m),
    createdAt: U.createdAt(m),
    activatedAt: U.activatedAt(m),
  };
}

const GR = decoders(GRANT);
export function readGrant(id: string, src: Source): Grant | undefined {
  const m = sourceOf(src, GRANT);
  const resourceType = GR.resourceType(m);
  const scope = GR.scope(m);
  const level = GR.level(m);
  if (resourceType === ABSENT || scope === ABSENT || level === ABSENT) return undefined;
  return {
    id,
    name: GR.name(m),
    resourceType,
    scope,
    resourceIds: GR.resourceIds(m),
    level,
    hideFromDashboard: GR.hideFromDashboard(m),
    createdAt: GR.createdAt(m),
    deletedAt: GR.deletedAt(m),
  };
}

const G = decoders(GROUP, { grants: readGrant });
/** A group as of `now`: its members are the users whose membership has not expired by then. */
export function readGroup(id: string, src: Source, now: number = Date.now()): Group {
  const m = sourceOf(src, GROUP);
  const memberships = G.memberships(m);
  return {
    id,
    name: G.name(m),
    kind: G.kind(m),
    role: G.role(m),
    flags: G.flags(m),
    members: liveMembers(memberships, now),
    memberships,
    grants: G.grants(m),
    createdAt: G.createdAt(m),
    deletedAt: G.deletedAt(m),
  };
}

const A = decoders(APP);
export function readApp(id: string, src: Source): App {
  const m = sourceOf(src, APP);
  return {
    id,
    name: A.name(m),
    slug: A.slug(m),
    urlPatterns: A.urlPatterns(m),
    forwardAuthLevel: A.forwardAuthLevel(m),
    createdAt: A.createdAt(m),
    deletedAt: A.deletedAt(m),
  };
}

const D = decoders(DATA_SOURCE);
export function readDataSource(id: string, src: Source): DataSource {
  const m = sourceOf(src, DATA_SOURCE);
  return { id, name: D.name(m), kind: D.kind(m), createdAt: D.createdAt(m), deletedAt: D.deletedAt(m) };
}

const C = decoders(CONFLICT);
export function readConflict(id: string, src: Source): Conflict {
  const m = sourceOf(src, CONFLICT);
  return {
    id,
    code: C.code(m),
    message: C.message(m),
    entities: C.entities(m),
    edits: C.edits(m),
    repair: C.repair(m),
    createdAt: C.createdAt(m),
    resolvedAt: C.resolvedAt(m),
  };
}

const M = decoders(META_SCHEMA);
export function readMeta(m: Source): WorkspaceMeta {
  return { name: M.name(m), slug: M.slug(m) };
}

/**
 * What names an entity as stored (a user's email, any other entity's name), read from its Y.Map without
 * reading the whole entity — for audit rows. Undefined for an unknown collection or a value not text.
 */
export function readEntityName(collection: string, m: Y.Map<unknown>): string | undefined {
  const schema = (SCHEMAS as Readonly<Record<string, EntitySchema | undefined>>)[collection];
  if (!schema) return undefined;
  const v = stored(m, schema).get(collection === 'users' ? 'email' : 'name');
  return typeof v === 'string' ? v : undefined;
}

/** The reader of each collection's entities. */
export const READERS = {
  users: readUser,
  groups: readGroup,
  apps: readApp,
  dataSources: readDataSource,
  conflicts: readConflict,
} as const satisfies Record<Collection, Reader>;

// ---------------------------------------------------------------------------------------------------------
// Plain stored fields, for the preview of ops.

/** Plain stored fields (as ops carry them) read like a Y.Map: own keys only; nested maps read as empty. */
export class FieldsSource implements Source {
  constructor(private readonly fields: Readonly<Record<string, unknown>>) {}
  get(key: string): unknown {
    return Object.hasOwn(this.fields, key) ? this.fields[key] : undefined;
  }
}

/**
 * Re-reads an entity as the doc would read it once `fields` are written over its stored fields (what
 * `entity.set`, `grant.set` and `meta.set` do). Nested maps (members, grants, resource ids) are kept from
 * `entity`: their ops are separate.
 */
export function patcher<T extends object, R extends T | undefined>(
  schema: EntitySchema,
  read: (id: string, src: Source) => R,
): (entity: T, fields: Readonly<Record<string, unknown>>) => R {
  const scalars: string[] = [];
  const flagSets: [string, readonly string[]][] = [];
  const nested: string[] = [];
  for (const [key, f] of Object.entries(schema.fields)) {
    if (f.kind === 'flags') flagSets.push([key, storedKeys(key, f)]);
    else if (f.kind === 'memberships') nested.push(key, f.effective);
    else if (f.kind === 'ids' || f.kind === 'entities') nested.push(key);
    else if (f.kind !== 'storedOnly') scalars.push(key);
  }
  return (entity, fields) => {
    const e = entity as Record<string, unknown>;
    const stored: Record<string, unknown> = {};
    for (const k of scalars) stored[k] = e[k];
    for (const [key, keys] of flagSets)
      for (const k of keys) stored[k] = (e[key] as Record<string, unknown>)[k];
    const next = read(e.id as string, new FieldsSource(Object.assign(stored, fields)));
    if (next !== undefined) for (const k of nested) (next as Record<string, unknown>)[k] = e[k];
    return next;
  };
}
