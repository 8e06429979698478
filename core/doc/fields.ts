/**
 * The kinds of stored field an entity of the workspace doc has, as plain data (entity-schema.ts declares
 * the entities with them). Each kind fixes three things at once: how the value is stored, what a reader
 * makes of it (a wrong type reads as the least-privilege default), and what `validateChanges` accepts.
 * The compiled forms live apart: read-entities.ts (readers, previews) and check-fields.ts (field checks).
 *
 * Every builder carries, at the type level only, the model type the field reads as, so entity-schema.ts
 * can check that the model and the schema agree.
 */
import type { Collection, Membership } from '../model.ts';

/** The fallback of a field without which the whole entity reads as absent (a grant with no level). */
export const ABSENT: unique symbol = Symbol('absent');

declare const READS: unique symbol;
/** A field of kind `F` that reads as `T` (type-level only). */
export type Typed<F, T> = F & { readonly [READS]?: () => T };
/** The model type a declared field reads as. */
export type FieldType<F> = F extends { readonly [READS]?: () => infer T } ? T : never;

/** A text format: one test, one message for every way a value fails it. */
export interface TextFormat {
  readonly test: (value: string) => boolean;
  readonly message: string;
}

/** Read only when another stored field has a given value; otherwise the field's default, and storing it is an error. */
export interface Only {
  readonly field: string;
  readonly is: string;
  readonly message: string;
}

/** Text of `min` (trimmed) to `max` characters; reads as `''`. A format replaces the length message. */
export interface TextField {
  readonly kind: 'text';
  readonly min: number;
  readonly max: number;
  readonly format?: TextFormat | undefined;
  /** Read lower-cased (emails: no case may hide a duplicate). */
  readonly lowerCase?: boolean | undefined;
}
/** One of `values`; reads as `fallback` (or the entity as absent), or, with `only`, as undefined. */
export interface EnumField {
  readonly kind: 'enum';
  readonly values: readonly string[];
  readonly fallback: string | typeof ABSENT | undefined;
  readonly only?: Only | undefined;
}
/** One of the values listed for another field's value (a grant's level for its resource type). */
export interface EnumByField {
  readonly kind: 'enumBy';
  readonly on: string;
  /** The first entry also applies, for validation, when the other field has no listed value. */
  readonly values: Readonly<Record<string, readonly string[]>>;
}
/** A time in ms (finite, ≥ 0); reads as 0, or, optional, as undefined. */
export interface TimeField {
  readonly kind: 'time';
  readonly optional: boolean;
}
/** `true` or `false` (or unset); anything but `true` reads as false (no flag). */
export interface FlagField {
  readonly kind: 'flag';
  readonly only?: Only | undefined;
}
/** Several flags stored as one boolean field each, read as one record. */
export interface FlagsField {
  readonly kind: 'flags';
  readonly keys: readonly string[];
}
/** A list of at most `maxItems` texts, each passing `item`; non-text items are dropped on read. */
export interface TextListField {
  readonly kind: 'textList';
  readonly maxItems: number;
  readonly item: TextFormat;
  readonly message: string;
}
/** A list of JSON objects, at most `maxJson` characters of JSON; items that `item` rejects are dropped. */
export interface JsonListField {
  readonly kind: 'jsonList';
  readonly maxJson: number;
  readonly item: (value: unknown) => unknown;
}
/**
 * Ids naming live entities of `refersTo`, read as a set or a sorted list. Schema 2 stores them one of two
 * ways (schema.ts): `inline`, as one value of ids joined by spaces under the field's own name (written
 * whole, last writer wins: a grant's resources); otherwise as a nested Y.Text of space-terminated ids under
 * `stored` (an add inserts a token, a remove deletes it: concurrent adds and removes all survive — a
 * group's members). `stored` is also where schema 1 kept them, as a nested Y.Map of ids → true.
 */
