/**
 * A sign-in through an SSO connection, end to end. `startSsoSignIn` keeps the flow's secrets server-side
 * (state as a hash, nonce, PKCE verifier; one use, FLOW_TTL_MS) and sends the browser to the provider.
 * `finishSsoSignIn` takes the flow back by its state (unknown, used or expired: refused before any call
 * to the provider), exchanges the code (openid-client checks nonce, PKCE, the ID token), checks who it
 * is (sso-identity.ts), finds or creates (JIT) the account and the user, syncs the connection's groups
 * (sso-group-sync.ts, each change audited with the connection as actor), then starts a session with the
 * server's ordinary session code.
 */
import type { IncomingMessage } from 'node:http';
import { conflictOps, newId, type User } from '../../../core/index.ts';
import { requestOrigin } from '../../auth/credentials.ts';
import { userByEmail } from '../../auth/member-of.ts';
import { hashToken } from '../../auth/tokens.ts';
import type { ServerContext } from '../../context.ts';
import type { Account } from '../../storage/account-store.ts';
import type { SsoConnection } from '../../storage/sso-store.ts';
import type { Workspace } from '../../storage/workspace-store.ts';
import type { Actor, LiveDoc } from '../../sync/live-doc.ts';
import { extensionIdOf } from './extension-handoff.ts';
import { authorizationStart, exchangeCode, ProviderError, providerConfig } from './oidc-client.ts';
import { describeStep, type SyncStep, syncSteps } from './sso-group-sync.ts';
import { type SsoIdentity, type SsoRefusal, ssoIdentity } from './sso-identity.ts';

/** How long a started sign-in may take at the provider. */
export const FLOW_TTL_MS = 10 * 60_000;
export const SSO_CALLBACK_PATH = '/api/sso/callback';

/** How the audit and conflicts name a connection. */
export const ssoActor = (c: Pick<SsoConnection, 'name'>): Actor => ({
  accountId: null,
  email: null,
  name: `SSO: ${c.name}`,
});

export const callbackUrl = (ctx: ServerContext, req: IncomingMessage) =>
  `${requestOrigin(req, ctx.config.publicUrl)}${SSO_CALLBACK_PATH}`;

const SAME_SERVER = 'http://gatehouse.invalid';

/**
 * Where a sign-in may return to: a path of this server, or the extension's own return URL; never another
 * site. A path is read the WHATWG way, as the browser will (it drops tabs and newlines, reads `\` as `/`),
 * and handed on as that URL's path, so `/\t/evil.test` is no way out.
 */
export function safeReturnTo(value: string | null, ws: Workspace): string {
  if (value && extensionIdOf(value)) return value;
  if (value?.startsWith('/')) {
    const url = URL.parse(value, SAME_SERVER);
    if (url?.origin === SAME_SERVER && url.pathname.startsWith('/') && !url.pathname.startsWith('//'))
      return `${url.pathname}${url.search}${url.hash}`;
  }
  return `/${ws.slug}`;
}

export async function startSsoSignIn(
  ctx: ServerContext,
  req: IncomingMessage,
  ws: Workspace,
  connection: SsoConnection,
  returnTo: string,
): Promise<URL> {
  const clientSecret = await ctx.storage.ssoClientSecret(ws.id, connection.id);
  const config = await providerConfig({
    issuer: connection.issuer,
    clientId: connection.clientId,
    clientSecret,
  });
  const start = await authorizationStart(config, callbackUrl(ctx, req), connection.scopes);
  const now = Date.now();
  // Flows nobody finished are dropped here (indexed by expiry): the table holds minutes of sign-ins.
  await ctx.storage.deleteExpiredSsoFlows(now);
  await ctx.storage.createSsoFlow({
    stateHash: hashToken(start.state),
    workspaceId: ws.id,
    connectionId: connection.id,
    nonce: start.nonce,
    codeVerifier: start.codeVerifier,
    returnTo,
    createdAt: now,
    expiresAt: now + FLOW_TTL_MS,
  });
  return start.url;
}

