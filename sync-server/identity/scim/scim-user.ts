/**
 * The SCIM User resource of a Gatehouse user: what it answers (the doc's user, plus what this connection's
 * link remembers), what a filter may read, and what a POST/PUT body asks for (`DesiredUser`).
 *
 *   userName      the link's userName, else the email        emails     [{ value: email, type: work }]
 *   displayName   the user's name                            active     status ≠ archived
 *   name.*        the link's (as last sent)                  externalId the link's
 *   urn:gatehouse:…:User.role   the role
 */
import { z } from 'zod';
import { ROLES, type Role, type User } from '../../../core/index.ts';
import type { ScimLink } from '../../storage/scim-store.ts';
import { etagOf } from './scim-etag.ts';
import type { FilterVocabulary } from './scim-filter.ts';
import { GATEHOUSE_USER_SCHEMA, USER_SCHEMA } from './scim-schemas.ts';
import { parseBody, pick, ScimBoolean } from './scim-values.ts';

export interface UserView {
  readonly user: User;
  readonly link: ScimLink | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function userResource(v: UserView, base: string): Record<string, unknown> {
  const { user, link } = v;
  const a = link?.attributes ?? {};
  const name: Record<string, string> = {};
  if (a.givenName) name.givenName = a.givenName;
  if (a.familyName) name.familyName = a.familyName;
  name.formatted = a.formatted || user.name;
  const r: Record<string, unknown> = {
    schemas: [USER_SCHEMA, GATEHOUSE_USER_SCHEMA],
    id: user.id,
    ...(link?.externalId ? { externalId: link.externalId } : {}),
    userName: link?.userName ?? user.email,
    name,
    displayName: user.name,
    emails: [{ value: user.email, type: 'work', primary: true }],
    active: user.status !== 'archived',
    [GATEHOUSE_USER_SCHEMA]: { role: user.role },
  };
  r.meta = {
    resourceType: 'User',
    created: iso(user.createdAt),
    lastModified: iso(Math.max(user.createdAt, link?.updatedAt ?? 0)),
    location: `${base}/Users/${user.id}`,
    version: etagOf(r),
  };
  return r;
}

export const USER_VOCABULARY: FilterVocabulary<UserView> = {
  schemas: [USER_SCHEMA, GATEHOUSE_USER_SCHEMA],
  attributes: {
    id: { get: (v) => v.user.id, caseExact: true },
    username: { get: (v) => v.link?.userName ?? v.user.email },
    externalid: { get: (v) => v.link?.externalId, caseExact: true },
    displayname: { get: (v) => v.user.name },
    active: { get: (v) => v.user.status !== 'archived' },
    'emails.value': { get: (v) => [v.user.email] },
    'emails.type': { get: () => ['work'] },
    'emails.primary': { get: () => [true] },
    'name.givenname': { get: (v) => v.link?.attributes.givenName },
    'name.familyname': { get: (v) => v.link?.attributes.familyName },
    'name.formatted': { get: (v) => v.link?.attributes.formatted || v.user.name },
    role: { get: (v) => v.user.role },
  },
  complex: { emails: { items: (v) => [{ value: v.user.email, type: 'work', primary: true }] } },
};

/** Attributes a filter reads that only links hold (a filter on them needs the connection's links). */
export const LINK_PATHS = new Set([
  'username',
  'externalid',
  'name.givenname',
  'name.familyname',
  'name.formatted',
]);

const text = (max: number) => z.string().trim().max(max);
const Email = z.looseObject({
  value: text(320).min(1),
  type: z.string().max(50).nullish(),
  primary: ScimBoolean.nullish(),
});
const UserBody = z.looseObject({
  userName: text(320).min(1, 'userName is required'),
  externalId: text(256).nullish(),
  displayName: text(200).nullish(),
  name: z
    .looseObject({
      givenName: text(100).nullish(),
      familyName: text(100).nullish(),
      formatted: text(200).nullish(),
    })
    .nullish(),
  emails: z.array(Email).max(20).nullish(),
  active: ScimBoolean.nullish(),
});
const RoleExtension = z.looseObject({ role: z.enum(ROLES).nullish() }).nullish();

/** What a POST or PUT (or a patched resource) asks a user to be. */
export interface DesiredUser {
  readonly userName: string;
  readonly email: string;
  readonly externalId: string | null;
  readonly displayName: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Undefined when the body does not say (a create then means true; a replace keeps the status). */
  readonly active: boolean | undefined;
  /** Undefined when the body says nothing about the role. */
  readonly role: Role | undefined;
}

export function desiredUser(body: unknown): DesiredUser {
  const b = parseBody(UserBody, body);
  const role = parseBody(RoleExtension, pick(body as Record<string, unknown>, GATEHOUSE_USER_SCHEMA))?.role;
  const emails = b.emails ?? [];
  const chosen =
    emails.find((e) => e.primary === true) ??
    emails.find((e) => e.type?.toLowerCase() === 'work') ??
    emails[0];
  const email = (chosen?.value ?? b.userName).toLowerCase();
  const n = b.name ?? {};
  const attributes: Record<string, string> = {};
  if (n.givenName) attributes.givenName = n.givenName;
  if (n.familyName) attributes.familyName = n.familyName;
  if (n.formatted) attributes.formatted = n.formatted;
  const fromParts = [n.givenName, n.familyName].filter(Boolean).join(' ');
  const displayName = (b.displayName || n.formatted || fromParts || email.split('@')[0] || email).slice(
    0,
    100,
  );
  return {
    userName: b.userName.toLowerCase(),
    email,
    externalId: b.externalId || null,
    displayName,
    attributes,
    active: b.active ?? undefined,
    role: role ?? undefined,
  };
}
