/** Runs a mutation on a doc and captures what it integrated: the binary update and `transaction.changed`. */
import * as Y from 'yjs';

export type Changed = Map<Y.AbstractType<unknown>, Set<string | null>>;

export interface Captured {
  /** Null when the mutation integrated nothing new (e.g. a duplicate update). */
  readonly update: Uint8Array | null;
  readonly changed: Changed;
}

export function capture(doc: Y.Doc, mutate: () => void): Captured {
  const updates: Uint8Array[] = [];
  const changed: Changed = new Map();
  const onUpdate = (u: Uint8Array) => {
    updates.push(u);
  };
  const onAfter = (tr: Y.Transaction) => {
    for (const [type, keys] of tr.changed) {
      let set = changed.get(type as Y.AbstractType<unknown>);
      if (!set) changed.set(type as Y.AbstractType<unknown>, (set = new Set()));
      for (const k of keys) set.add(k);
    }
  };
  doc.on('update', onUpdate);
  doc.on('afterTransaction', onAfter);
  try {
    mutate();
  } finally {
    doc.off('update', onUpdate);
    doc.off('afterTransaction', onAfter);
  }
  const update = updates.length === 0 ? null : updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
  return { update, changed };
}
