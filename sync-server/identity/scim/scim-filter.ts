/**
 * SCIM filters (RFC 7644 §3.4.2.2) → predicates over resources, through an attribute whitelist. The text
 * is parsed by scim2-parse-filter; each attribute path must be one the resource type lists (else 400
 * invalidFilter), and is read by that type's own getter — a filter never becomes a query string.
 *
 * `lookups` names the `eq` comparisons a whole filter depends on (`userName eq "x" and …`): the caller may
 * start from an index instead of scanning every resource.
 */
import { type Filter, parse } from 'scim2-parse-filter';
import { ScimError } from './scim-error.ts';

/** A value read from a resource: one value, several (multi-valued), or nothing. */
export type AttrValue = string | boolean | number | null | undefined | readonly (string | boolean)[];

export interface FilterAttribute<R> {
  readonly get: (r: R) => AttrValue;
  readonly caseExact?: boolean;
}

/** A multi-valued complex attribute (`emails`): its items and their sub-attributes, for `emails[…]`. */
export interface FilterComplex<R> {
  readonly items: (r: R) => readonly Record<string, string | boolean>[];
}

export interface FilterVocabulary<R> {
  /** Lower-cased attribute paths (`username`, `emails.value`, `name.givenname`). */
  readonly attributes: Readonly<Record<string, FilterAttribute<R>>>;
  readonly complex: Readonly<Record<string, FilterComplex<R>>>;
  /** Schema URNs whose `urn:…:attr` prefix may be left out. */
  readonly schemas: readonly string[];
}

export interface CompiledFilter<R> {
  readonly test: (r: R) => boolean;
  /** `eq` comparisons that every match must satisfy: lower-cased path → value. */
  readonly lookups: ReadonlyMap<string, string | boolean | number | null>;
  /** The attribute paths the filter reads. */
  readonly paths: ReadonlySet<string>;
}

const MAX_FILTER_LENGTH = 2000;

const bad = (detail: string) => new ScimError(400, detail, 'invalidFilter');

function parseText(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw bad(`Filters are limited to ${MAX_FILTER_LENGTH} characters`);
  try {
    return parse(text);
  } catch (err) {
    throw bad(`The filter is not valid: ${(err as Error).message}`.slice(0, 300));
  }
}

function normalisePath(path: string, schemas: readonly string[]): string {
  const lower = path.toLowerCase();
  for (const urn of schemas) {
    const prefix = `${urn.toLowerCase()}:`;
    if (lower.startsWith(prefix)) return lower.slice(prefix.length);
  }
  return lower;
}

type Scalar = string | boolean | number | null;

function compare(op: string, actual: Scalar | undefined, wanted: Scalar, caseExact: boolean): boolean {
  if (actual === undefined || actual === null) return op === 'ne' ? wanted !== null : false;
  if (typeof actual === 'boolean' || typeof wanted === 'boolean' || wanted === null) {
    if (op === 'eq') return actual === wanted;
    if (op === 'ne') return actual !== wanted;
    throw bad(`“${op}” does not apply to a boolean or null`);
  }
  const a = caseExact ? String(actual) : String(actual).toLowerCase();
  const w = caseExact ? String(wanted) : String(wanted).toLowerCase();
  switch (op) {
    case 'eq':
      return a === w;
    case 'ne':
      return a !== w;
    case 'co':
      return a.includes(w);
    case 'sw':
      return a.startsWith(w);
    case 'ew':
      return a.endsWith(w);
    case 'gt':
      return a > w;
    case 'ge':
      return a >= w;
    case 'lt':
      return a < w;
    case 'le':
      return a <= w;
    default:
      throw bad(`Unknown operator “${op}”`);
  }
}

const values = (v: AttrValue): readonly (Scalar | undefined)[] =>
  Array.isArray(v) ? (v as Scalar[]) : [v as Scalar | undefined];

export function compileFilter<R>(text: string, vocab: FilterVocabulary<R>): CompiledFilter<R> {
  const paths = new Set<string>();
  const attribute = (path: string): { key: string; a: FilterAttribute<R> } => {
    const key = normalisePath(path, vocab.schemas);
    const a = vocab.attributes[key];
    if (!a) throw bad(`Filtering on “${path}” is not supported`);
    paths.add(key);
    return { key, a };
  };

  const build = (f: Filter): ((r: R) => boolean) => {
    switch (f.op) {
      case 'and':
      case 'or': {
        const parts = f.filters.map(build);
        return f.op === 'and' ? (r) => parts.every((p) => p(r)) : (r) => parts.some((p) => p(r));
      }
      case 'not': {
        const inner = build(f.filter);
        return (r) => !inner(r);
      }
      case 'pr': {
        const { a } = attribute(f.attrPath);
        return (r) => values(a.get(r)).some((v) => v !== undefined && v !== null && v !== '');
      }
      case '[]': {
        const key = normalisePath(f.attrPath, vocab.schemas);
        const complex = vocab.complex[key];
        if (!complex) throw bad(`“${f.attrPath}[…]” is not supported`);
        paths.add(key);
        const inner = compileItem(f.valFilter, key);
        return (r) => complex.items(r).some(inner);
      }
      default: {
        const { a } = attribute(f.attrPath);
        const { op, compValue } = f;
        return (r) => values(a.get(r)).some((v) => compare(op, v, compValue, a.caseExact === true));
      }
    }
  };

  /** A filter inside `emails[…]`, over one item's sub-attributes. */
  const compileItem = (f: Filter, parent: string): ((item: Record<string, string | boolean>) => boolean) => {
    switch (f.op) {
      case 'and':
      case 'or': {
        const parts = f.filters.map((x) => compileItem(x, parent));
        return f.op === 'and' ? (i) => parts.every((p) => p(i)) : (i) => parts.some((p) => p(i));
      }
      case 'not': {
        const inner = compileItem(f.filter, parent);
        return (i) => !inner(i);
      }
      case '[]':
        throw bad('Nested […] filters are not supported');
      default: {
        const sub = f.attrPath.toLowerCase();
        if (!vocab.attributes[`${parent}.${sub}`])
          throw bad(`Filtering on “${parent}.${f.attrPath}” is not supported`);
        const pick = (i: Record<string, string | boolean>) =>
          Object.entries(i).find(([k]) => k.toLowerCase() === sub)?.[1];
        if (f.op === 'pr') return (i) => pick(i) !== undefined && pick(i) !== '';
        const { op, compValue } = f;
        return (i) => compare(op, pick(i), compValue, false);
      }
    }
  };

  const ast = parseText(text);
  const test = build(ast);
  return { test, lookups: lookupsOf(ast, vocab.schemas), paths };
}

/** The `eq` comparisons at the top of the filter or of its top-level `and`. */
function lookupsOf(f: Filter, schemas: readonly string[]): Map<string, Scalar> {
  const out = new Map<string, Scalar>();
  const visit = (x: Filter) => {
    if (x.op === 'and') x.filters.forEach(visit);
    else if (x.op === 'eq') out.set(normalisePath(x.attrPath, schemas), x.compValue);
  };
  visit(f);
  return out;
}
