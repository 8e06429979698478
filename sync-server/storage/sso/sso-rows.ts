/** SSO rows as both backends return them, turned into the store's types (one mapping for both). */
import { newRowId } from '../row-id.ts';
import type { Row } from '../rows.ts';
import type {
  SsoConnection,
  SsoConnectionSettings,
  SsoFlow,
  SsoSignIn,
  SsoUserGroups,
} from '../sso-store.ts';

const num = (v: unknown): number => Number(v);
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export function toSsoConnection(r: Row): SsoConnection {
  return {
    ...json<SsoConnectionSettings>(r.settings),
    id: String(r.id),
    workspaceId: String(r.workspace_id),
    hasSecret: r.client_secret !== null && r.client_secret !== undefined,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

/** Only the settings' own fields are stored (an object with more keys is not copied through). */
export function settingsJson(s: SsoConnectionSettings): string {
  const { name, issuer, clientId, scopes, groupsClaim, allowedDomains, authoritativeDomains } = s;
  const { jit, jitRole, mappings } = s;
  return JSON.stringify({
    name,
    issuer,
    clientId,
    scopes,
    groupsClaim,
    allowedDomains,
    authoritativeDomains,
    jit,
    jitRole,
    mappings: mappings.map(({ idpGroup, groupId, role, confirmedBy, confirmedAt }) => ({
      idpGroup,
      groupId,
      role,
      confirmedBy,
      confirmedAt,
    })),
  });
}

export function newSsoConnection(
  workspaceId: string,
  settings: SsoConnectionSettings,
  hasSecret: boolean,
): SsoConnection {
  const now = Date.now();
  const stored = JSON.parse(settingsJson(settings)) as SsoConnectionSettings;
  return { ...stored, id: newRowId(), workspaceId, hasSecret, createdAt: now, updatedAt: now };
}

export function toSsoFlow(r: Row): SsoFlow {
  return {
    stateHash: String(r.state_hash),
    workspaceId: String(r.workspace_id),
    connectionId: String(r.connection_id),
    nonce: String(r.nonce),
    codeVerifier: String(r.code_verifier),
    returnTo: String(r.return_to),
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
  };
}

export const flowParams = (f: SsoFlow): unknown[] => [
  f.stateHash,
  f.workspaceId,
  f.connectionId,
  f.nonce,
  f.codeVerifier,
  f.returnTo,
  f.createdAt,
  f.expiresAt,
];

export function toSsoUserGroups(r: Row): SsoUserGroups {
  return {
    connectionId: String(r.connection_id),
    userId: String(r.user_id),
    groups: json<string[]>(r.idp_groups),
    at: num(r.at),
  };
}

export function toSsoSignIn(r: Row): SsoSignIn {
  return {
    id: num(r.id),
    connectionId: String(r.connection_id),
    at: num(r.at),
    email: String(r.email),
    userId: r.user_id === null || r.user_id === undefined ? null : String(r.user_id),
    outcome: String(r.outcome),
    changes: json<string[]>(r.changes),
  };
}

/** The table definitions; `${int}` is the 64-bit integer type, `${bool}` the boolean one, `${serial}` the log's key. */
export function ssoSchemaSql(types: { int: string; bool: string; serial: string; json: string }): string {
  const { int, bool, serial, json } = types;
  return `
CREATE TABLE IF NOT EXISTS sso_connections (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  settings ${json} NOT NULL,              -- SsoConnectionSettings (sso-store.ts)
  client_secret TEXT,                     -- never returned by the API
  created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL
);
CREATE INDEX IF NOT EXISTS sso_connections_ws ON sso_connections(workspace_id);
CREATE TABLE IF NOT EXISTS sso_policies (
  workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
  password_sign_in ${bool} NOT NULL
);
CREATE TABLE IF NOT EXISTS sso_flows (
  state_hash TEXT PRIMARY KEY,            -- SHA-256 of the state parameter, hex
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  connection_id TEXT NOT NULL REFERENCES sso_connections(id) ON DELETE CASCADE,
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  return_to TEXT NOT NULL,
  created_at ${int} NOT NULL,
  expires_at ${int} NOT NULL
);
CREATE INDEX IF NOT EXISTS sso_flows_expires ON sso_flows(expires_at);
CREATE TABLE IF NOT EXISTS sso_user_groups (
  connection_id TEXT NOT NULL REFERENCES sso_connections(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  idp_groups ${json} NOT NULL,            -- ["Engineering", …]
  at ${int} NOT NULL,
  PRIMARY KEY (connection_id, user_id)
);
CREATE TABLE IF NOT EXISTS sso_sign_ins (
  id ${serial},
  connection_id TEXT NOT NULL REFERENCES sso_connections(id) ON DELETE CASCADE,
  at ${int} NOT NULL,
  email TEXT NOT NULL,
  user_id TEXT,
  outcome TEXT NOT NULL,
  changes ${json} NOT NULL
);
CREATE INDEX IF NOT EXISTS sso_sign_ins_connection ON sso_sign_ins(connection_id, id);
`;
}

/** Sessions started by an SSO sign-in (a later migration than the rest: its own statement). */
export function ssoSessionsSql(int: string): string {
  return `
CREATE TABLE IF NOT EXISTS sso_sessions (
  token_hash TEXT PRIMARY KEY,            -- the session's token hash (sessions.token_hash)
  expires_at ${int} NOT NULL
);
CREATE INDEX IF NOT EXISTS sso_sessions_expires ON sso_sessions(expires_at);
`;
}
