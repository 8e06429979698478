/**
 * The AuthZEN vocabulary of Gatehouse (issue 14): subject type `user`; resource types `app`,
 * `data_source` and `workspace`; actions are the access levels (`view`, `edit` on apps; `use`,
 * `configure` on data sources) and the six workspace flags (on the `workspace` resource). Each action
 * maps onto what core's access already says: a level's rank (rules/levels.ts) or a flag (model.ts).
 */
import type { Flag, Level, ResourceType } from '../model.ts';
import { levelRank } from '../rules/levels.ts';

export const SUBJECT_TYPE = 'user';
export const RESOURCE_TYPE_NAMES = ['app', 'data_source', 'workspace'] as const;
export type ResourceTypeName = (typeof RESOURCE_TYPE_NAMES)[number];

/** An action on a resource of a type: the level it needs, or the flag it needs (workspace). */
export type ActionRule =
  | { readonly kind: 'level'; readonly type: ResourceType; readonly level: Level; readonly rank: number }
  | { readonly kind: 'flag'; readonly flag: Flag };

const level = (type: ResourceType, l: Level): ActionRule => ({
  kind: 'level',
  type,
  level: l,
  rank: levelRank(l),
});

export const ACTIONS: Readonly<Record<string, ActionRule>> = {
  view: level('app', 'view'),
  edit: level('app', 'edit'),
  use: level('dataSource', 'use'),
  configure: level('dataSource', 'configure'),
  'app.create': { kind: 'flag', flag: 'appCreate' },
  'app.delete': { kind: 'flag', flag: 'appDelete' },
  'folder.manage': { kind: 'flag', flag: 'folderCRUD' },
  'constant.manage': { kind: 'flag', flag: 'orgConstantCRUD' },
  'data_source.create': { kind: 'flag', flag: 'dataSourceCreate' },
  'data_source.delete': { kind: 'flag', flag: 'dataSourceDelete' },
};

export const ACTION_NAMES: readonly string[] = Object.keys(ACTIONS);

/** The actions that apply to a resource type, in a fixed order (action search lists them so). */
export function actionsFor(type: ResourceTypeName): readonly string[] {
  return ACTION_NAMES.filter((name) => resourceTypeOf(ACTIONS[name]!) === type);
}

/** The AuthZEN resource type an action applies to. */
export function resourceTypeOf(rule: ActionRule): ResourceTypeName {
  if (rule.kind === 'flag') return 'workspace';
  return rule.type === 'app' ? 'app' : 'data_source';
}

export function isResourceTypeName(type: string): type is ResourceTypeName {
  return (RESOURCE_TYPE_NAMES as readonly string[]).includes(type);
}

/** Core's resource type of an AuthZEN one (`data_source` → `dataSource`); null for `workspace`. */
export function coreType(type: ResourceTypeName): ResourceType | null {
  return type === 'app' ? 'app' : type === 'data_source' ? 'dataSource' : null;
}
