/**
 * `/Users`: list (filter, paging in a stable order: oldest first, then id), read, create, replace, patch,
 * delete. Every user of the workspace is listed (inactive ones too: Entra reads them back after a soft
 * delete); `userName`, `emails…value`, `externalId` and `id` equality filters start from an index.
 */
import { identityFor, type User, type WorkspaceState } from '../../../core/index.ts';
import type { ScimLink } from '../../storage/scim-store.ts';
import type { ScimContext } from './scim-context.ts';
import { invalidValue, notFound, ScimError } from './scim-error.ts';
import { checkIfMatch } from './scim-etag.ts';
import { compileFilter } from './scim-filter.ts';
import { listResponse, pageOf } from './scim-list.ts';
import { applyPatch, normalisePatch } from './scim-patch-ops.ts';
import { GATEHOUSE_USER_SCHEMA, USER_SCHEMA } from './scim-schemas.ts';
import { desiredUser, LINK_PATHS, USER_VOCABULARY, type UserView, userResource } from './scim-user.ts';
import { createUser, deleteUser, replaceUser } from './scim-user-writes.ts';

const SORTED = new WeakMap<ReadonlyMap<string, User>, readonly User[]>();

/** The workspace's users, oldest first (ties by id): the stable order of every listing. */
function sortedUsers(state: WorkspaceState): readonly User[] {
  let sorted = SORTED.get(state.users);
  if (!sorted) {
    sorted = [...state.users.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    SORTED.set(state.users, sorted);
  }
  return sorted;
}

async function linksFor(sc: ScimContext, users: readonly User[] | null): Promise<Map<string, ScimLink>> {
  const links = await sc.ctx.storage.scimLinks(
    sc.connection.id,
    'user',
    users?.map((u) => u.id),
  );
  return new Map(links.map((l) => [l.resourceId, l]));
}

/** The users an indexed `eq` of the filter allows, or null when every user must be tested. */
async function candidates(sc: ScimContext, state: WorkspaceState, lookups: ReadonlyMap<string, unknown>) {
  const found = new Set<User>();
  const add = (id: string | undefined) => {
    const u = id === undefined ? undefined : state.users.get(id);
    if (u) found.add(u);
  };
  const text = (k: string) => {
    const v = lookups.get(k);
    return typeof v === 'string' ? v : null;
  };
  const userName = text('username');
  const email = text('emails.value');
  const externalId = text('externalid');
  const id = text('id');
  if (userName !== null) {
    add((await sc.ctx.storage.scimLinkByUserName(sc.connection.id, userName.toLowerCase()))?.resourceId);
    add(identityFor(state, userName)?.id);
  } else if (email !== null) add(identityFor(state, email)?.id);
  else if (externalId !== null)
    add((await sc.ctx.storage.scimLinkByExternalId(sc.connection.id, 'user', externalId))?.resourceId);
  else if (id !== null) add(id);
  else return null;
  return [...found];
}

export async function listUsers(sc: ScimContext, query: URLSearchParams) {
  const state = sc.live.state();
  const page = pageOf(query);
  const filterText = query.get('filter');
  let matched: readonly User[];
  let links: Map<string, ScimLink> | null = null;
  if (filterText) {
    const f = compileFilter(filterText, USER_VOCABULARY);
    const some = await candidates(sc, state, f.lookups);
    const pool = some ?? sortedUsers(state);
    const needsLinks = [...f.paths].some((p) => LINK_PATHS.has(p));
    if (needsLinks) links = await linksFor(sc, some);
    const l = links;
    matched = pool.filter((user) => f.test({ user, link: l?.get(user.id) ?? null }));
  } else matched = sortedUsers(state);
  const slice = matched.slice(page.startIndex - 1, page.startIndex - 1 + page.count);
  const pageLinks = links ?? (await linksFor(sc, slice));
  const resources = slice.map((user) =>
    userResource({ user, link: pageLinks.get(user.id) ?? null }, sc.base),
  );
  return listResponse(resources, matched.length, page);
}

export async function findUser(sc: ScimContext, id: string): Promise<UserView> {
  const user = sc.live.state().users.get(id);
  if (!user) throw notFound('User');
  const [link] = await sc.ctx.storage.scimLinks(sc.connection.id, 'user', [id]);
  return { user, link: link ?? null };
}

export async function createUserResource(sc: ScimContext, body: unknown) {
  checkSchemas(body, USER_SCHEMA);
  const d = desiredUser(body);
  const existing = identityFor(sc.live.state(), d.email);
  const view = existing ? await findUser(sc, existing.id) : null;
  const id = await createUser(sc, d, view);
  return userResource(await findUser(sc, id), sc.base);
}

export async function replaceUserResource(sc: ScimContext, id: string, body: unknown, ifMatch?: string) {
  const v = await findUser(sc, id);
  checkIfMatch(ifMatch, versionOf(userResource(v, sc.base)));
  checkSchemas(body, USER_SCHEMA);
  const d = desiredUser(body);
  await replaceUser(sc, v, d);
  return userResource(await findUser(sc, id), sc.base);
}

export async function patchUserResource(sc: ScimContext, id: string, body: unknown, ifMatch?: string) {
  const v = await findUser(sc, id);
  const current = userResource(v, sc.base);
  checkIfMatch(ifMatch, versionOf(current));
  const ops = normalisePatch(body, [USER_SCHEMA, GATEHOUSE_USER_SCHEMA]).filter((o) => isKept(o.path));
  if (ops.length === 0) return current;
  const patched = applyPatch(current, ops);
  if (patched.id !== current.id) throw new ScimError(400, 'The id of a resource cannot change', 'mutability');
  // A role the patch did not name stays as it is (desiredUser reads the extension only when present).
  await replaceUser(sc, v, desiredUser(patched));
  return userResource(await findUser(sc, id), sc.base);
}

export async function deleteUserResource(sc: ScimContext, id: string, ifMatch?: string) {
  const v = await findUser(sc, id);
  checkIfMatch(ifMatch, versionOf(userResource(v, sc.base)));
  await deleteUser(sc, v);
}

/** The attributes a user keeps (scim-user.ts); operations on any other (title, addresses…) are ignored. */
const KEPT = new Set(['username', 'name', 'displayname', 'emails', 'active', 'externalid', 'id']);

function isKept(path: string | undefined): boolean {
  if (path === undefined) return true;
  let p = path.trim().toLowerCase();
  if (p.startsWith(GATEHOUSE_USER_SCHEMA.toLowerCase())) return true;
  const core = `${USER_SCHEMA.toLowerCase()}:`;
  if (p.startsWith(core)) p = p.slice(core.length);
  return KEPT.has(p.split(/[.[]/, 1)[0]!);
}

export const versionOf = (r: Record<string, unknown>) => (r.meta as { version: string }).version;

/** A body naming schemas must name the resource's own. */
export function checkSchemas(body: unknown, urn: string): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidValue('Send a JSON object');
  const schemas = (body as { schemas?: unknown }).schemas;
  if (schemas === undefined) return;
  if (!Array.isArray(schemas) || !schemas.includes(urn)) throw invalidValue(`schemas must include ${urn}`);
}