export interface IdsField {
  readonly kind: 'ids';
  readonly stored: string;
  readonly sorted: boolean;
  readonly inline: boolean;
  readonly refersTo: readonly Collection[];
  /** The message when an id names no live entity of `refersTo`. */
  readonly missing: string;
}
/**
 * A group's memberships: a nested Y.Text under `stored` of membership tokens (member-tokens.ts: user id,
 * source, expiry), read as a map of user id → memberships; `effective` names the model field that holds
 * the members whose membership is live when read (a Y.Map of ids → true from schema 1: manual, permanent).
 */
export interface MembershipsField {
  readonly kind: 'memberships';
  readonly stored: string;
  readonly effective: string;
  readonly refersTo: readonly Collection[];
  /** The message when a token names no live entity of `refersTo`. */
  readonly missing: string;
}
/** A nested Y.Map of ids → entity Y.Maps (a group's grants); entities that read as absent are skipped. */
export interface EntitiesField {
  readonly kind: 'entities';
  readonly stored: string;
  readonly schema: EntitySchema;
}
/** Stored in the doc, not part of the model (meta.schemaVersion); any check is an explicit rule. */
export interface StoredOnlyField {
  readonly kind: 'storedOnly';
}

export type Field =
  | TextField
  | EnumField
  | EnumByField
  | TimeField
  | FlagField
  | FlagsField
  | TextListField
  | JsonListField
  | IdsField
  | MembershipsField
  | EntitiesField
  | StoredOnlyField;

/**
 * An entity: its fields in model order (the stored key is the field's name unless the kind says), and the
 * fields written once, at creation, as one array under `PACK` (schema.ts) — `pack` lists them in stored
 * order, which never changes (append only). A field of the pack may still be written later under its own
 * key, which then wins over the packed value.
 */
export interface EntitySchema<F extends Readonly<Record<string, Field>> = Readonly<Record<string, Field>>> {
  readonly name: string;
  readonly fields: F;
  readonly pack: readonly string[];
}

/** What each field of an entity schema decodes to (`ABSENT`: the entity reads as absent). */
export type DecodedOf<S extends EntitySchema> = {
  readonly [K in keyof S['fields'] as S['fields'][K] extends StoredOnlyField ? never : K]: FieldType<
    S['fields'][K]
  >;
};
/** The plain object an entity schema reads as (without its id). */
export type FieldsOf<S extends EntitySchema> = {
  readonly [K in keyof DecodedOf<S>]: Exclude<DecodedOf<S>[K], typeof ABSENT>;
};
/** The model an entity schema reads as, with the id it is stored under. */
export type ReadOf<S extends EntitySchema> = { readonly id: string } & FieldsOf<S>;

export function entity<F extends Readonly<Record<string, Field>>>(
  name: string,
  fields: F,
  pack: readonly (keyof F & string)[] = [],
): EntitySchema<F> {
  for (const key of pack) {
    const f = fields[key];
    const packable =
      f !== undefined &&
      f.kind !== 'storedOnly' &&
      f.kind !== 'entities' &&
      f.kind !== 'memberships' &&
      !(f.kind === 'time' && f.optional) &&
      !(f.kind === 'ids' && !f.inline);
    // An optional field is cleared by deleting its key: a packed value would then show through.
    if (!packable) throw new Error(`entity ${name}: ${key} cannot be packed`);
  }
  return { name, fields, pack };
}

export const text = (
  min: number,
  max: number,
  opts: { format?: TextFormat; lowerCase?: boolean } = {},
): Typed<TextField, string> => ({ kind: 'text', min, max, ...opts });

/** With `ABSENT` as the fallback, a wrong value makes the whole entity read as absent. */
export function oneOf<const V extends readonly string[], const D extends V[number] | typeof ABSENT>(
  values: V,
  fallback: D,
): Typed<EnumField, V[number] | (D extends typeof ABSENT ? typeof ABSENT : never)> {
  return { kind: 'enum', values, fallback };
}

