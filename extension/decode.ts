/**
 * Decoders for untrusted JSON (server answers, stored items, messages). They never throw: a value that
 * does not have the expected shape decodes to `null`, and the caller treats it as missing.
 */

export type Json = Readonly<Record<string, unknown>>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isString(v: unknown, max = 10_000): v is string {
  return typeof v === 'string' && v.length <= max;
}

export function isOneOf<T extends string>(v: unknown, options: readonly T[]): v is T {
  return typeof v === 'string' && (options as readonly string[]).includes(v);
}

/**
 * The elements that decode, among the first `max` (null only when `v` is no array): for lists a newer
 * server may extend (a request state this build does not know), where one unknown item must not hide the rest.
 */
export function decodeKnown<T>(v: unknown, item: (x: unknown) => T | null, max: number): T[] | null {
  if (!Array.isArray(v)) return null;
  const out: T[] = [];
  for (const x of v.slice(0, max)) {
    const d = item(x);
    if (d !== null) out.push(d);
  }
  return out;
}

/** Decodes every element or returns null when one fails. */
export function decodeArray<T>(v: unknown, item: (x: unknown) => T | null, max = 100_000): T[] | null {
  if (!Array.isArray(v) || v.length > max) return null;
  const out: T[] = [];
  for (const x of v) {
    const d = item(x);
    if (d === null) return null;
    out.push(d);
  }
  return out;
}
