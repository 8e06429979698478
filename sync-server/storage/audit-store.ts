/** The audit log: one row per committed change (sync update, REST command, repair), server-stamped. */

export interface AuditEntity {
  readonly collection: string;
  readonly id: string;
  readonly name?: string | undefined;
  readonly fields: readonly string[];
}

export interface AuditEntryInput {
  readonly workspaceId: string;
  readonly at: number;
  /** Account id, or null for the server itself (repairs). */
  readonly actorId: string | null;
  readonly actorEmail: string | null;
  readonly actorName: string | null;
  /** How the change came: `sync`, `api`, `server`. */
  readonly source: string;
  /** A command type (`group.create`), `doc.update` or `repair`. */
  readonly action: string;
  readonly entities: readonly AuditEntity[];
  readonly summary: string;
}

export interface AuditEntry extends AuditEntryInput {
  /** Increasing; the paging cursor. */
  readonly id: number;
}

export interface AuditQuery {
  readonly workspaceId: string;
  /** Account id or email. */
  readonly actor?: string | undefined;
  /** A collection (`groups`) or an entity id. */
  readonly entity?: string | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  /** Entries with id below this. */
  readonly before?: number | undefined;
  readonly limit: number;
}

export interface AuditStore {
  addAudit(entries: readonly AuditEntryInput[]): Promise<void>;
  queryAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Most recent entries touching an entity id, newest first (the server's own entries excepted). */
  recentAuditFor(
    workspaceId: string,
    entityIds: readonly string[],
    sinceMs: number,
    limit: number,
  ): Promise<AuditEntry[]>;
}