/** One of `values`, or unset (absent reads as undefined; a wrong value too). */
export function optionalOneOf<const V extends readonly string[]>(
  values: V,
): Typed<EnumField, V[number] | undefined> {
  return { kind: 'enum', values, fallback: undefined };
}

export function oneOfOnly<const V extends readonly string[]>(
  values: V,
  only: Only,
): Typed<EnumField, V[number] | undefined> {
  return { kind: 'enum', values, fallback: undefined, only };
}

export function oneOfBy<const V extends Readonly<Record<string, readonly string[]>>>(
  on: string,
  values: V,
): Typed<EnumByField, V[keyof V][number] | typeof ABSENT> {
  return { kind: 'enumBy', on, values };
}

export const time = (): Typed<TimeField, number> => ({ kind: 'time', optional: false });
export const optionalTime = (): Typed<TimeField, number | undefined> => ({ kind: 'time', optional: true });
export const flag = (only?: Only): Typed<FlagField, boolean> => ({ kind: 'flag', only });

export const flags = <const K extends readonly string[]>(
  keys: K,
): Typed<FlagsField, Readonly<Record<K[number], boolean>>> => ({ kind: 'flags', keys });

export const textList = (
  maxItems: number,
  item: TextFormat,
  message: string,
): Typed<TextListField, readonly string[]> => ({ kind: 'textList', maxItems, item, message });

export const jsonList = <T>(
  maxJson: number,
  item: (value: unknown) => T | undefined,
): Typed<JsonListField, readonly T[]> => ({
  kind: 'jsonList',
  maxJson,
  item,
});

type IdsOptions = Omit<IdsField, 'kind' | 'sorted' | 'inline'>;

/** A nested Y.Text of ids, one token each: concurrent adds and removes merge. */
export const idSet = (o: IdsOptions): Typed<IdsField, ReadonlySet<string>> => ({
  kind: 'ids',
  sorted: false,
  inline: false,
  ...o,
});
/** One value of ids, sorted, written whole (`stored`: where schema 1 kept them, read from un-migrated docs). */
export const idList = (o: IdsOptions): Typed<IdsField, readonly string[]> => ({
  kind: 'ids',
  sorted: true,
  inline: true,
  ...o,
});

/** Membership tokens in a nested Y.Text: concurrent adds and removes merge (member-tokens.ts). */
export const membershipSet = (
  o: Omit<MembershipsField, 'kind'>,
): Typed<MembershipsField, ReadonlyMap<string, readonly Membership[]>> => ({ kind: 'memberships', ...o });

/** `T` is the model type of the nested entities; entity-schema.ts checks that `schema` reads as it. */
export const entityMap = <T>(
  stored: string,
  schema: EntitySchema,
): Typed<EntitiesField, ReadonlyMap<string, T>> => ({
  kind: 'entities',
  stored,
  schema,
});

export const storedOnly = (): StoredOnlyField => ({ kind: 'storedOnly' });

/** The stored keys of a field besides the pack (flags store one key each; nested kinds name their own). */
export function storedKeys(name: string, f: Field): readonly string[] {
  if (f.kind === 'flags') return f.keys;
  if ((f.kind === 'ids' && !f.inline) || f.kind === 'entities' || f.kind === 'memberships') return [f.stored];
  return [name];
}

/** True for the fields kept in a nested type of their own (members, grants), not in a value. */
export const isNested = (f: Field): boolean =>
  f.kind === 'entities' || f.kind === 'memberships' || (f.kind === 'ids' && !f.inline);

/** The nested types of an entity, created with it under these fixed keys: `text` (id sets) or `map`. */
export function nestedTypes(schema: EntitySchema): { key: string; type: 'text' | 'map' }[] {
  const out: { key: string; type: 'text' | 'map' }[] = [];
  for (const f of Object.values(schema.fields))
    if (f.kind === 'entities') out.push({ key: f.stored, type: 'map' });
    else if ((f.kind === 'ids' && !f.inline) || f.kind === 'memberships')
      out.push({ key: f.stored, type: 'text' });
  return out;
}
