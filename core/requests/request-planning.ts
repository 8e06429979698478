/**
 * Asking for access and deciding (issue 16): what a request may ask, which groups would grant it (core's
 * `explain` suggestions, smallest first), and what approving or denying writes. Approval is an ordinary
 * `group.addMembers` command — the same rules, impact and role-change consent as any other — with the
 * request's new state written in the same transaction.
 */
import { explain } from '../access/explain.ts';
import { accessFor } from '../access/user-access.ts';
import type { Command } from '../commands/command.ts';
import { fail, type GatehouseError, ok, type Result } from '../errors.ts';
import {
  LEVEL_LABELS,
  type Level,
  type ResourceType,
  ROLE_LABELS,
  type Role,
  type WorkspaceState,
} from '../model.ts';
import { levelRank } from '../rules/levels.ts';
import {
  type AccessRequest,
  LEVELS_BY_TYPE,
  MAX_REASON,
  openRequestFor,
  REQUEST_DURATIONS,
  type RequestDuration,
} from './access-request.ts';

/** A group that would grant what is asked, and what joining it would mean. */
export interface RequestOption {
  readonly groupId: string;
  readonly groupName: string;
  readonly level: Level;
  /** The role joining would give (an upgrade an admin must consent to), or null. */
  readonly roleChange: Role | null;
  /** e.g. "Member of “HR” would give View (and make them a Builder)". */
  readonly text: string;
  /** Said to the requester: "This would make you a Builder", or null. */
  readonly meaning: string | null;
}

export interface RequestInput {
  readonly resourceType: ResourceType;
  readonly resourceId: string;
  readonly level: Level;
  readonly reason: string;
  readonly duration: RequestDuration | null;
  /** Another of the options than the first (smallest) one. */
  readonly groupId?: string | undefined;
}

/** At most this many open requests per person (each is checked and listed). */
export const MAX_OPEN_REQUESTS = 20;

/**
 * The groups that would give `userId` at least `level` on the resource, smallest change first; an error
 * when the resource does not exist, the person already has that level, or no group grants it.
 */
export function requestOptions(
  state: WorkspaceState,
  userId: string,
  resource: { readonly type: ResourceType; readonly id: string },
  level: Level,
): Result<RequestOption[]> {
  if (!LEVELS_BY_TYPE[resource.type].includes(level))
    return fail('invalid-input', `The level must be one of ${LEVELS_BY_TYPE[resource.type].join(', ')}`);
  const access = accessFor(state, userId);
  if (access?.user.status !== 'active') return fail('not-found', 'You are not an active user here');
  const e = explain(state, userId, resource, { groupSuggestions: true });
  if (!e) return fail('not-found', resource.type === 'app' ? 'App not found' : 'Data source not found');
  if (e.level && levelRank(e.level) >= levelRank(level))
    return fail('already-has-access', `You already have ${LEVEL_LABELS[e.level]} on ${e.resource.name}`);
  const options: RequestOption[] = [];
  for (const s of e.suggestions)
    if (s.groupId !== null && s.groupName !== null && levelRank(s.level) >= levelRank(level))
      options.push({
        groupId: s.groupId,
        groupName: s.groupName,
        level: s.level,
        roleChange: s.roleChange,
        text: s.text,
        meaning: s.roleChange
          ? `This would make you ${article(s.roleChange)} ${ROLE_LABELS[s.roleChange]}`
          : null,
      });
  if (options.length === 0)
    return fail(
      'no-group-grants',
      `No group gives ${LEVEL_LABELS[level]} on ${e.resource.name}: ask an admin to create one`,
      { admins: true },
    );
  return ok(options);
}

const article = (role: Role) => (role === 'admin' ? 'an' : 'a');

