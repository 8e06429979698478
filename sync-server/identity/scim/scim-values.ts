/**
 * The shapes IdPs really send, made plain before anything reads them (reference/identity.md): booleans
 * as strings (`"False"`), attribute names in any case, URN-qualified names.
 */
import { z } from 'zod';
import { ScimError } from './scim-error.ts';

/** `true`, `"True"`, `"true"` → true; `false`, `"False"` → false. */
export const ScimBoolean = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const lower = v.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : v;
}, z.boolean());

export function toBoolean(v: unknown, what: string): boolean {
  const parsed = ScimBoolean.safeParse(v);
  if (!parsed.success) throw new ScimError(400, `${what} must be true or false`, 'invalidValue');
  return parsed.data;
}

/** Reads `body` with `schema`; a mismatch is a 400 invalidValue naming the first problems. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    .join('; ');
  throw new ScimError(400, `The request is not valid: ${detail}`, 'invalidValue');
}

/** `obj[key]` ignoring the key's case (SCIM attribute names are case-insensitive). */
export function pick(obj: Record<string, unknown> | null | undefined, key: string): unknown {
  if (!obj) return undefined;
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** Copies `obj` with its keys in the case this service uses (`username` → `userName`), deeply for the known ones. */
export function canonicalKeys(
  obj: Record<string, unknown>,
  names: readonly string[],
): Record<string, unknown> {
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[byLower.get(k.toLowerCase()) ?? k] = v;
  return out;
}
