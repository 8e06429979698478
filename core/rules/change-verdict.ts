/**
 * The shared part of checkChange (change-rules.ts): what it is given (the touched entities, the mode) and
 * the verdict it builds (violations with their code, path and message).
 */
import type { ErrorCode, GatehouseError, Result } from '../errors.ts';
import type { WorkspaceState } from '../model.ts';

/** The entities a change touched, by collection. */
export interface Touched {
  readonly users: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  readonly apps: ReadonlySet<string>;
  readonly dataSources: ReadonlySet<string>;
  readonly conflicts: ReadonlySet<string>;
  readonly meta: boolean;
  /** Nested maps written (`groups.<id>.members`, `groups.<id>.grants.<grantId>.resources`); sync only. */
  readonly nestedSet?: readonly string[] | undefined;
}

export interface ChangeCheckOptions {
  /** `strict` for commands and live updates; `merge` for an offline replica's catch-up (see above). */
  readonly mode: 'strict' | 'merge';
  /** The server's own writes (accepting an invitation, repair): may activate users and write conflicts. */
  readonly trusted?: boolean | undefined;
}

export interface ChangeViolation extends GatehouseError {
  /** Where, as `collection.id[.field]`. */
  readonly path: string;
}

const MAX_VIOLATIONS = 20;

export class Verdict {
  readonly out: ChangeViolation[] = [];
  constructor(
    readonly before: WorkspaceState,
    readonly after: WorkspaceState,
    readonly options: ChangeCheckOptions,
  ) {}
  get strict(): boolean {
    return this.options.mode === 'strict';
  }
  get trusted(): boolean {
    return this.options.trusted === true;
  }
  add(path: string, code: ErrorCode, message: string): void {
    if (this.out.length < MAX_VIOLATIONS) this.out.push({ path, code, message });
  }
  /** A field's stored form must be what its check makes of it (a command stores exactly that). */
  format(path: string, value: unknown, check: (v: string) => Result<string>): void {
    if (typeof value !== 'string') {
      this.add(path, 'invalid-input', 'must be text');
      return;
    }
    const r = check(value);
    if (!r.ok) this.add(path, r.error.code, r.error.message);
    else if (r.value !== value) this.add(path, 'invalid-input', 'must be stored trimmed and normalized');
  }
  private emailCounts: Map<string, number> | null = null;
  /** Users with this email that are not archived, after the change (counted once per check). */
  unarchivedWithEmail(email: string): number {
    if (!this.emailCounts) {
      this.emailCounts = new Map();
      for (const u of this.after.users.values())
        if (u.status !== 'archived') this.emailCounts.set(u.email, (this.emailCounts.get(u.email) ?? 0) + 1);
    }
    return this.emailCounts.get(email) ?? 0;
  }
  immutable(path: string, was: unknown, now: unknown, what: string): void {
    if (was !== now) this.add(path, 'immutable-field', `${what} never changes`);
  }
}
