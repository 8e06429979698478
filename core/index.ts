/** Gatehouse core: the rules, once. Every shell imports from here. */

export { type AccessIndex, accessIndex } from './access/access-index.ts';
export { type Explanation, explain, type Suggestion } from './access/explain.ts';
export {
  globMatch,
  MAX_WILDCARDS,
  type MatchableApp,
  matchApp,
  originPatterns,
  validateUrlPattern,
} from './access/match-app.ts';
export {
  accessText,
  levelText,
  noAccessReason,
  noAccessShort,
  permissionText,
  personText,
  requestAccessMailto,
  requestAccessMessage,
  statusNote,
  viaGrantText,
  viaGroupText,
  viaText,
} from './access/present.ts';
export {
  type AccessSummary,
  type AppSummary,
  type DataSourceSummary,
  summarize,
} from './access/summarize.ts';
export {
  accessFor,
  computeAccess,
  NO_ACCESS,
  type ResourceAccess,
  UserAccess,
  type Via,
} from './access/user-access.ts';
export type {
  Command,
  CommandBody,
  CommandContext,
  CommandType,
  DuplicateParts,
} from './commands/command.ts';
export { COMMAND_TYPES, commit, execute, type Planned, plan } from './commands/plan.ts';
export { slugify } from './commands/resource-commands.ts';
export {
  describeChange,
  describeEntityChange,
  type EntityChange,
  type FieldChange,
} from './describe-change.ts';
export { createWorkspaceDoc, initialOps } from './doc/create-workspace-doc.ts';
export { DocReader, readState } from './doc/doc-reader.ts';
export { readUser } from './doc/read-entities.ts';
export * as schema from './doc/schema.ts';
export { touchedByTransaction } from './doc/touched.ts';
export { type Violation, validateChanges } from './doc/validate-changes.ts';
export { applyOps } from './doc/write-ops.ts';
export * from './errors.ts';
export { newId } from './ids.ts';
export {
  type AccessChange,
  computeImpact,
  type Impact,
  type MembershipChange,
  type RoleChange,
} from './impact/compute-impact.ts';
export * from './model.ts';
export { applyOpsToState, type Fields, type FieldValue, type Op, touchedByOps } from './ops.ts';
export { CONFLICT_CODES, type ConflictCode, isConflictCode } from './repair/conflict-codes.ts';
export { reapplyCommand } from './repair/reapply.ts';
export {
  conflictOps,
  type RepairConflict,
  type RepairOptions,
  type RepairResult,
  repair,
} from './repair/repair.ts';
export { hasAnyFlag, isBuilderLevel, isBuilderLevelGrant } from './rules/builder-level.ts';
export {
  type ChangeCheckOptions,
  type ChangeViolation,
  checkChange,
  type Touched,
} from './rules/change-rules.ts';
export {
  DEFAULT_GROUP_CONTENT,
  type DefaultGroupRestrictions,
  defaultGroupRestrictions,
  effectiveDefaultGroup,
  storedDefaultGroup,
} from './rules/default-groups.ts';
export {
  checkEmail,
  checkKind,
  checkResourceName,
  checkSlugFormat,
  checkUserName,
  checkWorkspaceName,
  isValidEmail,
  normalizeEmail,
} from './rules/formats.ts';
export { type GrantDraft, grantToDraft, validateGrant } from './rules/grants.ts';
export { compareIdentity, identityFor, isIdentity } from './rules/identity.ts';
export { levelRank, roleRank } from './rules/levels.ts';
export * as limits from './rules/limits.ts';
export {
  duplicateName,
  hasInvisibleCharacters,
  isReservedGroupName,
  NAME_MAX_LENGTH,
  NameSet,
  normalizeName,
  RESERVED_GROUP_NAMES,
  sameName,
  validateGrantName,
  validateGroupName,
} from './rules/names.ts';
export {
  activeAdmins,
  checkCanJoinGroup,
  checkKeepsAnAdmin,
  countBuilders,
  defaultGroupMembers,
  groupsToLeave,
  isActiveAdminUser,
  isDefaultGroupMember,
  meetsGroupRole,
  requiredRole,
  soleActiveAdmin,
  upgradedRole,
} from './rules/roles.ts';
export { normalizeUrlPatterns } from './rules/url-patterns.ts';
export {
  AUTH_CLOSE_CODES,
  CLOSE,
  type ClientMessage,
  type CloseCode,
  decodeMessage,
  encodeAwareness,
  encodeStep1,
  encodeStep2,
  encodeSync,
  encodeUpdate,
  fitCloseReason,
  MAX_CLOSE_REASON_BYTES,
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  SYNC_STEP1,
  SYNC_STEP2,
  SYNC_UPDATE,
  type SyncStep,
} from './sync-protocol.ts';
