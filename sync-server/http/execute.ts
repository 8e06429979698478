/** Runs a core command for a REST request through the same pipeline as sync updates. */
import type { Command, Planned, WorkspaceState } from '../../core/index.ts';
import type { ChangeError } from '../sync/live-doc.ts';
import { ApiError } from './respond.ts';
import type { Reply, WorkspaceScope } from './route.ts';

export function apiErrorFrom(e: ChangeError): ApiError {
  return new ApiError(e.code, e.message, e.details);
}

export function isDryRun(query: URLSearchParams): boolean {
  const v = query.get('dryRun');
  return v === 'true' || v === '1';
}

/**
 * Plans and commits `command`; `?dryRun=true` returns the impact without changing anything.
 * `view` builds the reply body from the committed plan and the state after it.
 */
export async function executeCommand(
  rc: { readonly scope: WorkspaceScope; readonly query: URLSearchParams },
  command: Command,
  view: (planned: Planned, state: WorkspaceState) => Record<string, unknown> = () => ({}),
  status = 200,
): Promise<Reply> {
  const { scope } = rc;
  const dryRun = isDryRun(rc.query);
  // A dry run previews the impact of a role-changing change too: planned as if confirmed, nothing changes.
  const submitted = dryRun ? ({ ...command, allowRoleChange: true } as Command) : command;
  const result = await scope.live.submit({ kind: 'command', command: submitted, dryRun }, scope.actor, 'api');
  if (!result.ok) throw apiErrorFrom(result.error);
  const planned = result.planned!;
  if (dryRun) return { status: 200, body: { dryRun: true, impact: planned.impact } };
  return { status, body: { ...view(planned, scope.live.state()), impact: planned.impact } };
}
