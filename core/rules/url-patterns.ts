/** An app's list of URL patterns: at most 20, each valid (url-pattern-syntax.ts checks one), no repeats. */

import { fail, ok, type Result } from '../errors.ts';
import { MAX_URL_PATTERNS } from './limits.ts';
import { validateUrlPattern } from './url-pattern-syntax.ts';

/** Returns the stored form: each pattern normalized, repeats dropped, order kept. */
export function normalizeUrlPatterns(patterns: readonly string[]): Result<string[]> {
  if (patterns.length > MAX_URL_PATTERNS)
    return fail('invalid-url-pattern', `An app can have at most ${MAX_URL_PATTERNS} URL patterns`);
  const out: string[] = [];
  for (const p of patterns) {
    if (typeof p !== 'string') return fail('invalid-url-pattern', 'URL patterns are text');
    const v = validateUrlPattern(p);
    if (!v.ok) return v;
    if (!out.includes(v.value)) out.push(v.value);
  }
  return ok(out);
}

/** A stored list must be its own normal form (what a command stores). */
export function checkUrlPatterns(patterns: readonly string[]): Result<true> {
  const n = normalizeUrlPatterns(patterns);
  if (!n.ok) return n;
  if (n.value.length !== patterns.length || n.value.some((p, i) => p !== patterns[i]))
    return fail('invalid-url-pattern', 'URL patterns must be stored normalized, without repeats');
  return ok(true);
}