/** A new open request, or why it is refused (bad input, a duplicate, nothing to ask, no group grants it). */
export function planRequest(
  state: WorkspaceState,
  requests: readonly AccessRequest[],
  userId: string,
  input: RequestInput,
  env: { readonly now: number; readonly id: string },
): Result<{ request: AccessRequest; option: RequestOption }> {
  const reason = input.reason.trim();
  if (reason.length === 0 || reason.length > MAX_REASON)
    return fail('invalid-input', `Say why you need it (1–${MAX_REASON} characters)`);
  if (input.duration !== null && !Object.hasOwn(REQUEST_DURATIONS, input.duration))
    return fail('invalid-input', 'The duration must be 1d, 7d, 30d or null (until revoked)');
  const options = requestOptions(
    state,
    userId,
    { type: input.resourceType, id: input.resourceId },
    input.level,
  );
  if (!options.ok) return options;
  if (openRequestFor(requests, userId, input.resourceType, input.resourceId))
    return fail('request-exists', 'You already have an open request for this; an admin will answer it');
  if (requests.filter((r) => r.userId === userId && r.status === 'open').length >= MAX_OPEN_REQUESTS)
    return fail('invalid-input', `At most ${MAX_OPEN_REQUESTS} open requests at a time`);
  const option =
    input.groupId === undefined ? options.value[0] : options.value.find((o) => o.groupId === input.groupId);
  if (!option) return fail('invalid-input', 'That group would not grant this: pick one of the suggestions');
  return ok({
    option,
    request: {
      id: env.id,
      userId,
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      level: input.level,
      reason,
      duration: input.duration,
      groupId: option.groupId,
      status: 'open',
      createdAt: env.now,
      decidedAt: null,
      decidedBy: null,
      grantedGroupId: null,
      expiresAt: null,
      decisionReason: null,
    },
  });
}

export interface Approval {
  /** Another group than the proposed one. */
  readonly groupId?: string | undefined;
  /** Until when (epoch ms), no later than asked; null: permanent (only when asked until revoked). */
  readonly expiresAt?: number | null | undefined;
  readonly allowRoleChange?: boolean | undefined;
}

/**
 * Null while `request` is open; else 409 `request-decided` saying who decided it and when. Approve and
 * deny check it at planning and again in the doc's queue right before committing: of two decisions sent
 * at once, one wins.
 */
export function requestDecided(request: AccessRequest): GatehouseError | null {
  if (request.status === 'open') return null;
  const { status, decidedBy, decidedAt } = request;
  const by = decidedBy === null ? '' : ` by ${decidedBy}`;
  return {
    code: 'request-decided',
    message: `This request was already ${status}${by}`,
    details: { status, decidedBy, decidedAt },
  };
}

/** The membership command approving `request` and the request as approved (run both in one change). */
export function planApproval(
  request: AccessRequest,
  approval: Approval,
  env: { readonly now: number; readonly by: string },
): Result<{ command: Command; request: AccessRequest }> {
  const decided = requestDecided(request);
  if (decided) return { ok: false, error: decided };
  const asked = request.duration === null ? null : env.now + REQUEST_DURATIONS[request.duration];
  const expiresAt = approval.expiresAt === undefined ? asked : approval.expiresAt;
  if (asked !== null && (expiresAt === null || expiresAt > asked))
    return fail('invalid-input', 'An approval may shorten the asked duration, not lengthen it');
  const groupId = approval.groupId ?? request.groupId;
  const command: Command = {
    type: 'group.addMembers',
    groupId,
    userIds: [request.userId],
    ...(expiresAt === null ? {} : { expiresAt }),
    ...(approval.allowRoleChange === undefined ? {} : { allowRoleChange: approval.allowRoleChange }),
  };
  return ok({
    command,
    request: {
      ...request,
      status: 'approved',
      decidedAt: env.now,
      decidedBy: env.by,
      grantedGroupId: groupId,
      expiresAt,
    },
  });
}

/** The request as denied, with the admin's reason. */
export function planDenial(
  request: AccessRequest,
  reason: string,
  env: { readonly now: number; readonly by: string },
): Result<AccessRequest> {
  const decided = requestDecided(request);
  if (decided) return { ok: false, error: decided };
  const text = reason.trim();
  if (text.length === 0 || text.length > MAX_REASON)
    return fail('invalid-input', `Say why (1–${MAX_REASON} characters): the requester sees it`);
  return ok({ ...request, status: 'denied', decidedAt: env.now, decidedBy: env.by, decisionReason: text });
}

/**
 * The requester withdraws their open request (nobody else may: admins deny). `decidedBy` names them, so
 * the audit and the admins' list say who cancelled.
 */
export function planCancellation(
  request: AccessRequest,
  env: { readonly now: number; readonly userId: string; readonly by: string },
): Result<AccessRequest> {
  // Someone else's request reads as unknown: its id is not confirmed (admins deny instead).
  if (request.userId !== env.userId) return fail('not-found', 'Request not found');
  const decided = requestDecided(request);
  if (decided) return { ok: false, error: decided };
  return ok({ ...request, status: 'cancelled', decidedAt: env.now, decidedBy: env.by, decisionReason: null });
}
