/**
 * A REST route, typed by what the router guarantees before its handler runs: `route({ auth, path,
 * handler })` infers a request context whose `principal` is set unless `auth` is `none`, whose `scope` is
 * set for the workspace levels (`member`, `admin`), and whose `params` has exactly the `:names` of `path`.
 * A route with `decisionTokens: true` (the decision endpoints) also takes a decision token of `:ws`: its
 * context then has a `DecisionScope` whose asker is that member or that token.
 * The router (router.ts) enforces auth and the body schema; the same table generates /api/openapi.json.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { User } from '../../core/index.ts';
import type { Principal } from '../auth/authenticate.ts';
import type { ServerContext } from '../context.ts';
import type { DecisionToken } from '../storage/decision-token-store.ts';
import type { Workspace } from '../storage/workspace-store.ts';
import type { Actor, LiveDoc } from '../sync/live-doc.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** none: public; account: signed in; member: active user of `:ws`; admin: active admin of `:ws`. */
export type AuthLevel = 'none' | 'account' | 'member' | 'admin';
/** The levels that resolve the `:ws` workspace and the caller's user in it. */
export type WorkspaceLevel = 'member' | 'admin';

export interface WorkspaceScope {
  readonly workspace: Workspace;
  readonly live: LiveDoc;
  readonly user: User;
  readonly actor: Actor;
}

/**
 * Who asks a decision route: an active member of `:ws` (with their own rights: admins about anyone,
 * others about themselves), or a decision token of `:ws` (no rights of its own: it asks about the subject
 * in the request, like an admin would, and can do nothing else).
 */
export type Asker =
  | { readonly kind: 'member'; readonly user: User; readonly actor: Actor }
  | { readonly kind: 'decision-token'; readonly token: DecisionToken };

export interface DecisionScope {
  readonly workspace: Workspace;
  readonly live: LiveDoc;
  readonly asker: Asker;
}

/** The `:name` segments of a path: `'/a/:ws/b/:id'` → `'ws' | 'id'`. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;
export type PathParams<P extends string> = { readonly [K in ParamNames<P>]: string };

/** Who the caller is: null only on public routes (and there only when signed in). */
export type PrincipalAt<A extends AuthLevel> = A extends 'none' ? Principal | null : Principal;
/** The workspace and the caller's user in it, for the workspace levels. */
export type ScopeAt<A extends AuthLevel> = A extends WorkspaceLevel ? WorkspaceScope : null;

export interface RequestContext<
  B = unknown,
  P extends string = string,
  A extends AuthLevel = AuthLevel,
  D extends boolean = false,
> {
  readonly ctx: ServerContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: PathParams<P>;
  readonly query: URLSearchParams;
  readonly body: B;
  /** Null on a decision route when a decision token asks (it belongs to no account). */
  readonly principal: D extends true ? Principal | null : PrincipalAt<A>;
  readonly scope: D extends true ? DecisionScope : ScopeAt<A>;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface RouteReply {
  readonly status: 200 | 201 | 204;
  /** The JSON body's schema; none when the reply has no body. */
  readonly body?: z.ZodType;
  /** A reply that is not JSON (CSV, server-sent events), by content type. */
  readonly other?: string;
  /** Sends an ETag and answers 304 (no body) to a matching If-None-Match. */
  readonly etag?: boolean;
}

export interface RouteSpec<B, P extends string, A extends AuthLevel, D extends boolean = false> {
  readonly method: Method;
  readonly path: P;
  readonly summary: string;
  readonly tag: string;
  readonly auth: A;
  /** True: a decision token of `:ws` may call it too (the decision endpoints only); `auth` is for people. */
  readonly decisionTokens?: D;
  readonly body?: z.ZodType<B>;
  /** Query parameters, for the OpenAPI document only. */
  readonly queryParams?: readonly { name: string; description: string }[];
  /** The success reply, for the OpenAPI document (replies.ts; tests hold real replies to it). */
  readonly reply: RouteReply;
  /** Handler returns nothing when it wrote the response itself (SSE, CSV). */
  readonly handler: (rc: RequestContext<B, P, A, D>) => Promise<Reply | undefined>;
}

/** A route in the table, its handler's types erased (the router supplies what `auth` and `path` promise). */
export interface Route extends Omit<RouteSpec<unknown, string, AuthLevel, boolean>, 'handler'> {
  readonly handler: (rc: RequestContext<unknown, string, AuthLevel, boolean>) => Promise<Reply | undefined>;
}

export function route<
  B = unknown,
  const P extends string = string,
  const A extends AuthLevel = AuthLevel,
  const D extends boolean = false,
>(r: RouteSpec<B, P, A, D>): Route {
  return r as unknown as Route;
}
