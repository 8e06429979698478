/** Creating a workspace: its doc with the default groups, then its first admin, through the pipeline. */
import * as Y from 'yjs';
import { checkWorkspaceSlug, createWorkspaceDoc } from '../core/index.ts';
import type { ServerContext } from './context.ts';
import { apiErrorFrom } from './http/execute.ts';
import { ApiError } from './http/respond.ts';
import type { Account } from './storage/account-store.ts';
import { StorageConflictError } from './storage/errors.ts';
import type { Workspace } from './storage/workspace-store.ts';

/** A workspace slug as typed, in its stored form (core's rule); throws the API's error otherwise. */
export function checkSlug(slug: string): string {
  const r = checkWorkspaceSlug(slug);
  if (!r.ok) throw new ApiError('invalid-slug', r.error.message);
  return r.value;
}

export async function createWorkspaceWithAdmin(
  ctx: ServerContext,
  input: { name: string; slug: string },
  admin: Account,
): Promise<Workspace> {
  const slug = checkSlug(input.slug);
  const name = input.name.trim();
  if (!name) throw new ApiError('name-required', 'Give the workspace a name');
  if (await ctx.storage.workspaceBySlug(slug))
    throw new ApiError('slug-taken', 'That workspace URL is taken');
  const doc = createWorkspaceDoc({ name, slug });
  let workspace: Workspace;
  try {
    workspace = await ctx.storage.createWorkspace({ slug, name, initialUpdate: Y.encodeStateAsUpdate(doc) });
  } catch (err) {
    // Another request (on any instance) took the slug since the check above: the unique slug decides.
    if (err instanceof StorageConflictError) throw new ApiError('slug-taken', 'That workspace URL is taken');
    throw err;
  } finally {
    doc.destroy();
  }
  await ctx.registry.with(workspace, async (live) => {
    const actor = { accountId: admin.id, email: admin.email, name: admin.name };
    const invited = await live.submit(
      {
        kind: 'command',
        command: { type: 'user.invite', email: admin.email, name: admin.name, role: 'admin' },
      },
      actor,
      'api',
    );
    if (!invited.ok) throw apiErrorFrom(invited.error);
    const userId = invited.planned!.createdId!;
    const activated = await live.submit(
      { kind: 'command', command: { type: 'user.activate', userId }, trusted: true },
      actor,
      'api',
    );
    if (!activated.ok) throw apiErrorFrom(activated.error);
  });
  return workspace;
}
