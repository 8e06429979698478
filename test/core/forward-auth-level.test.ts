/**
 * An app's forward-auth level (issue 14): set and cleared by core's app commands, stored in the doc under
 * its own name (an older doc without it reads as by method), validated like every field, and described in
 * History.
 */

import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import {
  type Command,
  describeChange,
  describeEntityChange,
  forwardAuthLevelText,
  plan,
  readState,
  touchedByOps,
  validateChanges,
} from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

describe('App.forwardAuthLevel', () => {
  it('unset by default (by method); app.create and app.update set it, null clears it', () => {
    const ws = createTestWorkspace();
    const crm = ws.app('crm', ['https://crm.corp.com/*']);
    expect(ws.state().apps.get(crm)!.forwardAuthLevel).toBeUndefined();
    ws.must({ type: 'app.update', appId: crm, forwardAuthLevel: 'edit' });
    expect(ws.state().apps.get(crm)!.forwardAuthLevel).toBe('edit');
    expect(readState(ws.doc).apps.get(crm)!.forwardAuthLevel).toBe('edit'); // stored, not only planned
    ws.must({ type: 'app.update', appId: crm, forwardAuthLevel: null });
    expect(readState(ws.doc).apps.get(crm)!.forwardAuthLevel).toBeUndefined();
    ws.must({ type: 'app.create', name: 'Wiki', forwardAuthLevel: 'view' });
    const wiki = [...ws.state().apps.values()].find((a) => a.name === 'Wiki')!;
    expect(wiki.forwardAuthLevel).toBe('view');
  });

  it('History says what changed, in words', () => {
    const ws = createTestWorkspace();
    const crm = ws.app('crm', ['https://crm.corp.com/*']);
    const before = ws.state();
    const command = { type: 'app.update', appId: crm, forwardAuthLevel: 'view' } as Command;
    const r = plan(before, command);
    if (!r.ok) throw new Error(r.error.message);
    expect(
      describeChange(before, r.value.after, touchedByOps(r.value.ops)).map(describeEntityChange),
    ).toEqual([
      `App “crm”: forward auth “${forwardAuthLevelText(undefined)}” → “${forwardAuthLevelText('view')}”`,
    ]);
  });

  it('a value that is no level, written into the doc, is a violation', () => {
    const ws = createTestWorkspace();
    const crm = ws.app('crm', ['https://crm.corp.com/*']);
    const doc = ws.doc;
    const paths = (value: string) => {
      let changed = new Map<Y.AbstractType<unknown>, Set<string | null>>();
      doc.once('afterTransaction', (tr: Y.Transaction) => {
        changed = tr.changed as typeof changed;
      });
      doc.transact(() => (doc.getMap('apps').get(crm) as Y.Map<unknown>).set('forwardAuthLevel', value));
      return validateChanges(doc, changed).map((v) => v.path);
    };
    expect(paths('edit')).toEqual([]);
    expect(paths('admin')).toContain(`apps.${crm}.forwardAuthLevel`);
  });
});
