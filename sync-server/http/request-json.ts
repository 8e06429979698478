/**
 * An access request as REST, the event stream and webhooks send it (issue 16): the request with its user, resource
 * and groups named, and one sentence for the requester ("Approved by Ada — View until 8 Dec 2026").
 */
import { z } from 'zod';
import { type AccessRequest, LEVEL_LABELS, type WorkspaceState } from '../../core/index.ts';

export const Duration = z.enum(['1d', '7d', '30d']).nullable();

export const RequestJson = z.object({
  id: z.string(),
  status: z.enum(['open', 'approved', 'denied', 'cancelled']),
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  resource: z.object({ type: z.string(), id: z.string(), name: z.string() }),
  level: z.string(),
  reason: z.string(),
  duration: Duration,
  group: z.object({ id: z.string(), name: z.string() }),
  createdAt: z.number(),
  decidedAt: z.number().nullable(),
  decidedBy: z.string().nullable(),
  grantedGroup: z.object({ id: z.string(), name: z.string() }).nullable(),
  expiresAt: z.number().nullable(),
  decisionReason: z.string().nullable(),
  /** In words, for the requester: "Approved by Ada — View until 8 Dec 2026". */
  text: z.string(),
});

const groupRef = (s: WorkspaceState, id: string) => ({
  id,
  name: s.groups.get(id)?.name ?? '(deleted group)',
});

function requestText(s: WorkspaceState, r: AccessRequest): string {
  const level = LEVEL_LABELS[r.level];
  if (r.status === 'open') return `Waiting for an admin: ${level} via “${groupRef(s, r.groupId).name}”`;
  if (r.status === 'denied') return `Denied by ${r.decidedBy ?? 'an admin'}: ${r.decisionReason ?? ''}`;
  if (r.status === 'cancelled') return 'Cancelled';
  const until =
    r.expiresAt === null ? 'until revoked' : `until ${new Date(r.expiresAt).toUTCString().slice(5, 16)}`;
  return `Approved by ${r.decidedBy ?? 'an admin'} — ${level} ${until}`;
}

export function requestJson(s: WorkspaceState, r: AccessRequest): z.infer<typeof RequestJson> {
  const user = s.users.get(r.userId);
  const pool = r.resourceType === 'app' ? s.apps : s.dataSources;
  return {
    id: r.id,
    status: r.status,
    user: { id: r.userId, email: user?.email ?? '', name: user?.name ?? '' },
    resource: { type: r.resourceType, id: r.resourceId, name: pool.get(r.resourceId)?.name ?? '(deleted)' },
    level: r.level,
    reason: r.reason,
    duration: r.duration,
    group: groupRef(s, r.groupId),
    createdAt: r.createdAt,
    decidedAt: r.decidedAt,
    decidedBy: r.decidedBy,
    grantedGroup: r.grantedGroupId === null ? null : groupRef(s, r.grantedGroupId),
    expiresAt: r.expiresAt,
    decisionReason: r.decisionReason,
    text: requestText(s, r),
  };
}
