/** The commands every shell runs (admin app, REST API, demo seeding): one union, discriminated by `type`. */
import type { AppLevel, Flags, MembershipSource, Role } from '../model.ts';
import type { GrantDraft } from '../rules/grants.ts';

export interface DuplicateParts {
  readonly users: boolean;
  readonly permissions: boolean;
  readonly apps: boolean;
  readonly dataSources: boolean;
}

export type CommandBody =
  | { readonly type: 'group.create'; readonly name: string }
  | { readonly type: 'group.rename'; readonly groupId: string; readonly name: string }
  | { readonly type: 'group.delete'; readonly groupId: string }
  | { readonly type: 'group.duplicate'; readonly groupId: string; readonly parts: DuplicateParts }
  | {
      readonly type: 'group.addMembers';
      readonly groupId: string;
      readonly userIds: readonly string[];
      /** Default `manual`; an SSO or SCIM connection names itself (`sso:<id>`, `scim:<id>`). */
      readonly source?: MembershipSource | undefined;
      /** Epoch ms after now; omitted: permanent. */
      readonly expiresAt?: number | undefined;
    }
  | {
      readonly type: 'group.removeMember';
      readonly groupId: string;
      readonly userId: string;
      /** Only this source's membership; omitted: every source (the user leaves the group). */
      readonly source?: MembershipSource | undefined;
    }
  | {
      /** Extend, shorten or make permanent (`expiresAt: null`) one source's membership (default manual). */
      readonly type: 'group.setMemberExpiry';
      readonly groupId: string;
      readonly userId: string;
      readonly source?: MembershipSource | undefined;
      readonly expiresAt: number | null;
    }
  | { readonly type: 'group.setFlags'; readonly groupId: string; readonly flags: Partial<Flags> }
  | { readonly type: 'grant.add'; readonly groupId: string; readonly grant: GrantDraft }
  | {
      readonly type: 'grant.update';
      readonly groupId: string;
      readonly grantId: string;
      readonly patch: Partial<GrantDraft>;
    }
  | { readonly type: 'grant.remove'; readonly groupId: string; readonly grantId: string }
  | { readonly type: 'user.invite'; readonly email: string; readonly name: string; readonly role: Role }
  | { readonly type: 'user.setRole'; readonly userId: string; readonly role: Role }
  | { readonly type: 'user.archive'; readonly userId: string }
  | { readonly type: 'user.restore'; readonly userId: string }
  | { readonly type: 'user.activate'; readonly userId: string }
  | { readonly type: 'user.rename'; readonly userId: string; readonly name: string }
  | {
      readonly type: 'app.create';
      readonly name: string;
      readonly slug?: string | undefined;
      readonly urlPatterns?: readonly string[] | undefined;
      /** See App.forwardAuthLevel; null or unset: by method. */
      readonly forwardAuthLevel?: AppLevel | null | undefined;
    }
  | {
      readonly type: 'app.update';
      readonly appId: string;
      readonly name?: string | undefined;
      readonly slug?: string | undefined;
      readonly urlPatterns?: readonly string[] | undefined;
      /** See App.forwardAuthLevel; null: back to by method. */
      readonly forwardAuthLevel?: AppLevel | null | undefined;
    }
  | { readonly type: 'app.delete'; readonly appId: string }
  | { readonly type: 'dataSource.create'; readonly name: string; readonly kind: string }
  | {
      readonly type: 'dataSource.update';
      readonly dataSourceId: string;
      readonly name?: string | undefined;
      readonly kind?: string | undefined;
    }
  | { readonly type: 'dataSource.delete'; readonly dataSourceId: string }
  | { readonly type: 'conflict.resolve'; readonly conflictId: string };

/** Any command may carry the admin's consent to the role changes it causes (rule 4). */
export type Command = CommandBody & { readonly allowRoleChange?: boolean | undefined };
export type CommandType = Command['type'];

export interface CommandContext {
  /** Milliseconds since the epoch; defaults to Date.now(). */
  readonly now?: number | undefined;
  /** Id factory (tests pass a deterministic one). */
  readonly newId?: (() => string) | undefined;
  /**
   * The server's own command (accepting an invitation, creating a workspace): may activate a user.
   * Everything an admin sends — from the admin app or REST — is planned untrusted.
   */
  readonly trusted?: boolean | undefined;
}
