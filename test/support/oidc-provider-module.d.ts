/** oidc-provider 9 ships no types: the little of it the test OpenID Provider uses (test/support/oidc-provider.ts). */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ClaimsAccount {
    readonly accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>>;
  }
  export interface GrantInstance {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }
  export interface ProviderContext {
    readonly oidc: {
      readonly client: { readonly clientId: string };
      readonly session: { readonly accountId: string; grantIdFor(clientId: string): string | undefined };
      readonly result?: { readonly consent?: { readonly grantId?: string } };
      readonly provider: Provider;
    };
  }
  export interface Configuration {
    clients?: readonly Record<string, unknown>[];
    findAccount?: (ctx: ProviderContext, sub: string) => Promise<ClaimsAccount | undefined>;
    loadExistingGrant?: (ctx: ProviderContext) => Promise<GrantInstance | undefined>;
    claims?: Record<string, readonly string[]>;
    conformIdTokenClaims?: boolean;
    features?: Record<string, unknown>;
    cookies?: { keys?: readonly string[] };
    pkce?: { required?: () => boolean };
    [key: string]: unknown;
  }
  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    Grant: {
      new (init: { clientId: string; accountId: string }): GrantInstance;
      find(id: string): Promise<GrantInstance | undefined>;
    };
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  export default Provider;
}
