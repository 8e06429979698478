/**
 * How schema 2 stores an entity's fields (schema.ts): the fields set at creation packed into one array
 * under `PACK` — enums as their index in the field's values, flags as a bit mask, id lists joined by
 * spaces — and any later edit under the field's own name, as a plain model value that wins over the
 * packed one. `StoredEntity` reads an entity Y.Map back as the plain fields the readers and field checks
 * expect (a Y.Map written by schema 1, with every field under its own name, reads the same way).
 *
 * Ids are tokens followed by a space (a group's members, a Y.Text) or joined by spaces (a grant's
 * resources, one value); newId() never makes a space.
 */
import * as Y from 'yjs';
import type { EntitySchema, Field } from './fields.ts';
import { tokenUserId } from './member-tokens.ts';
import { PACK } from './schema.ts';

/** What a packed enum slot reads as when it holds no valid index: matches no value, so it reads as junk. */
const INVALID: unique symbol = Symbol('invalid');

type Slot =
  | { readonly kind: 'plain'; readonly index: number }
  | { readonly kind: 'code'; readonly index: number; readonly values: readonly string[] }
  | { readonly kind: 'bit'; readonly index: number; readonly bit: number };

/** Where each stored key's packed value lives in an entity's pack. */
export interface Layout {
  readonly slots: ReadonlyMap<string, Slot>;
  readonly size: number;
  readonly schema: EntitySchema;
}

/** Every value an enum field may hold (for a field whose values depend on another one: all of them, once). */
function enumValues(f: Field): readonly string[] | null {
  if (f.kind === 'enum') return f.values;
  if (f.kind === 'enumBy') return [...new Set(Object.values(f.values).flat())];
  return null;
}

export function layoutOf(schema: EntitySchema): Layout {
  const slots = new Map<string, Slot>();
  schema.pack.forEach((name, index) => {
    const f = schema.fields[name]!;
    const values = enumValues(f);
    if (f.kind === 'flags')
      f.keys.forEach((k, bit) => {
        slots.set(k, { kind: 'bit', index, bit });
      });
    else if (values) slots.set(name, { kind: 'code', index, values });
    else slots.set(name, { kind: 'plain', index });
  });
  return { slots, size: schema.pack.length, schema };
}

/** The pack of a new entity from its model fields (`ids`: the value of an inline id list, e.g. resources). */
export function packOf(
  layout: Layout,
  fields: Readonly<Record<string, unknown>>,
  ids: Readonly<Record<string, readonly string[]>> = {},
): unknown[] {
  const pack: unknown[] = new Array(layout.size).fill(null);
  for (const [key, slot] of layout.slots) {
    const v = key in ids ? joinIds(ids[key]!) : fields[key];
    if (slot.kind === 'bit') {
      if (v === true) pack[slot.index] = ((pack[slot.index] as number | null) ?? 0) | (1 << slot.bit);
      else pack[slot.index] ??= 0;
    } else if (slot.kind === 'code') {
      const i = slot.values.indexOf(v as string);
      pack[slot.index] = i >= 0 ? i : null;
    } else pack[slot.index] = v === undefined ? null : v;
  }
  return pack;
}

/** A packed slot back as a plain field value (undefined: unset). */
function unpack(slot: Slot, pack: readonly unknown[]): unknown {
  const v = pack[slot.index];
  if (v === null || v === undefined) return undefined;
  if (slot.kind === 'plain') return v;
  if (slot.kind === 'code')
    return typeof v === 'number' && Number.isInteger(v) ? (slot.values[v] ?? INVALID) : INVALID;
  return typeof v === 'number' && Number.isInteger(v) ? ((v >>> slot.bit) & 1) === 1 : INVALID;
}

/** An entity Y.Map read as plain fields: a field's own key wins; otherwise its packed value. */
export class StoredEntity {
  private packed: readonly unknown[] | null | undefined;
  constructor(
    readonly map: Y.Map<unknown>,
    private readonly layout: Layout,
  ) {}

  /** The pack, or null when there is none (an entity written by schema 1) or it is not an array. */
  get pack(): readonly unknown[] | null {
    if (this.packed === undefined) {
      const p = this.map.get(PACK);
      this.packed = Array.isArray(p) ? p : null;
    }
    return this.packed;
  }

  get(key: string): unknown {
    const own = this.map.get(key);
    if (own !== undefined) return own;
    const slot = this.layout.slots.get(key);
    const pack = slot ? this.pack : null;
    return pack && slot ? unpack(slot, pack) : undefined;
  }
}

const LAYOUTS = new WeakMap<EntitySchema, Layout>();

/** The layout of a schema (memoised). */
export function storedLayout(schema: EntitySchema): Layout {
  let layout = LAYOUTS.get(schema);
  if (!layout) LAYOUTS.set(schema, (layout = layoutOf(schema)));
  return layout;
}

/** `m` read through its schema's layout. */
export const stored = (m: Y.Map<unknown>, schema: EntitySchema): StoredEntity =>
  new StoredEntity(m, storedLayout(schema));

// ---------------------------------------------------------------------------------------------------------
// Id tokens

/** Ids joined by spaces, sorted, each once. */
export function joinIds(ids: Iterable<string>): string {
  return [...new Set(ids)].sort().join(' ');
}

/** The ids of a joined or space-terminated list (empty tokens skipped). */
export function splitIds(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = s.indexOf(' '); i !== -1; i = s.indexOf(' ', start)) {
    if (i > start) out.push(s.slice(start, i));
    start = i + 1;
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}

/** The ids of a set stored as a Y.Text of tokens (schema 2) or a Y.Map of id → true (schema 1). */
export function idsOf(v: unknown): string[] {
  if (v instanceof Y.Text) return splitIds(v.toString());
  if (v instanceof Y.Map) return [...v.keys()];
  return [];
}

/**
 * Removes every token for which `match` holds from a Y.Text of space-terminated tokens (concurrent adds
 * may have left one twice), back to front so earlier positions stay valid. Returns how many it removed.
 */
export function removeTokens(text: Y.Text, match: (token: string) => boolean): number {
  const s = text.toString();
  const found: [number, number][] = [];
  let start = 0;
  for (let i = s.indexOf(' '); i !== -1; i = s.indexOf(' ', start)) {
    if (i > start && match(s.slice(start, i))) found.push([start, i - start + 1]);
    start = i + 1;
  }
  for (let k = found.length - 1; k >= 0; k--) text.delete(found[k]![0], found[k]![1]);
  return found.length;
}

/** Removes every membership token of user `id` from a members Y.Text (any source, any expiry). */
export function removeIdToken(text: Y.Text, id: string, known: Set<string>): void {
  removeTokens(text, (t) => tokenUserId(t) === id);
  known.delete(id);
}
