/**
 * The stored grammar of a group's memberships (schema.ts): the group's `members` Y.Text holds one token
 * per membership, each followed by one space, so concurrent adds and removes merge (an add-wins set).
 *
 *     members    = *( token " " )
 *     token      = user-id [ "@" source ] [ "+" expiry ]
 *     user-id    = 1*( any character but white space, "@" and "+" )      ; an id of `users`
 *     source     = ( "sso:" / "scim:" ) connection ; absent: manual
 *     connection = 1*64( ALPHA / DIGIT / "-" / "_" )
 *     expiry     = base-36 epoch milliseconds, 1–10 digits [0-9a-z], no leading zero ; absent: permanent
 *
 * A plain `id ` token (all that schema 2 wrote before memberships had sources) reads as a manual,
 * permanent membership: old docs need no migration. One user may hold several tokens: one per source,
 * and after concurrent edits several of one source — they read as one membership, permanent if any token
 * is, else until the latest expiry. Whether a membership is live at a given time is rules/memberships.ts'.
 */
import type { Membership, MembershipSource } from '../model.ts';

const CONNECTION = '[A-Za-z0-9_-]{1,64}';
const SOURCE = `(?:sso|scim):${CONNECTION}`;
const TOKEN = `[^\\s@+]+(?:@${SOURCE})?(?:\\+[1-9a-z][0-9a-z]{0,9})?`;

/** A whole members text: tokens, each followed by one space. */
export const MEMBER_TOKENS = new RegExp(`^(?:${TOKEN} )*$`);
const SOURCE_RE = new RegExp(`^${SOURCE}$`);
const EXPIRY_RADIX = 36;
/** The latest expiry the grammar holds (10 base-36 digits), far past any real date. */
export const MAX_EXPIRY_MS = EXPIRY_RADIX ** 10 - 1;

/** True for `manual`, `sso:<connection>` and `scim:<connection>`. */
export function isMembershipSource(v: unknown): v is MembershipSource {
  return v === 'manual' || (typeof v === 'string' && SOURCE_RE.test(v));
}

/** The token of one membership (without its trailing space). */
export function memberToken(userId: string, source: MembershipSource, expiresAt?: number): string {
  let t = source === 'manual' ? userId : `${userId}@${source}`;
  if (expiresAt !== undefined) t += `+${Math.floor(expiresAt).toString(EXPIRY_RADIX)}`;
  return t;
}

/** One token as stored. */
export interface MemberToken extends Membership {
  readonly userId: string;
}

/** A token read back; null when it is not in the grammar (an unchecked doc: read as no membership). */
export function parseMemberToken(token: string): MemberToken | null {
  const at = token.indexOf('@');
  const plus = token.indexOf('+', Math.max(at, 0));
  if (at < 0 && plus < 0) return token.length > 0 ? { userId: token, source: 'manual' } : null;
  const userId = token.slice(0, at >= 0 ? at : plus);
  if (userId.length === 0 || userId.includes('+')) return null;
  let source: MembershipSource = 'manual';
  if (at >= 0) {
    const written = token.slice(at + 1, plus >= 0 ? plus : token.length);
    // Manual is spelled by the absence of a source: one spelling per membership.
    if (written === 'manual' || !isMembershipSource(written)) return null;
    source = written;
  }
  if (plus < 0) return { userId, source };
  const digits = token.slice(plus + 1);
  if (!/^[1-9a-z][0-9a-z]{0,9}$/.test(digits)) return null;
  return { userId, source, expiresAt: Number.parseInt(digits, EXPIRY_RADIX) };
}

/** Shared by every plain token: most memberships are manual and permanent. */
const MANUAL: readonly Membership[] = Object.freeze([Object.freeze({ source: 'manual' as const })]);

/** Two memberships of one source as one: permanent if either is, else the later expiry. */
function merged(a: Membership, b: Membership): Membership {
  if (a.expiresAt === undefined) return a;
  if (b.expiresAt === undefined) return b;
  return a.expiresAt >= b.expiresAt ? a : b;
}

/** The tokens of one user in a members text, each with its space (what `readMemberships` reads of them). */
export function memberTokensOf(text: string, userId: string): string {
  let out = '';
  for (let i = text.indexOf(userId); i >= 0; i = text.indexOf(userId, i + 1)) {
    const next = text[i + userId.length];
    const whole = next === undefined || next === ' ' || next === '@' || next === '+';
    if ((i > 0 && text[i - 1] !== ' ') || !whole) continue;
    const end = text.indexOf(' ', i);
    out += `${text.slice(i, end < 0 ? text.length : end)} `;
  }
  return out;
}

/** The memberships a members text holds, by user id, one entry per source (tokens out of the grammar skipped). */
export function readMemberships(text: string): Map<string, readonly Membership[]> {
  const out = new Map<string, readonly Membership[]>();
  let start = 0;
  for (let i = text.indexOf(' '); i !== -1; i = text.indexOf(' ', start)) {
    if (i > start) addToken(out, text.slice(start, i));
    start = i + 1;
  }
  if (start < text.length) addToken(out, text.slice(start));
  return out;
}

function addToken(out: Map<string, readonly Membership[]>, token: string): void {
  const plain = token.indexOf('@') < 0 && token.indexOf('+') < 0;
  const t = plain ? null : parseMemberToken(token);
  if (!plain && t === null) return;
  const userId = t ? t.userId : token;
  const m: Membership = t ? (t.expiresAt === undefined ? { source: t.source } : t) : MANUAL[0]!;
  const held = out.get(userId);
  if (!held) {
    out.set(userId, plain ? MANUAL : [{ source: m.source, expiresAt: m.expiresAt }]);
    return;
  }
  const i = held.findIndex((h) => h.source === m.source);
  const next = [...held];
  if (i < 0) next.push({ source: m.source, expiresAt: m.expiresAt });
  else next[i] = merged(held[i]!, m);
  out.set(userId, next);
}

/** The user id of a token (the text up to its source or expiry). */
export function tokenUserId(token: string): string {
  let end = token.length;
  const at = token.indexOf('@');
  if (at >= 0) end = at;
  const plus = token.indexOf('+');
  if (plus >= 0 && plus < end) end = plus;
  return token.slice(0, end);
}

/** The source of a token, or null when it is not in the grammar. */
export function tokenSource(token: string): MembershipSource | null {
  return parseMemberToken(token)?.source ?? null;
}
