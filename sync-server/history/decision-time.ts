/**
 * AuthZEN `context.time` (issue 15): a decision request whose context names a past moment is decided on
 * the workspace as it was then (rebuilt from history); a time that is now or later, or none, means now.
 */
import type { WorkspaceState } from '../../core/index.ts';
import { ApiError } from '../http/respond.ts';
import { type HistoryDeps, statesAt } from './history-reports.ts';

/** A request time this close to now is now (clock skew between the asker and the server). */
const NOW_SLACK_MS = 1_000;

/** The past moment `context.time` names (RFC 3339 or epoch ms), or null for now. */
export function pastTime(
  context: Readonly<Record<string, unknown>> | undefined,
  now = Date.now(),
): number | null {
  const raw = context?.time;
  if (raw === undefined || raw === null) return null;
  const t = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(t))
    throw new ApiError('invalid-input', 'context.time must be an RFC 3339 date-time or epoch ms');
  return t < now - NOW_SLACK_MS ? t : null;
}

/** The state a decision reads: the live one, or the one at `context.time` when that is in the past. */
export async function decisionState(
  deps: HistoryDeps,
  workspaceId: string,
  live: () => WorkspaceState,
  context: Readonly<Record<string, unknown>> | undefined,
): Promise<WorkspaceState> {
  const t = pastTime(context);
  return t === null ? live() : (await statesAt(deps, workspaceId, [t]))[0]!.state;
}
