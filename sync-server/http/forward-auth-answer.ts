/**
 * What forward auth answers for one person, app and level (issue 14), and the cache of those answers.
 * The yes/no is core's decision (`decisions.decide`, the access the panel shows); a yes carries the
 * identity headers, a no what the refusal page says (core's reason, the admins to ask, the prefilled
 * request).
 *
 * Cache: per (session or token, app, level), each answer tagged with the workspace state it was made
 * from. States are immutable and every committed change (here or, in cluster mode, on another instance)
 * makes a new one, so an answer made before a change is never served after it: a grant revoked in the admin
 * app is denied on the very next request. Credentials are checked on every request before the cache is
 * read (a session lookup), so a revoked session is never answered from it; its entries are dropped then.
 */

import {
  type App,
  accessFor,
  decisions,
  requestAccessMailto,
  summarize,
  type User,
  type WorkspaceState,
  whomToAsk,
} from '../../core/index.ts';

export type ForwardLevel = 'view' | 'edit';

export interface Allowed {
  readonly ok: true;
  /** The identity headers, already safe to send (see headerValue). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface Denied {
  readonly ok: false;
  readonly app: { readonly id: string; readonly name: string };
  readonly needs: ForwardLevel;
  /** The level held, if any (View held, Edit needed). */
  readonly level: string | null;
  /** Core's reason, for the person. */
  readonly reason: string;
  readonly reasonCode: string;
  /** `To get access, ask a workspace admin: …`, or null. */
  readonly whomToAsk: string | null;
  readonly admins: readonly { readonly name: string; readonly email: string }[];
  /** A prefilled `mailto:` to the admins, or null. */
  readonly requestAccess: string | null;
}

export type Answer = Allowed | Denied;

/** Longest identity header value, in UTF-8 bytes. */
export const MAX_HEADER_BYTES = 1024;
/** Longest `Remote-Groups`, in UTF-8 bytes (whole names only). */
export const MAX_GROUPS_BYTES = 4096;

/**
 * A header value from user-written text: control characters (CR, LF, NUL, C1) dropped, at most `maxBytes`
 * of UTF-8 (cut at a character), sent as its UTF-8 bytes (Node writes header strings byte per char).
 */
export function headerValue(text: string, maxBytes = MAX_HEADER_BYTES): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  let s = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '').trim();
  while (Buffer.byteLength(s, 'utf8') > maxBytes) s = s.slice(0, -1);
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** The groups header: the role's group, then custom groups; a comma in a name becomes a space. */
function groupsHeader(names: readonly string[]): string {
  const out: string[] = [];
  let bytes = 0;
  for (const name of names) {
    const v = headerValue(name.replace(/,/g, ' '), MAX_HEADER_BYTES);
    if (!v) continue;
    if (bytes + v.length + 1 > MAX_GROUPS_BYTES) break;
    out.push(v);
    bytes += v.length + 1;
  }
  return out.join(',');
}

/** The answer for `user` on `app` at `needs`, from core. */
export function answerFor(state: WorkspaceState, user: User, app: App, needs: ForwardLevel): Answer {
  const request = {
    subject: { type: 'user', id: user.id },
    action: { name: needs },
    resource: { type: 'app', id: app.id },
  };
  const d = decisions.decide(state, request, { groupSuggestions: false });
  const access = accessFor(state, user.id);
  const level = access?.hasAccess ? access.level('app', app.id) : null;
  if (d.decision && access) {
    return {
      ok: true,
      headers: {
        'remote-user': headerValue(user.email),
        'remote-email': headerValue(user.email),
        'remote-name': headerValue(user.name || user.email),
        'remote-groups': groupsHeader(access.groups.map((g) => g.name)),
        'x-gatehouse-level': level ?? needs,
      },
    };
  }
  const summary = summarize(state, user.id);
  return {
    ok: false,
    app: { id: app.id, name: app.name },
    needs,
    level,
    reason: d.context.reason_user?.en ?? 'No group you are in grants this.',
    reasonCode: d.context.reason,
    whomToAsk: summary ? whomToAsk(summary) : null,
    admins: summary?.admins.map((a) => ({ name: a.name, email: a.email })) ?? [],
    requestAccess: summary ? requestAccessMailto(summary, app.name) : null,
  };
}

interface Entry {
  readonly state: WorkspaceState;
  readonly answer: Answer;
}

/** Credentials whose answers are kept, at most; past it the least recently added go first. */
export const MAX_CACHED_CREDENTIALS = 10_000;
/** Answers kept per credential (apps × levels), at most. */
export const MAX_ANSWERS_PER_CREDENTIAL = 64;

/** Forward-auth answers per (credential, app, level), valid for the state they were made from. */
export class ForwardAuthCache {
  private readonly byCredential = new Map<string, Map<string, Entry>>();

  constructor(private readonly maxCredentials = MAX_CACHED_CREDENTIALS) {}

  /** How many credentials have answers kept. */
  get size(): number {
    return this.byCredential.size;
  }

  /** The cached answer, or a new one from core (then kept). */
  answer(tokenHash: string, state: WorkspaceState, user: User, app: App, needs: ForwardLevel): Answer {
    let answers = this.byCredential.get(tokenHash);
    const key = `${app.id} ${needs}`;
    const hit = answers?.get(key);
    if (hit && hit.state === state) return hit.answer;
    const answer = answerFor(state, user, app, needs);
    if (!answers) {
      if (this.byCredential.size >= this.maxCredentials) {
        const oldest = this.byCredential.keys().next();
        if (!oldest.done) this.byCredential.delete(oldest.value);
      }
      this.byCredential.set(tokenHash, (answers = new Map()));
    } else if (!hit && answers.size >= MAX_ANSWERS_PER_CREDENTIAL) answers.clear();
    answers.set(key, { state, answer });
    return answer;
  }

  /** Drops every answer of a credential (its session or token is gone). */
  dropCredential(tokenHash: string): void {
    this.byCredential.delete(tokenHash);
  }
}
