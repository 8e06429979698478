/**
 * The workspace at a past moment (issue 15): a kept snapshot plus the updates logged after it, up to the
 * moment's seq cut, applied to a fresh doc and read as of that moment's time (memberships expire by it).
 */
import * as Y from 'yjs';
import { readState } from '../doc/doc-reader.ts';
import type { WorkspaceState } from '../model.ts';

/** What a moment is rebuilt from (the storage's history read, without its bookkeeping). */
export interface MomentSource {
  /** A V1 update holding the state up to some seq, or null (start from an empty doc). */
  readonly base: Uint8Array | null;
  /** V1 updates after the base, in the order they were committed. */
  readonly updates: readonly { readonly update: Uint8Array }[];
}

/** A fresh doc holding the base and the updates (the caller destroys it). */
export function docAt(source: MomentSource): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    if (source.base) Y.applyUpdate(doc, source.base);
    for (const u of source.updates) Y.applyUpdate(doc, u.update);
  });
  return doc;
}

/** The state at a moment: the doc rebuilt from `source`, read as of `at` (epoch ms). */
export function stateAt(source: MomentSource, at: number): WorkspaceState {
  const doc = docAt(source);
  try {
    return readState(doc, at);
  } finally {
    doc.destroy();
  }
}
