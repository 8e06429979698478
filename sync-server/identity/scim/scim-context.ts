/**
 * One SCIM request's world: the workspace, its live doc, the connection that calls (the actor of every
 * change it makes), and the one way its changes are made — core commands through the live doc's
 * pipeline, exactly as REST runs them, with core's refusals turned into SCIM errors.
 */
import {
  type Command,
  conflictOps,
  type EntityRef,
  newId,
  type Planned,
  plan,
  type WorkspaceState,
} from '../../../core/index.ts';
import type { ServerContext } from '../../context.ts';
import type { ScimConnection } from '../../storage/scim-store.ts';
import type { Workspace } from '../../storage/workspace-store.ts';
import type { Actor, LiveDoc } from '../../sync/live-doc.ts';
import { ScimError, type ScimType } from './scim-error.ts';
import { scimSource } from './scim-memberships.ts';

export interface ScimContext {
  readonly ctx: ServerContext;
  readonly workspace: Workspace;
  readonly live: LiveDoc;
  readonly connection: ScimConnection;
  readonly actor: Actor;
  /** The absolute base URL of this workspace's SCIM service (for `meta.location`). */
  readonly base: string;
}

/**
 * How the audit names a connection: `scim:<connection id>` as the actor id (no account has such an id;
 * History filters on it) and `SCIM: <name>`.
 */
export const scimActor = (c: ScimConnection): Actor => ({
  accountId: `scim:${c.id}`,
  email: null,
  name: `SCIM: ${c.name}`,
});

/** Core's refusals as SCIM errors (RFC 7644 §3.12). */
const STATUS_OF: Readonly<Record<string, [number, ScimType | undefined]>> = {
  'user-exists': [409, 'uniqueness'],
  'name-taken': [409, 'uniqueness'],
  'slug-taken': [409, 'uniqueness'],
  'not-found': [404, undefined],
  'last-admin': [400, 'mutability'],
  'default-group-rename': [400, 'mutability'],
  'default-group-delete': [400, 'mutability'],
  'default-group-members': [400, 'mutability'],
  'immutable-field': [400, 'mutability'],
  'storage-failed': [503, undefined],
  unavailable: [503, undefined],
  internal: [500, undefined],
};

export function scimErrorOf(e: { code: string; message: string }): ScimError {
  const [status, scimType] = STATUS_OF[e.code] ?? [400, 'invalidValue' as const];
  return new ScimError(status, e.message, scimType);
}

/**
 * Checks a sequence of commands against the current state, in memory (each planned on the state the one
 * before leaves): a refused sequence changes nothing. Commands whose plan says there is nothing to do
 * are dropped.
 */
export function checkSequence(state: WorkspaceState, commands: readonly Command[]): Command[] {
  let s = state;
  const kept: Command[] = [];
  for (const c of commands) {
    const p = plan(s, c);
    if (!p.ok) {
      if (p.error.code === 'nothing-to-change') continue;
      throw scimErrorOf(p.error);
    }
    s = p.value.after;
    kept.push(c);
  }
  return kept;
}

/** Runs one command as the connection; throws the SCIM error of a refusal. */
export async function run(sc: ScimContext, command: Command): Promise<Planned> {
  const result = await sc.live.submit({ kind: 'command', command }, sc.actor, 'api');
  if (!result.ok) throw scimErrorOf(result.error);
  return result.planned!;
}

/**
 * Runs commands in order, all checked first when there are several (a refused sequence changes nothing);
 * one command is checked by the pipeline itself.
 */
export async function runAll(sc: ScimContext, commands: readonly Command[]): Promise<void> {
  if (commands.length === 0) return;
  if (commands.length === 1) {
    const result = await sc.live.submit({ kind: 'command', command: commands[0]! }, sc.actor, 'api');
    if (!result.ok && result.error.code !== 'nothing-to-change') throw scimErrorOf(result.error);
    return;
  }
  for (const c of checkSequence(sc.live.state(), commands)) await run(sc, c);
}

/**
 * Holds a change the connection may not make alone (an upgrade of End-users, SPEC rule 4) as a conflict
 * every admin sees; `code` picks core's re-apply (`end-user-in-builder-group`: add them again, asking
 * for the role change).
 */
export async function holdForAdmin(
  sc: ScimContext,
  hold: { code: string; message: string; entities: EntityRef[]; repair: string },
): Promise<void> {
  const now = Date.now();
  const ops = conflictOps([
    {
      id: newId(),
      ...hold,
      // The source rides along so that an admin's re-apply adds the memberships as this connection's.
      edits: [
        {
          actor: sc.actor.name ?? 'SCIM',
          at: now,
          summary: hold.message,
          source: scimSource(sc.connection.id),
        },
      ],
      createdAt: now,
    },
  ]);
  const result = await sc.live.submit({ kind: 'ops', ops, action: 'scim.hold' }, sc.actor, 'api');
  if (!result.ok) throw scimErrorOf(result.error);
}