export type SsoOutcome =
  | { readonly ok: true; readonly account: Account; readonly workspace: Workspace; readonly returnTo: string }
  | { readonly ok: false; readonly code: SsoRefusal; readonly workspace: Workspace | null };

/** Refusals the sign-in log records (with the email when known). */
class Refused extends Error {
  constructor(
    readonly code: SsoRefusal,
    readonly email = '',
  ) {
    super(code);
  }
}

export async function finishSsoSignIn(
  ctx: ServerContext,
  req: IncomingMessage,
  url: URL,
): Promise<SsoOutcome> {
  const state = url.searchParams.get('state');
  const flow = state ? await ctx.storage.takeSsoFlow(hashToken(state), Date.now()) : null;
  if (!flow) return { ok: false, code: 'sign-in-expired', workspace: null };
  const workspace = await ctx.storage.workspaceById(flow.workspaceId);
  const connection = workspace && (await ctx.storage.ssoConnectionById(workspace.id, flow.connectionId));
  if (!workspace || !connection) return { ok: false, code: 'sign-in-expired', workspace };
  const log = (email: string, userId: string | null, outcome: string, changes: readonly string[]) =>
    ctx.storage.addSsoSignIn({
      connectionId: connection.id,
      at: Date.now(),
      email,
      userId,
      outcome,
      changes,
    });
  try {
    const claims = await providerClaims(ctx, req, url, workspace, connection, flow);
    const checked = ssoIdentity(connection, claims);
    if (!checked.ok) throw new Refused(checked.code, checked.email);
    const { account, user, changes } = await ctx.registry.with(workspace, (live) =>
      admit(ctx, live, connection, checked.identity),
    );
    await log(checked.identity.email, user.id, 'signed-in', changes);
    ctx.log.info(
      { account: account.id, workspace: workspace.slug, connection: connection.id },
      'signed in with SSO',
    );
    return { ok: true, account, workspace, returnTo: flow.returnTo };
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    await log(err.email, null, err.code, []);
    return { ok: false, code: err.code, workspace };
  }
}

async function providerClaims(
  ctx: ServerContext,
  req: IncomingMessage,
  url: URL,
  ws: Workspace,
  connection: SsoConnection,
  flow: { nonce: string; codeVerifier: string },
): Promise<Record<string, unknown>> {
  // The provider answers on our callback URL as it knows it (never the Host of a proxied request).
  const back = new URL(`${callbackUrl(ctx, req)}${url.search}`);
  try {
    if (url.searchParams.has('error')) throw new ProviderError('token', url.searchParams.get('error') ?? '');
    const clientSecret = await ctx.storage.ssoClientSecret(ws.id, connection.id);
    const config = await providerConfig({
      issuer: connection.issuer,
      clientId: connection.clientId,
      clientSecret,
    });
    return await exchangeCode(config, back, { state: url.searchParams.get('state')!, ...flow });
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    ctx.log.warn({ connection: connection.id, step: err.step, reason: err.message }, 'SSO sign-in refused');
    throw new Refused('sign-in-failed');
  }
}

