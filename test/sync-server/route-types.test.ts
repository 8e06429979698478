/**
 * Routes are typed by auth level and path (http/route.ts): the handler's `params` has exactly the path's
 * names, `scope` is set for the workspace levels and null otherwise, `principal` is set unless public.
 * Checked by tsc (`@ts-expect-error` lines fail the typecheck when the error goes away).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Principal } from '../../sync-server/auth/authenticate.ts';
import {
  type DecisionScope,
  type PathParams,
  route,
  type WorkspaceScope,
} from '../../sync-server/http/route.ts';

const reply = { status: 204 } as const;
const base = { method: 'GET', summary: 's', tag: 't', reply } as const;

describe('route types', () => {
  it('infers params from the path', () => {
    expectTypeOf<PathParams<'/api/workspaces/:ws/groups/:id/members/:userId'>>().toEqualTypeOf<{
      readonly ws: string;
      readonly id: string;
      readonly userId: string;
    }>();
    expectTypeOf<keyof PathParams<'/api/me'>>().toEqualTypeOf<never>();
  });

  it('gives admin and member routes a scope and a principal, and only the path’s params', () => {
    const r = route({
      ...base,
      path: '/api/workspaces/:ws/groups/:id',
      auth: 'admin',
      handler: async ({ scope, principal, params }) => {
        expectTypeOf(scope).toEqualTypeOf<WorkspaceScope>();
        expectTypeOf(principal).toEqualTypeOf<Principal>();
        expectTypeOf(params.id).toEqualTypeOf<string>();
        // @ts-expect-error no such parameter in the path
        void params.userId;
        return undefined;
      },
    });
    expect(r.auth).toBe('admin');
  });

  it('gives account routes a principal and no scope; public routes maybe a principal', () => {
    route({
      ...base,
      path: '/api/me',
      auth: 'account',
      handler: async ({ scope, principal }) => {
        expectTypeOf(scope).toEqualTypeOf<null>();
        expectTypeOf(principal).toEqualTypeOf<Principal>();
        return undefined;
      },
    });
    route({
      ...base,
      path: '/api/invitations/:token',
      auth: 'none',
      handler: async ({ principal, params }) => {
        expectTypeOf(principal).toEqualTypeOf<Principal | null>();
        expectTypeOf(params).toEqualTypeOf<{ readonly token: string }>();
        return undefined;
      },
    });
  });

  it('gives decision routes (a decision token may call them) a DecisionScope and maybe no principal', () => {
    const r = route({
      ...base,
      path: '/api/workspaces/:ws/authzen/x',
      auth: 'member',
      decisionTokens: true,
      handler: async ({ scope, principal }) => {
        expectTypeOf(scope).toEqualTypeOf<DecisionScope>();
        expectTypeOf(principal).toEqualTypeOf<Principal | null>();
        // @ts-expect-error a decision token has no user: the asker says who asks
        void scope.user;
        if (scope.asker.kind === 'member') expectTypeOf(scope.asker.user.id).toEqualTypeOf<string>();
        return undefined;
      },
    });
    expect(r.decisionTokens).toBe(true);
  });
});
