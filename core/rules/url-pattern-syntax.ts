/**
 * The syntax of one app URL pattern: `scheme://host[:port]/path`, where the scheme may be `*` (http or
 * https), the host may start with `*.` (any subdomain) and the path may hold `*` anywhere. `validateUrlPattern`
 * is the check both paths run (commands and sync, through url-patterns.ts); `parsePattern` is the one
 * parser matching (access/match-app.ts) and the extension's host permissions use.
 */
import { fail, ok, type Result } from '../errors.ts';
import { MAX_URL_PATTERN, MAX_WILDCARDS } from './limits.ts';

const PATTERN = /^(\*|https?):\/\/((?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*)(:\d{1,5})?(\/[^\s#]*)$/;

/** Checks a pattern; returns it normalized (lower-case scheme and host). */
export function validateUrlPattern(input: string): Result<string> {
  const p = input.trim();
  const [, scheme = '', rest = ''] = /^([^:]*):\/\/(.*)$/.exec(p) ?? [];
  const hostEnd = rest.search(/[/]/);
  const normalized =
    hostEnd < 0
      ? ''
      : `${scheme.toLowerCase()}://${rest.slice(0, hostEnd).toLowerCase()}${rest.slice(hostEnd)}`;
  const wildcards = normalized.split('*').length - 1;
  if (p.length === 0 || p.length > MAX_URL_PATTERN || !PATTERN.test(normalized) || wildcards > MAX_WILDCARDS)
    return fail(
      'invalid-url-pattern',
      `“${p.slice(0, 80)}” is not a URL pattern. Use e.g. https://hr.corp.com/* or https://*.corp.com/hr/*`,
    );
  return ok(normalized);
}

/** A pattern's parts, with scheme and host lower-cased; null when it is not a pattern (never throws). */
export interface PatternParts {
  readonly scheme: string;
  /** With its leading `*.` when the host is a wildcard. */
  readonly host: string;
  /** `:8080`, or empty. */
  readonly port: string;
  readonly path: string;
}

export function parsePattern(pattern: string): PatternParts | null {
  if (typeof pattern !== 'string') return null;
  const m = PATTERN.exec(pattern.replace(/^([^:]*:\/\/[^/]*)/, (h) => h.toLowerCase()));
  if (!m) return null;
  const [, scheme = '*', host = '', port = '', path = '/'] = m;
  return { scheme, host, port, path };
}
