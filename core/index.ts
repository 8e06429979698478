/** Gatehouse core: the rules, once. Every shell imports from here. */

export { type AccessIndex, accessIndex } from './access/access-index.ts';
export {
  ACCESS_FORMAT,
  type AccessCatalog,
  buildCatalog,
  type CatalogApp,
  type CatalogDataSource,
  catalogIndexes,
} from './access/catalog.ts';
export { accessAt, expandSummary } from './access/catalog-expand.ts';
export {
  type CompiledAccess,
  type CompiledUserAccess,
  codeHidden,
  codeLevel,
  codeRank,
  hasFlag,
} from './access/compiled-access.ts';
export { type ChangedIds, compiledAccess } from './access/compiled-update.ts';
export { type Explanation, explain, type Suggestion } from './access/explain.ts';
export {
  globMatch,
  type MatchableApp,
  matchApp,
  originPatterns,
  validateUrlPattern,
} from './access/match-app.ts';
export {
  accessText,
  appSections,
  levelText,
  noAccessReason,
  noAccessShort,
  permissionText,
  personText,
  requestAccessMailto,
  requestAccessMessage,
  statusNote,
  viaGrantText,
  viaText,
  whomToAsk,
} from './access/present.ts';
export {
  type AccessClass,
  type AccessSummary,
  type AppSummary,
  type DataSourceSummary,
  type ListedClass,
  type SummaryGrant,
  type SummaryGroup,
  summarize,
  summarizeUser,
  type TypeSummary,
  type UserSummary,
} from './access/summarize.ts';
export { accessFor, computeAccess, type ResourceAccess, UserAccess, type Via } from './access/user-access.ts';
export type {
  Command,
  CommandBody,
  CommandContext,
  CommandType,
  DuplicateParts,
} from './commands/command.ts';
export {
  type DuplicateContents,
  duplicateContents,
  type SkippedMember,
} from './commands/duplicate-contents.ts';
export { commit, execute, type Planned, plan } from './commands/plan.ts';
export { slugify } from './commands/resource-commands.ts';
export { csvCell, toCsv } from './csv.ts';
export * as decisions from './decisions/index.ts';
export {
  COLLECTION_LABELS,
  describeChange,
  describeEntityChange,
  type EntityChange,
  type FieldChange,
} from './describe-change.ts';
export { createWorkspaceDoc } from './doc/create-workspace-doc.ts';
export { type Clock, DocReader, readState } from './doc/doc-reader.ts';
export { MAX_EXPIRY_MS, memberToken, parseMemberToken } from './doc/member-tokens.ts';
export {
  docSchemaVersion,
  MIGRATION_OPS,
  migrateV1toV2,
  needsMigration,
  schemaProblem,
} from './doc/migrate-v1-to-v2.ts';
export { readEntityName, readUser } from './doc/read-entities.ts';
export * as schema from './doc/schema.ts';
export { touchedByTransaction } from './doc/touched.ts';
export { type Violation, validateChanges } from './doc/validate-changes.ts';
export { applyOps } from './doc/write-ops.ts';
export * from './errors.ts';
export * as history from './history/index.ts';
export { newId } from './ids.ts';
export type { AccessChange, Impact, MembershipChange, RoleChange } from './impact/compute-impact.ts';
export { type FlagChange, flagChanges } from './impact/flag-changes.ts';
export { starRowNames } from './impact/star-rows.ts';
export * from './model.ts';
export { applyOpsToState, type Fields, type FieldValue, type Op, touchedByOps } from './ops.ts';
export { type ConflictCode, isConflictCode } from './repair/conflict-codes.ts';
export { reapplyCommand } from './repair/reapply.ts';
export {
  conflictOps,
  type RepairConflict,
  type RepairOptions,
  type RepairResult,
  repair,
} from './repair/repair.ts';
export {
  type AccessRequest,
  MAX_REASON,
  openRequestFor,
  REQUEST_DURATIONS,
  REQUEST_STATUSES,
  type RequestDuration,
  type RequestStatus,
  readRequest,
  readRequests,
} from './requests/access-request.ts';
export {
  type Approval,
  MAX_OPEN_REQUESTS,
  planApproval,
  planCancellation,
  planDenial,
  planRequest,
  type RequestInput,
  type RequestOption,
  requestDecided,
  requestOptions,
} from './requests/request-planning.ts';
export { isBuilderLevel } from './rules/builder-level.ts';
export {
  type ChangeCheckOptions,
  type ChangeViolation,
  checkChange,
  type Touched,
} from './rules/change-rules.ts';
export {
  type DefaultGroupRestrictions,
  defaultGroupRestrictions,
  effectiveDefaultGroup,
} from './rules/default-groups.ts';
export { checkWorkspaceSlug, isValidEmail, RESERVED_WORKSPACE_SLUGS } from './rules/formats.ts';
export { compareIdentity, identityFor } from './rules/identity.ts';
export { levelRank, roleRank } from './rules/levels.ts';
export * as limits from './rules/limits.ts';
export {
  checkExpiry,
  checkSource,
  type ExpiredMembership,
  expiredMemberships,
  type GroupMembership,
  groupMemberships,
  groupNextExpiry,
  isLiveMembership,
  isMembershipSource,
  membershipEnd,
  nextExpiry,
} from './rules/memberships.ts';
export { duplicateName, freeGrantName, validateGrantName, validateGroupName } from './rules/names.ts';
export {
  checkCanJoinGroup,
  checkKeepsAnAdmin,
  defaultGroupMembers,
  isActiveAdminUser,
  isDefaultGroupMember,
  soleActiveAdmin,
} from './rules/roles.ts';
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
