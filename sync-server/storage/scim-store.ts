/**
 * SCIM 2.0 provisioning (issue 13): per workspace, SCIM connections (one per identity provider), their
 * bearer tokens (stored as SHA-256 only), the links between a connection's resources and Gatehouse's
 * users and groups (what the IdP calls them: externalId, userName, name parts), and a short log of the
 * requests each connection made (the Provisioning page's "recent requests").
 *
 * The users and groups themselves live in the workspace doc and change through core commands only; a
 * link only remembers what SCIM says about them that the doc does not hold.
 */

export interface ScimConnection {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  /**
   * A change by this connection that would make an End-user a Builder (a group membership, a role) is
   * made only when true; otherwise it is held as a conflict for an admin (SPEC rule 4).
   */
  readonly mayUpgradeRoles: boolean;
  /** The admin (account id) who confirmed the impact of turning mayUpgradeRoles on, and when. */
  readonly upgradeConfirmedBy: string | null;
  readonly upgradeConfirmedAt: number | null;
  readonly createdAt: number;
}

export interface ScimToken {
  readonly id: string;
  readonly connectionId: string;
  readonly workspaceId: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export type ScimResourceKind = 'user' | 'group';

/** What SCIM says about one Gatehouse user or group that the doc does not hold. */
export interface ScimLink {
  readonly connectionId: string;
  readonly kind: ScimResourceKind;
  /** The Gatehouse user or group id (the SCIM `id`). */
  readonly resourceId: string;
  readonly externalId: string | null;
  /** Users: the IdP's userName (lower-cased; may differ from the email). */
  readonly userName: string | null;
  /** Users: `name.givenName`, `name.familyName`, `name.formatted` as last sent. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ScimRequestEntry {
  readonly connectionId: string;
  readonly at: number;
  readonly method: string;
  /** The path below `/scim/v2` (no query string). */
  readonly path: string;
  readonly status: number;
  /** What happened, in a few words (`created user nia@x.test`, the SCIM error's detail). */
  readonly outcome: string;
}

export interface ScimRequest extends ScimRequestEntry {
  readonly id: number;
}

/** Requests kept per connection (older ones are dropped as new ones arrive). */
export const SCIM_REQUESTS_KEPT = 200;

export interface ScimStore {
  createScimConnection(input: { workspaceId: string; name: string }): Promise<ScimConnection>;
  listScimConnections(workspaceId: string): Promise<ScimConnection[]>;
  scimConnectionById(workspaceId: string, id: string): Promise<ScimConnection | null>;
  /** Null when there is no such connection in the workspace. */
  updateScimConnection(
    workspaceId: string,
    id: string,
    patch: {
      name?: string | undefined;
      mayUpgradeRoles?: { value: boolean; by: string; at: number } | undefined;
    },
  ): Promise<ScimConnection | null>;
  /** Deletes the connection with its tokens, links and request log. */
  deleteScimConnection(workspaceId: string, id: string): Promise<boolean>;

  createScimToken(input: {
    connectionId: string;
    workspaceId: string;
    tokenHash: string;
  }): Promise<ScimToken>;
  listScimTokens(workspaceId: string, connectionId: string): Promise<ScimToken[]>;
  scimTokenByHash(tokenHash: string): Promise<ScimToken | null>;
  touchScimToken(id: string, at: number): Promise<void>;
  deleteScimToken(workspaceId: string, connectionId: string, id: string): Promise<boolean>;

  /** Creates or replaces the link of (connection, kind, resource). */
  putScimLink(link: ScimLink): Promise<void>;
  /** The connection's links of `kind`: all of them, or those of `resourceIds`. */
  scimLinks(
    connectionId: string,
    kind: ScimResourceKind,
    resourceIds?: readonly string[],
  ): Promise<ScimLink[]>;
  scimLinkByExternalId(
    connectionId: string,
    kind: ScimResourceKind,
    externalId: string,
  ): Promise<ScimLink | null>;
  scimLinkByUserName(connectionId: string, userName: string): Promise<ScimLink | null>;
  deleteScimLink(connectionId: string, kind: ScimResourceKind, resourceId: string): Promise<void>;

  addScimRequest(entry: ScimRequestEntry): Promise<void>;
  /** Newest first. */
  recentScimRequests(connectionId: string, limit: number): Promise<ScimRequest[]>;
}
