/**
 * Each person's access requests in a loaded doc, read once per change of the doc's `requests` root and
 * shared by every reader (REST `…/requests/mine`, every member's event stream), not once per reader.
 */
import type * as Y from 'yjs';
import { type AccessRequest, readRequests, schema } from '../../core/index.ts';

interface Index {
  byUser: Map<string, AccessRequest[]> | null;
}

const indexes = new WeakMap<Y.Doc, Index>();

/** The person's requests, newest first. */
export function requestsOf(doc: Y.Doc, userId: string): readonly AccessRequest[] {
  let index = indexes.get(doc);
  if (!index) {
    const fresh: Index = { byUser: null };
    doc.getMap(schema.REQUESTS_ROOT).observeDeep(() => {
      fresh.byUser = null;
    });
    indexes.set(doc, fresh);
    index = fresh;
  }
  if (!index.byUser) {
    const byUser = new Map<string, AccessRequest[]>();
    for (const r of readRequests(doc)) {
      const list = byUser.get(r.userId);
      if (list) list.push(r);
      else byUser.set(r.userId, [r]);
    }
    index.byUser = byUser;
  }
  return index.byUser.get(userId) ?? [];
}
