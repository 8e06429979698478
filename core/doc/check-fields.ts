/**
 * The field checks of `validateChanges`, compiled from the declared schema (entity-schema.ts): unknown
 * fields, types, enums, lengths, formats, times, nested types and the ids they name. Each field is checked
 * as the readers read it — its own key, or else its packed creation value (stored-values.ts) — and the
 * pack itself must have the schema's shape and be written once. Rules that need more than the entity's
 * own fields are explicit checks in validate-changes.ts, passed in as `rule`.
 */
import * as Y from 'yjs';
import { type EntitySchema, type Field, type IdsField, type MembershipsField, storedKeys } from './fields.ts';
import { MEMBER_TOKENS, readMemberships } from './member-tokens.ts';
import { PACK } from './schema.ts';
import { type StoredEntity, splitIds, stored, storedLayout } from './stored-values.ts';

export interface Violation {
  readonly path: string;
  readonly message: string;
}

type YMap = Y.Map<unknown>;

const MAX_VIOLATIONS = 20;

export class Checker {
  readonly out: Violation[] = [];
  constructor(readonly doc: Y.Doc) {}
  add(path: string, message: string) {
    if (this.out.length < MAX_VIOLATIONS) this.out.push({ path, message });
  }
  text(path: string, v: unknown, min: number, max: number) {
    if (typeof v !== 'string') return this.add(path, 'must be text');
    const n = v.trim().length;
    if (n < min || v.length > max) this.add(path, `must be ${min}–${max} characters`);
  }
  oneOf(path: string, v: unknown, values: readonly unknown[]) {
    if (!values.includes(v)) this.add(path, `must be one of ${values.join(', ')}`);
  }
  time(path: string, v: unknown, optional: boolean) {
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.add(path, 'must be a time');
  }
  bool(path: string, v: unknown) {
    if (v !== undefined && typeof v !== 'boolean') this.add(path, 'must be true or false');
  }
  map(path: string, v: unknown): YMap | undefined {
    if (v instanceof Y.Map) return v as YMap;
    this.add(path, 'must be a map');
    return undefined;
  }
  liveIds(collection: string): (id: string) => boolean {
    const root = this.doc.getMap(collection);
    return (id) => root.get(id) instanceof Y.Map;
  }
}

/** Checks one entity's Y.Map, reporting under `path` (e.g. `users.<id>`). */
export type Check = (c: Checker, path: string, m: YMap) => void;
/** Checks one field of an entity, read through its stored layout (`m.map`: the Y.Map itself). */
type FieldCheck = (c: Checker, path: string, m: StoredEntity) => void;

/** What a schema-1 client writes where schema 2 keeps something else: the sender must reload. */
const OLDER_CLIENT = 'written by an older version of Gatehouse: reload the app';
/** Tokens, each followed by one space (a Y.Text id set); joined by single spaces (an inline list). */
const TOKENS = /^(?:[^\s]+ )*$/;
const JOINED = /^(?:[^\s]+(?: [^\s]+)*)?$/;

/** The text of a nested Y.Text of tokens, or a message when it is anything but plain text. */
function tokenText(v: unknown): { text: string } | string {
  if (v instanceof Y.Map) return OLDER_CLIENT;
  if (!(v instanceof Y.Text)) return 'must be a list of ids (a Y.Text)';
  for (let n = v._start; n !== null; n = n.right)
    if (!n.deleted && !(n.content instanceof Y.ContentString)) return 'must be plain text';
  return { text: v.toString() };
}

/** The ids a Y.Text id set holds, or a message when it holds anything but plain id tokens. */
function textIds(v: unknown): string[] | string {
  const t = tokenText(v);
  if (typeof t === 'string') return t;
  return TOKENS.test(t.text) ? splitIds(t.text) : 'must be ids, each followed by a space';
}

/** The user ids a members text holds, or a message when a token is out of the grammar (member-tokens.ts). */
function membershipIds(v: unknown): string[] | string {
  const t = tokenText(v);
  if (typeof t === 'string') return t;
  if (!MEMBER_TOKENS.test(t.text))
    return 'must be memberships (user id, optional @sso:<id> or @scim:<id>, optional +expiry), each followed by a space';
  return [...readMemberships(t.text).keys()];
}

/** Each id names a live entity of `refersTo`. */
function checkRefs(c: Checker, p: string, ids: readonly string[], f: IdsField | MembershipsField): void {
  const live = f.refersTo.map((collection) => c.liveIds(collection));
  for (const id of ids) if (!live.some((isLive) => isLive(id))) c.add(`${p}.${id}`, f.missing);
}