/** Finds or creates (JIT) the user and the account, activates an invited user, then syncs groups. */
async function admit(
  ctx: ServerContext,
  live: LiveDoc,
  connection: SsoConnection,
  identity: SsoIdentity,
): Promise<{ account: Account; user: User; changes: string[] }> {
  const actor = ssoActor(connection);
  const changes: string[] = [];
  let user = userByEmail(live.state(), identity.email);
  if (user?.status === 'archived') throw new Refused('user-archived', identity.email);
  if (!user) {
    if (!connection.jit) throw new Refused('not-a-member', identity.email);
    const r = await live.submit(
      {
        kind: 'command',
        command: {
          type: 'user.invite',
          email: identity.email,
          name: identity.name,
          role: connection.jitRole,
          allowRoleChange: true,
        },
      },
      actor,
      'api',
    );
    if (!r.ok) throw new Error(`JIT creation failed: ${r.error.message}`);
    user = userByEmail(live.state(), identity.email)!;
    changes.push(`created (${connection.jitRole})`);
  }
  const account = await accountFor(ctx, identity);
  const self: Actor = { accountId: account.id, email: account.email, name: account.name };
  if (user.status === 'invited') {
    const r = await live.submit(
      { kind: 'command', command: { type: 'user.activate', userId: user.id }, trusted: true },
      self,
      'api',
    );
    if (!r.ok) throw new Error(`activation failed: ${r.error.message}`);
    changes.push('joined the workspace');
  } else if (!(await ctx.storage.hasJoined(live.workspace.id, account.id, user.id)))
    // The IdP vouches for the email: the account is this user's, as accepting an invitation proves.
    await ctx.storage.recordJoined({
      workspaceId: live.workspace.id,
      accountId: account.id,
      userId: user.id,
      at: Date.now(),
    });

  const groups = identity.groups;
  await ctx.storage.putSsoUserGroups({
    connectionId: connection.id,
    userId: user.id,
    groups,
    at: Date.now(),
  });
  if (!identity.groupsClaimPresent) changes.push(`no "${connection.groupsClaim}" claim: no IdP groups`);
  for (const step of syncSteps(live.state(), connection, user.id, groups))
    changes.push(await runStep(live, actor, user.id, step));
  await live.idle();
  return { account, user: live.state().users.get(user.id) ?? user, changes };
}

async function accountFor(ctx: ServerContext, identity: SsoIdentity): Promise<Account> {
  const existing = await ctx.storage.accountByEmail(identity.email);
  if (existing) {
    const { passwordHash: _, ...account } = existing;
    return account;
  }
  try {
    return await ctx.storage.createAccount({
      email: identity.email,
      name: identity.name,
      passwordHash: null,
    });
  } catch (err) {
    // Created meanwhile by a concurrent sign-in or invitation.
    const now = await ctx.storage.accountByEmail(identity.email);
    if (!now) throw err;
    const { passwordHash: _, ...account } = now;
    return account;
  }
}

/** Runs one step as the connection; an upgrade it may not make alone is held as a conflict. */
async function runStep(live: LiveDoc, actor: Actor, userId: string, step: SyncStep): Promise<string> {
  const r = await live.submit({ kind: 'command', command: step.command }, actor, 'api');
  if (r.ok) return describeStep(step);
  if (r.error.code !== 'role-change-needs-confirmation')
    return `not ${describeStep(step)}: ${r.error.message}`;
  const what = describeStep(step);
  const message =
    step.kind === 'join'
      ? `${actor.name} would add a user to ${step.groupName}, which makes them a Builder; its mapping's impact was not confirmed`
      : `${actor.name} would raise a user's role (${what}); its mapping's impact was not confirmed`;
  const now = Date.now();
  const entities = [
    { collection: 'users' as const, id: userId },
    ...(step.kind === 'join' ? [{ collection: 'groups' as const, id: step.groupId }] : []),
  ];
  const ops = conflictOps([
    {
      id: newId(),
      code: step.kind === 'join' ? 'end-user-in-builder-group' : 'sso-role-upgrade-held',
      message,
      entities,
      // The source rides along so that an admin's re-apply adds the membership as this connection's.
      edits: [
        {
          actor: actor.name ?? 'SSO',
          at: now,
          summary: what,
          source: step.command.type === 'group.addMembers' ? step.command.source : undefined,
        },
      ],
      repair: 'Nothing was changed: an admin may apply it, or confirm the mapping',
      createdAt: now,
    },
  ]);
  const held = await live.submit({ kind: 'ops', ops, action: 'sso.hold' }, actor, 'api');
  return held.ok ? `held for an admin: ${what}` : `not ${what}: ${r.error.message}`;
}
