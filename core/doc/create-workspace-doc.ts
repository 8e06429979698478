/** A new workspace doc: meta and the three default groups, written once by whoever creates the workspace. */
import * as Y from 'yjs';
import { newId } from '../ids.ts';
import { ROLES, type WorkspaceMeta } from '../model.ts';
import { grantFields, type Op } from '../ops.ts';
import { DEFAULT_GROUP_CONTENT } from '../rules/default-groups.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { applyOps } from './write-ops.ts';

export function initialOps(meta: WorkspaceMeta, now: number): Op[] {
  const ops: Op[] = [
    { type: 'meta.set', fields: { name: meta.name, slug: meta.slug, schemaVersion: SCHEMA_VERSION } },
  ];
  for (const role of ROLES) {
    const content = DEFAULT_GROUP_CONTENT[role];
    const groupId = newId();
    ops.push({
      type: 'entity.create',
      collection: 'groups',
      id: groupId,
      fields: { name: content.name, kind: 'default', role, createdAt: now, ...content.flags },
    });
    if (role === 'admin') continue; // Admin's content is fixed; nothing to store.
    for (const g of content.grants) {
      ops.push({
        type: 'grant.create',
        groupId,
        grantId: newId(),
        fields: grantFields(g, now),
        resourceIds: [],
      });
    }
  }
  return ops;
}

export function createWorkspaceDoc(meta: WorkspaceMeta, now: number = Date.now()): Y.Doc {
  const doc = new Y.Doc();
  applyOps(doc, initialOps(meta, now), 'init');
  return doc;
}
