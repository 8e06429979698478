/**
 * Revocation across instances: logout, token revocation and revoked sessions close the matching sockets
 * and event streams here (as ConnectionRegistry does) and, over pub/sub `gh:revoke`, on every other
 * instance. The sessions themselves are deleted in PostgreSQL by whoever revokes them; the periodic
 * credential recheck stays as the backstop when Redis is down.
 */
import { type CloseReason, ConnectionRegistry } from '../auth/connections.ts';
import type { ClusterNode } from './cluster-node.ts';

const CHANNEL = 'gh:revoke';

type Revocation =
  | { readonly kind: 'token'; readonly value: string }
  | { readonly kind: 'token-id'; readonly value: string }
  | {
      readonly kind: 'account';
      readonly value: string;
      readonly reason: CloseReason;
      readonly workspaceId?: string | undefined;
    };

export class ClusterConnections extends ConnectionRegistry {
  private node: ClusterNode | null = null;

  attach(node: ClusterNode): void {
    this.node = node;
    node.onChannel(CHANNEL, (message) => this.received(message));
  }

  override closeOfToken(tokenHash: string): number {
    this.announce({ kind: 'token', value: tokenHash });
    return super.closeOfToken(tokenHash);
  }

  override closeOfTokenId(tokenId: string): number {
    this.announce({ kind: 'token-id', value: tokenId });
    return super.closeOfTokenId(tokenId);
  }

  override closeOfAccount(accountId: string, reason: CloseReason, workspaceId?: string): number {
    this.announce({ kind: 'account', value: accountId, reason, workspaceId });
    return super.closeOfAccount(accountId, reason, workspaceId);
  }

  private announce(r: Revocation): void {
    this.node?.publishMessage(CHANNEL, JSON.stringify({ from: this.node.instance, ...r }));
  }

  private received(message: string): void {
    let r: (Revocation & { from?: unknown }) | null = null;
    try {
      r = JSON.parse(message) as Revocation & { from?: unknown };
    } catch {
      return;
    }
    if (!r || r.from === this.node?.instance || typeof r.value !== 'string') return;
    if (r.kind === 'token') super.closeOfToken(r.value);
    else if (r.kind === 'token-id') super.closeOfTokenId(r.value);
    else if (r.kind === 'account')
      super.closeOfAccount(
        r.value,
        r.reason === 'no-access' || r.reason === 'demoted' ? r.reason : 'signed-out',
        typeof r.workspaceId === 'string' ? r.workspaceId : undefined,
      );
  }
}
