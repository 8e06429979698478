/**
 * Discovery (RFC 7643 §5–7, RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`, saying
 * exactly what this service supports — the attributes below are the only ones stored and returned; any
 * other attribute an IdP sends (title, phoneNumbers, the enterprise extension…) is accepted and ignored.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Gatehouse's extension of User: the role (`admin`, `builder`, `end-user`; none means End-user). */
export const GATEHOUSE_USER_SCHEMA = 'urn:gatehouse:params:scim:schemas:extension:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Largest page (`count`) and the most resources a filter may match in one answer. */
export const MAX_PAGE = 200;
/** Operations per PATCH and members per group change. */
export const MAX_OPERATIONS = 1000;
/** Request bodies above this are refused with 413 before they are parsed. */
export const MAX_SCIM_BODY_BYTES = 512 * 1024;

interface Attr {
  readonly name: string;
  readonly type: 'string' | 'boolean' | 'complex' | 'reference';
  readonly multiValued?: boolean;
  readonly required?: boolean;
  readonly caseExact?: boolean;
  readonly mutability?: 'readOnly' | 'readWrite' | 'immutable';
  readonly uniqueness?: 'none' | 'server';
  readonly description: string;
  readonly subAttributes?: readonly Attr[];
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
}

const attr = (a: Attr): Record<string, unknown> => ({
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...a,
  ...(a.subAttributes ? { subAttributes: a.subAttributes.map(attr) } : {}),
});

const USER_ATTRIBUTES: readonly Attr[] = [
  {
    name: 'userName',
    type: 'string',
    required: true,
    uniqueness: 'server',
    description: 'The IdP’s unique name for the user; the email when no work email is sent',
  },
  {
    name: 'name',
    type: 'complex',
    description: 'The user’s name',
    subAttributes: [
      { name: 'formatted', type: 'string', description: 'The full name' },
      { name: 'givenName', type: 'string', description: 'Given name' },
      { name: 'familyName', type: 'string', description: 'Family name' },
    ],
  },
  { name: 'displayName', type: 'string', description: 'The name Gatehouse shows (1–100 characters)' },
  {
    name: 'emails',
    type: 'complex',
    multiValued: true,
    description: 'The user’s email: Gatehouse keeps one, the work (or primary) email; it cannot change later',
    subAttributes: [
      { name: 'value', type: 'string', description: 'The email address' },
      { name: 'type', type: 'string', canonicalValues: ['work'], description: 'Always work' },
      { name: 'primary', type: 'boolean', description: 'Always true' },
    ],
  },
  {
    name: 'active',
    type: 'boolean',
    description: 'False archives the user (memberships kept, no access); true restores them',
  },
];

const GROUP_ATTRIBUTES: readonly Attr[] = [
  {
    name: 'displayName',
    type: 'string',
    required: true,
    uniqueness: 'server',
    description: 'The custom group’s name (1–50 characters, unique ignoring case, not a role’s name)',
  },
  {
    name: 'members',
    type: 'complex',
    multiValued: true,
    description: 'The users this connection put in the group (members added in Gatehouse are not listed)',
    subAttributes: [
      { name: 'value', type: 'string', mutability: 'immutable', caseExact: true, description: 'A user’s id' },
      { name: 'display', type: 'string', mutability: 'readOnly', description: 'The user’s email' },
      {
        name: '$ref',
        type: 'reference',
        mutability: 'readOnly',
        referenceTypes: ['User'],
        description: 'The user’s URI',
      },
    ],
  },
];

const ROLE_ATTRIBUTES: readonly Attr[] = [
  {
    name: 'role',
    type: 'string',
    canonicalValues: ['admin', 'builder', 'end-user'],
    description:
      'The user’s Gatehouse role. None on create means End-user; none on a replace keeps the role. An upgrade of an End-user happens only when the connection may upgrade roles, else it waits for an admin',
  },
];

function schema(id: string, name: string, description: string, attributes: readonly Attr[]) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name,
    description,
    attributes: attributes.map(attr),
    meta: { resourceType: 'Schema', location: `/Schemas/${id}` },
  };
}

export const SCHEMAS = [
  schema(USER_SCHEMA, 'User', 'A Gatehouse user of this workspace', USER_ATTRIBUTES),
  schema(GROUP_SCHEMA, 'Group', 'A Gatehouse custom group of this connection', GROUP_ATTRIBUTES),
  schema(GATEHOUSE_USER_SCHEMA, 'GatehouseUser', 'Gatehouse’s attributes of a user', ROLE_ATTRIBUTES),
] as const;

export function resourceTypes(base: string) {
  const type = (id: string, endpoint: string, schemaUrn: string, extensions: readonly string[]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id,
    name: id,
    endpoint,
    description: `${id}s of this workspace`,
    schema: schemaUrn,
    schemaExtensions: extensions.map((schema) => ({ schema, required: false })),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${id}` },
  });
  return [
    type('User', '/Users', USER_SCHEMA, [GATEHOUSE_USER_SCHEMA]),
    type('Group', '/Groups', GROUP_SCHEMA, []),
  ];
}

export function serviceProviderConfig(base: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://github.com/gatehouse/gatehouse#scim-provisioning',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'A token of this workspace’s SCIM connection (Workspace settings → Provisioning)',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}
