/**
 * Access requests (SPEC §11, issue 16): a person asks for a level on an app or a data source, with a
 * reason and an optional duration; an admin approves (a membership of the proposed or another group,
 * possibly temporary) or denies. Requests live in the workspace doc's `requests` root, one plain value per
 * request written whole by the server only (the sync server refuses any client write there): admins see
 * them live and offline like the rest of the workspace, on every storage backend, and a requester reaches
 * only their own through REST. This module is the shape (`readRequest` never throws on junk: a value that
 * is not a request reads as none) and the request's ops.
 */
import type * as Y from 'yjs';
import { REQUESTS_ROOT } from '../doc/schema.ts';
import { APP_LEVELS, DATA_SOURCE_LEVELS, type Level, type ResourceType } from '../model.ts';

export const REQUESTS = REQUESTS_ROOT;

export const REQUEST_STATUSES = ['open', 'approved', 'denied', 'cancelled'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

const DAY_MS = 86_400_000;
/** The durations a person may ask for (null: until revoked). */
export const REQUEST_DURATIONS = { '1d': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS } as const;
export type RequestDuration = keyof typeof REQUEST_DURATIONS;
export const MAX_REASON = 500;

export interface AccessRequest {
  readonly id: string;
  readonly userId: string;
  readonly resourceType: ResourceType;
  readonly resourceId: string;
  readonly level: Level;
  readonly reason: string;
  /** How long the access is asked for; null: until revoked. */
  readonly duration: RequestDuration | null;
  /** The group proposed to grant it (the requester's pick among core's suggestions). */
  readonly groupId: string;
  readonly status: RequestStatus;
  readonly createdAt: number;
  /** Set once decided (or cancelled). */
  readonly decidedAt: number | null;
  /** The admin who decided, by name (or email). */
  readonly decidedBy: string | null;
  /** Approved: the group the admin granted (maybe another) and until when (null: permanent). */
  readonly grantedGroupId: string | null;
  readonly expiresAt: number | null;
  /** Denied: the admin's reason. */
  readonly decisionReason: string | null;
}

const str = (v: unknown, max = 200): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const time = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const orNull = <T>(v: unknown, ok: (x: unknown) => x is T): T | null | undefined =>
  v === null ? null : ok(v) ? v : undefined;
const isStatus = (v: unknown): v is RequestStatus => REQUEST_STATUSES.includes(v as RequestStatus);
const isDuration = (v: unknown): v is RequestDuration =>
  typeof v === 'string' && Object.hasOwn(REQUEST_DURATIONS, v);
/** The levels of each resource type. */
export const LEVELS_BY_TYPE: Readonly<Record<ResourceType, readonly Level[]>> = {
  app: APP_LEVELS,
  dataSource: DATA_SOURCE_LEVELS,
};

/** A stored value read as a request, or null when it is not one (the validation refuses such a value). */
export function readRequest(id: string, v: unknown): AccessRequest | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const r = v as Record<string, unknown>;
  const type = r.resourceType;
  if (type !== 'app' && type !== 'dataSource') return null;
  if (!LEVELS_BY_TYPE[type].includes(r.level as Level)) return null;
  const duration = orNull(r.duration, isDuration);
  const decidedAt = orNull(r.decidedAt, time);
  const decidedBy = orNull(r.decidedBy, (x): x is string => str(x, 254));
  const granted = orNull(r.grantedGroupId, (x): x is string => str(x));
  const expiresAt = orNull(r.expiresAt, time);
  const decisionReason = orNull(r.decisionReason, (x): x is string => str(x, MAX_REASON));
  if (
    r.id !== id ||
    !str(r.userId) ||
    !str(r.resourceId) ||
    !str(r.groupId) ||
    typeof r.reason !== 'string' ||
    r.reason.length > MAX_REASON ||
    !isStatus(r.status) ||
    !time(r.createdAt) ||
    duration === undefined ||
    decidedAt === undefined ||
    decidedBy === undefined ||
    granted === undefined ||
    expiresAt === undefined ||
    decisionReason === undefined ||
    Object.keys(r).length !== 15
  )
    return null;
  return {
    id,
    userId: r.userId,
    resourceType: type,
    resourceId: r.resourceId,
    level: r.level as Level,
    reason: r.reason,
    duration,
    groupId: r.groupId,
    status: r.status,
    createdAt: r.createdAt,
    decidedAt,
    decidedBy,
    grantedGroupId: granted,
    expiresAt,
    decisionReason,
  };
}

/** Every request of a doc, newest first. */
export function readRequests(doc: Y.Doc): AccessRequest[] {
  const out: AccessRequest[] = [];
  for (const [id, v] of doc.getMap(REQUESTS).entries()) {
    const r = readRequest(id, v);
    if (r) out.push(r);
  }
  return out.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
}

/** The open request of a person for a resource, if any (one at a time). */
export function openRequestFor(
  requests: readonly AccessRequest[],
  userId: string,
  resourceType: ResourceType,
  resourceId: string,
): AccessRequest | undefined {
  return requests.find(
    (r) =>
      r.status === 'open' &&
      r.userId === userId &&
      r.resourceType === resourceType &&
      r.resourceId === resourceId,
  );
}
