/** SCIM rows as both backends return them, turned into the store's types (one mapping for both). */
import { newRowId } from '../row-id.ts';
import type { Row } from '../rows.ts';
import type { ScimConnection, ScimLink, ScimRequest, ScimResourceKind, ScimToken } from '../scim-store.ts';

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toScimConnection(r: Row): ScimConnection {
  return {
    id: String(r.id),
    workspaceId: String(r.workspace_id),
    name: String(r.name),
    mayUpgradeRoles: r.may_upgrade_roles === true || r.may_upgrade_roles === 1,
    upgradeConfirmedBy: strOrNull(r.upgrade_confirmed_by),
    upgradeConfirmedAt: numOrNull(r.upgrade_confirmed_at),
    createdAt: num(r.created_at),
  };
}

export function toScimToken(r: Row): ScimToken {
  return {
    id: String(r.id),
    connectionId: String(r.connection_id),
    workspaceId: String(r.workspace_id),
    createdAt: num(r.created_at),
    lastUsedAt: numOrNull(r.last_used_at),
  };
}

export function toScimLink(r: Row): ScimLink {
  const raw = r.attributes;
  const attributes = (typeof raw === 'string' ? JSON.parse(raw) : (raw ?? {})) as Record<string, string>;
  return {
    connectionId: String(r.connection_id),
    kind: String(r.kind) as ScimResourceKind,
    resourceId: String(r.resource_id),
    externalId: strOrNull(r.external_id),
    userName: strOrNull(r.user_name),
    attributes,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toScimRequest(r: Row): ScimRequest {
  return {
    id: num(r.id),
    connectionId: String(r.connection_id),
    at: num(r.at),
    method: String(r.method),
    path: String(r.path),
    status: num(r.status),
    outcome: String(r.outcome),
  };
}

/** A link as the INSERT's parameters, in the column order of scim_links. */
export function linkParams(l: ScimLink): unknown[] {
  const { connectionId, kind, resourceId, externalId, userName, createdAt, updatedAt } = l;
  return [
    connectionId,
    kind,
    resourceId,
    externalId,
    userName,
    JSON.stringify(l.attributes),
    createdAt,
    updatedAt,
  ];
}

export function newScimConnection(input: { workspaceId: string; name: string }): ScimConnection {
  return {
    id: newRowId(),
    workspaceId: input.workspaceId,
    name: input.name,
    mayUpgradeRoles: false,
    upgradeConfirmedBy: null,
    upgradeConfirmedAt: null,
    createdAt: Date.now(),
  };
}

export function newScimToken(input: { connectionId: string; workspaceId: string }): ScimToken {
  const { connectionId, workspaceId } = input;
  return { id: newRowId(), connectionId, workspaceId, createdAt: Date.now(), lastUsedAt: null };
}

/** The table definitions; `${int}` is the 64-bit integer type, `${bool}` the boolean one, `${serial}` the log's key. */
export function scimSchemaSql(types: { int: string; bool: string; serial: string; json: string }): string {
  const { int, bool, serial, json } = types;
  return `
CREATE TABLE IF NOT EXISTS scim_connections (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  may_upgrade_roles ${bool} NOT NULL,
  upgrade_confirmed_by TEXT,
  upgrade_confirmed_at ${int},
  created_at ${int} NOT NULL
);
CREATE INDEX IF NOT EXISTS scim_connections_ws ON scim_connections(workspace_id);
CREATE TABLE IF NOT EXISTS scim_tokens (
  id TEXT PRIMARY KEY,
  connection_id TEXT NOT NULL REFERENCES scim_connections(id) ON DELETE CASCADE,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  token_hash TEXT NOT NULL UNIQUE,        -- SHA-256 of the bearer token, hex
  created_at ${int} NOT NULL,
  last_used_at ${int}
);
CREATE INDEX IF NOT EXISTS scim_tokens_connection ON scim_tokens(connection_id);
CREATE TABLE IF NOT EXISTS scim_links (
  connection_id TEXT NOT NULL REFERENCES scim_connections(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,                     -- user | group
  resource_id TEXT NOT NULL,              -- the Gatehouse user or group id
  external_id TEXT,
  user_name TEXT,                         -- lower-cased
  attributes ${json} NOT NULL,            -- {"givenName": …}
  created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL,
  PRIMARY KEY (connection_id, kind, resource_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS scim_links_external ON scim_links(connection_id, kind, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS scim_links_user_name ON scim_links(connection_id, user_name) WHERE user_name IS NOT NULL;
CREATE TABLE IF NOT EXISTS scim_requests (
  id ${serial},
  connection_id TEXT NOT NULL REFERENCES scim_connections(id) ON DELETE CASCADE,
  at ${int} NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  outcome TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS scim_requests_connection ON scim_requests(connection_id, id);
`;
}
