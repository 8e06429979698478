/** The audit's one-line summaries, as the History page shows them. */
import { describe, expect, it } from 'vitest';
import { summarizeEntities } from '../../sync-server/sync/describe-changes.ts';

describe('summarizeEntities', () => {
  it.each([
    [[{ collection: 'groups', id: 'g1', name: 'HR', fields: ['(created)', 'name'] }], 'Group “HR”: created'],
    [[{ collection: 'apps', id: 'a1', name: 'CRM', fields: ['deletedAt'] }], 'App “CRM”: deleted'],
    [
      [{ collection: 'groups', id: 'g1', name: 'HR', fields: ['members', 'grants'] }],
      'Group “HR”: members, granular permissions',
    ],
    [
      [{ collection: 'users', id: 'u1', name: 'eve@corp.com', fields: ['status', 'activatedAt'] }],
      'User “eve@corp.com”: status, activated',
    ],
    [[{ collection: 'dataSources', id: 'abcdefghijkl', fields: ['kind'] }], 'Data source abcdefgh: kind'],
    [[{ collection: 'meta', id: 'meta', fields: ['name'] }], 'Workspace: name'],
    [
      [{ collection: 'groups', id: 'g1', name: 'Finance', fields: ['appCreate', 'folderCRUD'] }],
      'Group “Finance”: Apps: create, Folders: create/update/delete',
    ],
    [
      Array.from({ length: 7 }, (_, i) => ({
        collection: 'apps',
        id: `a${i}`,
        name: `A${i}`,
        fields: ['name'],
      })),
      'App “A0”: name; App “A1”: name; App “A2”: name; App “A3”: name; App “A4”: name; and 2 more',
    ],
  ])('%j → %s', (entities, want) => {
    expect(summarizeEntities(entities)).toBe(want);
  });
});
