/**
 * `npm run bench -- core` (issue 2 §7): the core engine on the generated 10,000-user workspace. Every
 * figure is a median of several runs after a warm-up, timed with performance.now().
 */
import { deflateRawSync } from 'node:zlib';
import * as Y from 'yjs';
import {
  accessIndex,
  applyOps,
  computeAccess,
  DocReader,
  type Op,
  plan,
  readState,
  summarize,
  type WorkspaceState,
} from '../core/index.ts';
import { matrixRows } from './core-matrix.ts';
import { type GeneratedWorkspace, generateWorkspace } from './generate-workspace.ts';
import { median, percentile, round, timeOnce, timeRuns } from './measure.ts';
import type { Row } from './row.ts';

const MB = 1_000_000;

function summaryRows(state: WorkspaceState, userIds: readonly string[]): Row[] {
  accessIndex(state);
  for (const id of userIds.slice(0, 1000)) computeAccess(state, id); // warm-up
  const times = userIds.map((id) => timeOnce(() => computeAccess(state, id)));
  const us = median(times) * 1000;
  console.log(`computeAccess: median ${round(us)} µs, p99 ${round(percentile(times, 99) * 1000)} µs`);
  // The JSON summary lists every app and data source, so it is O(resources), not O(the user's grants).
  const sample = userIds.filter((_, i) => i % 50 === 0);
  for (const id of sample.slice(0, 20)) summarize(state, id);
  const summaryMs = median(sample.map((id) => timeOnce(() => summarize(state, id))));
  return [
    {
      name: `one user's access from a built index (computeAccess, median over ${userIds.length.toLocaleString('en-US')} users)`,
      value: round(us),
      unit: 'µs',
      goal: '≤ 50 µs',
      met: us <= 50,
    },
    {
      name: `one user's JSON summary (summarize: all ${state.apps.size.toLocaleString('en-US')} apps + ${state.dataSources.size} data sources, sorted)`,
      value: round(summaryMs * 1000),
      unit: 'µs',
      goal: 'reported (no goal)',
      met: true,
    },
  ];
}

function impactRow(state: WorkspaceState, ws: GeneratedWorkspace): Row {
  const groupId = ws.builderLevelGroupIds[0]!;
  const group = state.groups.get(groupId)!;
  const userIds: string[] = [];
  for (const id of ws.userIds) {
    const u = state.users.get(id)!;
    if (u.role === 'end-user' && u.status !== 'archived' && !group.members.has(id)) userIds.push(id);
    if (userIds.length === 1000) break;
  }
  const command = { type: 'group.addMembers', groupId, userIds, allowRoleChange: true } as const;
  const times = timeRuns(
    7,
    2,
    () => {
      const fresh: WorkspaceState = { ...state }; // cold caches, index of the before-state built
      accessIndex(fresh);
      return fresh;
    },
    (fresh) => {
      const planned = plan(fresh, command, { now: ws.now });
      if (!planned.ok) throw new Error(`plan failed: ${planned.error.code} ${planned.error.message}`);
      if (planned.value.impact.roleChanges.length !== userIds.length)
        throw new Error('expected 1,000 upgrades');
    },
  );
  const ms = median(times);
  return {
    name: `impact of adding ${userIds.length.toLocaleString('en-US')} end-users to a builder-level group (plan, index built)`,
    value: round(ms),
    unit: 'ms',
    goal: '≤ 20 ms',
    met: ms <= 20,
  };
}

