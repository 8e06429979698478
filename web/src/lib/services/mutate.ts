/**
 * Every admin mutation goes through here: core `plan` → (role changes? show the impact and ask) →
 * `commit` in one Yjs transaction → toast. Cancel changes nothing (SPEC rule 4). Offline, the toast says
 * the change is saved on this device only; a change with an inverse offers Undo, which runs that inverse
 * command the same way.
 */
import { type Command, MESSAGES, type Planned, plan, type Result } from '../../../../core/index.ts';
import { confirmations } from '../state/confirm.svelte.ts';
import { READ_ONLY_MESSAGE } from '../state/past-view.ts';
import { toasts } from '../state/toasts.svelte.ts';
import { workspace } from '../state/workspace.svelte.ts';
import { handleError } from './handle-error.ts';

export interface RunOptions {
  /** What the change does, in words (kept while it waits for the server). */
  readonly summary: string;
  /** Toast on success. */
  readonly success?: string;
  /** Report errors inline only (no toast). */
  readonly quiet?: boolean;
  /** The inverse command, offered as Undo in the success toast for a few seconds. */
  readonly undo?: { readonly command: Command; readonly summary: string; readonly success: string };
}

/** While the server is not reachable, a change is kept on this device and sent when it is back. */
export function savedWhere(text: string): string {
  return workspace.link === 'offline' || workspace.link === 'unreachable'
    ? `${text} — saved on this device only; it will sync when you are back online`
    : text;
}

export type RunResult = { ok: true; planned: Planned } | { ok: false; cancelled: boolean; message?: string };

/** Plans a command against the current state without changing anything. */
export function preview(command: Command): Result<Planned> {
  const state = workspace.state;
  if (!state) return { ok: false, error: { code: 'not-found', message: 'The workspace is not loaded yet' } };
  return plan(state, command, { now: Date.now() });
}

function roleChangeMessage(command: Command): string {
  if (command.type === 'group.addMembers') return MESSAGES.addMembersUpgrade;
  if (command.type === 'user.setRole') return 'Changing this role will change the following access.';
  return MESSAGES.grantUpgrade;
}

export async function run(command: Command, options: RunOptions): Promise<RunResult> {
  if (workspace.readOnly) {
    if (!options.quiet) toasts.error(READ_ONLY_MESSAGE);
    return { ok: false, cancelled: false, message: READ_ONLY_MESSAGE };
  }
  let result = preview(command);
  if (!result.ok && result.error.code === 'role-change-needs-confirmation') {
    const confirmed = await confirmations.ask({
      title: 'Role change',
      message: roleChangeMessage(command),
      impact: result.error.details as Planned['impact'],
      confirmLabel: 'Confirm',
    });
    if (!confirmed) return { ok: false, cancelled: true };
    result = preview({ ...command, allowRoleChange: true } as Command);
  }
  if (!result.ok) {
    const message = options.quiet ? result.error.message : handleError(result.error);
    return { ok: false, cancelled: false, message };
  }
  if (!(await workspace.commit(result.value, options.summary)))
    return { ok: false, cancelled: false, message: 'The change was not made' };
  const undo = options.undo;
  if (options.success && undo)
    toasts.show('success', savedWhere(options.success), {
      label: 'Undo',
      run: () => void run(undo.command, { summary: undo.summary, success: undo.success }),
    });
  else if (options.success) toasts.success(savedWhere(options.success));
  return { ok: true, planned: result.value };
}