function fieldCheck(key: string, f: Field, nested: Readonly<Record<string, Check>>): FieldCheck | null {
  switch (f.kind) {
    case 'text': {
      const { min, max, format } = f;
      if (!format) return (c, path, m) => c.text(`${path}.${key}`, m.get(key), min, max);
      return (c, path, m) => {
        const v = m.get(key);
        if (typeof v !== 'string' || v.trim().length < min || v.length > max || !format.test(v))
          c.add(`${path}.${key}`, format.message);
      };
    }
    case 'enum': {
      const { values, fallback, only } = f;
      if (only)
        return (c, path, m) => {
          const v = m.get(key);
          if (m.get(only.field) === only.is) c.oneOf(`${path}.${key}`, v, values);
          else if (v !== undefined) c.add(`${path}.${key}`, only.message);
        };
      return (c, path, m) => {
        const v = m.get(key);
        if (v !== undefined || fallback !== undefined) c.oneOf(`${path}.${key}`, v, values);
      };
    }
    case 'enumBy': {
      const by = new Map(Object.entries(f.values));
      const first = Object.values(f.values)[0] ?? [];
      return (c, path, m) => c.oneOf(`${path}.${key}`, m.get(key), by.get(m.get(f.on) as string) ?? first);
    }
    case 'time':
      return (c, path, m) => c.time(`${path}.${key}`, m.get(key), f.optional);
    case 'flag': {
      const { only } = f;
      return (c, path, m) => {
        const v = m.get(key);
        c.bool(`${path}.${key}`, v);
        if (only && v === true && m.get(only.field) !== only.is) c.add(`${path}.${key}`, only.message);
      };
    }
    case 'flags':
      return (c, path, m) => {
        for (const k of f.keys) c.bool(`${path}.${k}`, m.get(k));
      };
    case 'textList':
      return (c, path, m) => {
        const v = m.get(key);
        if (!Array.isArray(v) || v.length > f.maxItems) c.add(`${path}.${key}`, f.message);
        else
          for (const item of v)
            if (typeof item !== 'string' || !f.item.test(item)) c.add(`${path}.${key}`, f.item.message);
      };
    case 'jsonList':
      return (c, path, m) => {
        const v = m.get(key);
        if (!Array.isArray(v) || JSON.stringify(v).length > f.maxJson)
          c.add(`${path}.${key}`, 'must be a short list');
      };
    case 'ids':
      return (c, path, m) => {
        const p = `${path}.${f.inline ? key : f.stored}`;
        let ids: string[];
        if (f.inline) {
          const v = m.get(key);
          if (typeof v !== 'string' || !JOINED.test(v)) return c.add(p, 'must be ids joined by spaces');
          ids = splitIds(v);
        } else {
          const read = textIds(m.map.get(f.stored));
          if (typeof read === 'string') return c.add(p, read);
          ids = read;
        }
        checkRefs(c, p, ids, f);
      };
    case 'memberships':
      return (c, path, m) => {
        const p = `${path}.${f.stored}`;
        const ids = membershipIds(m.map.get(f.stored));
        if (typeof ids === 'string') return c.add(p, ids);
        checkRefs(c, p, ids, f);
      };
    case 'entities': {
      const check = nested[key];
      if (!check) throw new Error(`checkFields: no check for the nested entities of ${key}`);
      return (c, path, m) => {
        const p = `${path}.${f.stored}`;
        const entities = c.map(p, m.map.get(f.stored));
        if (!entities) return;
        for (const [id, e] of entities.entries()) {
          const em = c.map(`${p}.${id}`, e);
          if (em) check(c, `${p}.${id}`, em);
        }
      };
    }
    case 'storedOnly':
      return null;
  }
}

/** The pack holds one value per packed field and is written once, with its entity (never rewritten). */
function checkPack(c: Checker, path: string, m: YMap, size: number): void {
  const item = m._map.get(PACK);
  if (!item || item.deleted) return;
  const v = m.get(PACK);
  if (!Array.isArray(v) || v.length !== size)
    c.add(`${path}.${PACK}`, `must be the entity's ${size} creation fields`);
  if (item.left !== null) c.add(`${path}.${PACK}`, 'is written once, when the entity is created');
}

/**
 * The checks of one entity: no unknown field, the pack, each declared field, then `rule` (the explicit
 * rules that need more than one field's kind). `nested` checks the entities of each `entities` field.
 */
export function checkFields(
  schema: EntitySchema,
  rule?: (c: Checker, path: string, m: StoredEntity) => void,
  nested: Readonly<Record<string, Check>> = {},
): Check {
  const allowed = new Set(Object.entries(schema.fields).flatMap(([key, f]) => storedKeys(key, f)));
  if (schema.pack.length > 0) allowed.add(PACK);
  // Where schema 1 kept what schema 2 stores in a value (a grant's `resources` map).
  const older = new Set(
    Object.values(schema.fields).flatMap((f) => (f.kind === 'ids' && f.inline ? [f.stored] : [])),
  );
  const { size } = storedLayout(schema);
  const checks: FieldCheck[] = [];
  for (const [key, f] of Object.entries(schema.fields)) {
    const check = fieldCheck(key, f, nested);
    if (check) checks.push(check);
  }
  if (rule) checks.push(rule);
  return (c, path, m) => {
    for (const k of m.keys())
      if (!allowed.has(k)) c.add(`${path}.${k}`, older.has(k) ? OLDER_CLIENT : 'unknown field');
    if (schema.pack.length > 0) checkPack(c, path, m, size);
    const s = stored(m, schema);
    for (const check of checks) check(c, path, s);
  };
}