function sizeAndColdReadRows(doc: Y.Doc): Row[] {
  const v1update = Y.encodeStateAsUpdate(doc);
  const v1 = v1update.length / MB;
  const v1deflated = deflateRawSync(v1update).length / MB;
  const v2update = Y.encodeStateAsUpdateV2(doc);
  const v2 = v2update.length / MB;
  const v2deflated = deflateRawSync(v2update).length / MB;
  const coldMs = median(
    timeRuns(
      5,
      1,
      () => undefined,
      () => readState(doc),
    ),
  );
  return [
    {
      name: 'read the workspace from its Y.Doc, cold (readState)',
      value: round(coldMs),
      unit: 'ms',
      goal: '≤ 300 ms',
      met: coldMs <= 300,
    },
    {
      name: 'encoded doc size (Y.encodeStateAsUpdate)',
      value: round(v1),
      unit: 'MB',
      goal: '≤ 2 MB',
      met: v1 <= 2,
    },
    {
      name: 'encoded doc size, deflated (zlib level 6, as permessage-deflate would send it)',
      value: round(v1deflated),
      unit: 'MB',
      goal: 'reported (no goal)',
      met: true,
    },
    {
      name: 'encoded doc size, update format V2 (Y.encodeStateAsUpdateV2)',
      value: round(v2),
      unit: 'MB',
      goal: 'reported (no goal)',
      met: true,
    },
    {
      name: 'encoded doc size, V2 deflated (zlib level 6)',
      value: round(v2deflated),
      unit: 'MB',
      goal: 'reported (no goal)',
      met: true,
    },
  ];
}

/** DocReader.state() after one field edit, median of 50 edits. Edits the doc, so it runs last. */
function incrementalReadRows(ws: GeneratedWorkspace): Row[] {
  const { doc } = ws;
  const reader = new DocReader(doc);
  reader.state();
  const editMs = (edit: (i: number) => Op, check: (s: WorkspaceState, i: number) => boolean) => {
    const times: number[] = [];
    for (let i = 0; i < 53; i++) {
      applyOps(doc, [edit(i)], 'bench');
      let s: WorkspaceState | undefined;
      const ms = timeOnce(() => {
        s = reader.state();
      });
      if (!s || !check(s, i)) throw new Error('the reader missed an edit');
      if (i >= 3) times.push(ms);
    }
    return median(times);
  };
  const userId = (i: number) => ws.userIds[(i * 97) % ws.userIds.length]!;
  const groupId = (i: number) => ws.groupIds[(i * 31) % ws.groupIds.length]!;
  const userEditMs = editMs(
    (i) => ({ type: 'entity.set', collection: 'users', id: userId(i), fields: { name: `Renamed ${i}` } }),
    (s, i) => s.users.get(userId(i))?.name === `Renamed ${i}`,
  );
  const groupEditMs = editMs(
    (i) => ({
      type: 'entity.set',
      collection: 'groups',
      id: groupId(i),
      fields: { name: `Renamed group ${i}` },
    }),
    (s, i) => s.groups.get(groupId(i))?.name === `Renamed group ${i}`,
  );
  reader.destroy();
  return [
    {
      name: 'read after a one-field user edit (DocReader.state)',
      value: round(userEditMs, 2),
      unit: 'ms',
      goal: '≤ 1 ms',
      met: userEditMs <= 1,
    },
    {
      name: 'read after a one-field group edit (DocReader.state)',
      value: round(groupEditMs, 2),
      unit: 'ms',
      goal: '≤ 1 ms',
      met: groupEditMs <= 1,
    },
  ];
}

export async function run(): Promise<Row[]> {
  const started = performance.now();
  const ws = generateWorkspace();
  const state = readState(ws.doc);
  const appIds = [...state.apps.values()].filter((a) => a.deletedAt === undefined).map((a) => a.id);
  const { size } = ws;
  console.log(
    `workspace: ${size.users} users, ${size.groups} groups (${ws.builderLevelGroupIds.length} builder-level), ` +
      `${size.apps} apps, ${size.dataSources} data sources; ${ws.ops.length.toLocaleString('en-US')} ops, ` +
      `generated in ${round((performance.now() - started) / 1000)} s (seed ${ws.seed})`,
  );
  // Light measurements first: the matrix leaves a large heap behind.
  const doc = sizeAndColdReadRows(ws.doc);
  const summary = summaryRows(state, ws.userIds);
  const impact = impactRow(state, ws);
  const matrix = matrixRows(state, ws.userIds, appIds);
  const incremental = incrementalReadRows(ws); // last: it edits the doc
  const [cold, ...sizes] = doc;
  return [...matrix, ...summary, impact, cold!, ...incremental, ...sizes];
}
