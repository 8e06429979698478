/**
 * PATCH (RFC 7644 §3.5.2) as Entra and Okta really send it, made into the RFC shapes scim-patch applies
 * (reference/identity.md):
 *   - `op` in any case (`Replace`) → lower case; anything but add/replace/remove is invalidSyntax;
 *   - a path-less add/replace with an object value → one op per key, so dotted (`name.givenName`) and
 *     URN-qualified keys (`urn:…:User:role`, or `urn:…:User` holding an object) become paths;
 *   - `remove` of `members` with a value array → one `members[value eq "<id>"]` remove per member
 *     (scim-patch would compare whole objects);
 *   - no Operations at all (Microsoft's validator) → nothing to do;
 *   - a path or value key naming `__proto__`, `constructor` or `prototype` → invalidPath: scim-patch walks
 *     paths with plain property access, so `name.constructor.prototype.x` would set `x` on
 *     Object.prototype for the whole process.
 * String booleans (`"False"`) are left to the resource's own parser (scim-values.ts ScimBoolean).
 */
import { type ScimPatchOperation, scimPatch } from 'scim-patch';
import { z } from 'zod';
import { ScimError } from './scim-error.ts';
import { MAX_OPERATIONS, PATCH_SCHEMA } from './scim-schemas.ts';
import { parseBody } from './scim-values.ts';

export interface PatchOp {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path?: string | undefined;
  readonly value?: unknown;
}

const PatchBody = z.looseObject({
  schemas: z.array(z.string()).optional(),
  Operations: z
    .array(
      z.looseObject({ op: z.string(), path: z.string().max(500).optional(), value: z.unknown().optional() }),
    )
    .optional(),
});

const syntax = (detail: string) => new ScimError(400, detail, 'invalidSyntax');
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Ids are Gatehouse's own: a value that could not be one cannot name a member (and is never quoted into a path). */
const ID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

export function memberFilter(id: string): string {
  return `members[value eq "${id}"]`;
}

/** The member id a `members[value eq "…"]` path names, or null for another path. */
export function memberOfPath(path: string): string | null {
  const m = /^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$/i.exec(path.trim());
  return m ? m[1]! : null;
}

/** A name that walks out of a resource into Object.prototype, as a whole path segment. */
const UNSAFE_NAME = /(^|[^\w$])(__proto__|constructor|prototype)($|[^\w$])/i;

/** 400 invalidPath when the op's path, or any key inside its value (walked without recursion), is unsafe. */
function checkSafe(o: PatchOp): void {
  const unsafe = () =>
    new ScimError(
      400,
      'PATCH paths and values may not name __proto__, constructor or prototype',
      'invalidPath',
    );
  if (o.path !== undefined && UNSAFE_NAME.test(o.path)) throw unsafe();
  const stack: unknown[] = [o.value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    for (const [k, item] of Object.entries(v)) {
      if (UNSAFE_NAME.test(k)) throw unsafe();
      stack.push(item);
    }
  }
}

export function normalisePatch(body: unknown, schemaUrns: readonly string[]): PatchOp[] {
  const b = parseBody(PatchBody, body);
  if (b.schemas && !b.schemas.includes(PATCH_SCHEMA))
    throw syntax(`A PATCH body's schemas must include ${PATCH_SCHEMA}`);
  const raw = b.Operations ?? [];
  const out: PatchOp[] = [];
  for (const o of raw) {
    const op = o.op.toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw syntax(`Unknown PATCH op “${o.op}”`);
    const path = o.path?.trim() || undefined;
    if (op === 'remove' && !path) throw new ScimError(400, 'A remove needs a path', 'noTarget');
    if (!path && op !== 'remove') {
      if (!isObject(o.value)) throw syntax('An add or replace without a path needs an object value');
      for (const [key, value] of Object.entries(o.value)) {
        const urn = schemaUrns.find((u) => u.toLowerCase() === key.toLowerCase());
        if (urn && isObject(value))
          for (const [k, v] of Object.entries(value)) out.push({ op, path: `${urn}:${k}`, value: v });
        else out.push({ op, path: key, value });
      }
      continue;
    }
    if (op === 'remove' && path?.toLowerCase() === 'members' && Array.isArray(o.value)) {
      for (const item of o.value) {
        const id = isObject(item) ? item.value : undefined;
        if (typeof id !== 'string' || !ID_SHAPE.test(id))
          throw new ScimError(400, 'No such member', 'noTarget');
        out.push({ op: 'remove', path: memberFilter(id) });
      }
      continue;
    }
    out.push({ op, path, value: o.value });
  }
  if (out.length > MAX_OPERATIONS)
    throw new ScimError(400, `At most ${MAX_OPERATIONS} operations per PATCH`, 'tooMany');
  for (const o of out) checkSafe(o);
  return out;
}

/** Applies normalised ops to a resource (a copy); scim-patch's refusals become SCIM errors. */
export function applyPatch<T extends Record<string, unknown>>(resource: T, ops: readonly PatchOp[]): T {
  if (ops.length === 0) return resource;
  const doc = { ...structuredClone(resource), meta: { created: new Date(0), lastModified: new Date(0) } };
  try {
    const patched = scimPatch(doc as never, ops as unknown as ScimPatchOperation[], {
      mutateDocument: true,
      treatMissingAsAdd: true,
    });
    return { ...(patched as unknown as T), meta: resource.meta };
  } catch (err) {
    const e = err as { scimType?: string; message?: string };
    const type =
      e.scimType === 'noTarget' ? 'noTarget' : e.scimType === 'invalidPath' ? 'invalidPath' : 'invalidValue';
    throw new ScimError(400, `The PATCH cannot be applied: ${e.message ?? 'invalid'}`.slice(0, 300), type);
  }
}
