/**
 * The full access matrix (every user × every app): Gatehouse (index + computeAccess + app(id)) against
 * ToolJet-style `@casl/ability` abilities. CASL is timed on a deterministic subset of users and
 * extrapolated linearly (its cost is per user); both engines' decisions are compared on that subset.
 */
import { accessIndex, computeAccess, type UserAccess, type WorkspaceState } from '../core/index.ts';
import {
  type AppAbility,
  appRecords,
  buildAbility,
  type CaslInput,
  caslInputs,
  type Decision,
  decide,
} from './casl-baseline.ts';
import { median, round, timeOnce } from './measure.ts';
import type { Row } from './row.ts';

const GATEHOUSE_RUNS = 3;
const CASL_RUNS = 3;
/** Every CASL_STRIDE-th user is timed with CASL (500 of 10,000: the full CASL matrix takes minutes). */
const CASL_STRIDE = 20;

interface Timing {
  readonly buildMs: number;
  readonly decideMs: number;
  readonly counts: readonly number[];
}

function levelOf(access: UserAccess, appId: string): Decision {
  const level = access.app(appId).level;
  return level === 'edit' ? 2 : level === 'view' ? 1 : 0;
}

/** One Gatehouse matrix on a fresh state object, so the per-state index and caches start cold. */
function gatehouseOnce(state: WorkspaceState, userIds: readonly string[], appIds: readonly string[]): Timing {
  const s: WorkspaceState = { ...state };
  const accesses: UserAccess[] = new Array(userIds.length);
  const buildMs = timeOnce(() => {
    accessIndex(s);
    for (let i = 0; i < userIds.length; i++) accesses[i] = computeAccess(s, userIds[i]!)!;
  });
  const counts = [0, 0, 0];
  const decideMs = timeOnce(() => {
    for (const access of accesses) for (const appId of appIds) counts[levelOf(access, appId)]!++;
  });
  return { buildMs, decideMs, counts };
}

function caslOnce(inputs: readonly CaslInput[], apps: readonly { id: string }[], out?: Uint8Array): Timing {
  const abilities: AppAbility[] = new Array(inputs.length);
  const buildMs = timeOnce(() => {
    for (let i = 0; i < inputs.length; i++) abilities[i] = buildAbility(inputs[i]!);
  });
  const counts = [0, 0, 0];
  const decideMs = timeOnce(() => {
    let k = 0;
    for (const ability of abilities)
      for (const app of apps) {
        const d = decide(ability, app);
        counts[d]!++;
        if (out) out[k] = d;
        k++;
      }
  });
  return { buildMs, decideMs, counts };
}

function medians(runs: readonly Timing[]): { build: number; decide: number; total: number } {
  return {
    build: median(runs.map((r) => r.buildMs)),
    decide: median(runs.map((r) => r.decideMs)),
    total: median(runs.map((r) => r.buildMs + r.decideMs)),
  };
}

/** Throws unless Gatehouse decides exactly what CASL decided for every (user, app) of the subset. */
function verify(
  state: WorkspaceState,
  subset: readonly string[],
  appIds: readonly string[],
  casl: Uint8Array,
) {
  let k = 0;
  for (const userId of subset) {
    const access = computeAccess(state, userId)!;
    for (const appId of appIds) {
      const mine = levelOf(access, appId);
      if (mine !== casl[k])
        throw new Error(
          `decisions differ for user ${userId}, app ${appId}: Gatehouse ${mine}, CASL ${casl[k]}`,
        );
      k++;
    }
  }
  return k;
}

export function matrixRows(
  state: WorkspaceState,
  userIds: readonly string[],
  appIds: readonly string[],
): Row[] {
  const cells = userIds.length * appIds.length;
  gatehouseOnce(state, userIds, appIds); // warm-up
  const gh: Timing[] = [];
  for (let i = 0; i < GATEHOUSE_RUNS; i++) gh.push(gatehouseOnce(state, userIds, appIds));

  const subset = userIds.filter((_, i) => i % CASL_STRIDE === 0);
  const scale = userIds.length / subset.length;
  const inputs = caslInputs(state, subset);
  const apps = appRecords(appIds);
  caslOnce(inputs.slice(0, 50), apps); // warm-up
  const caslDecisions = new Uint8Array(subset.length * appIds.length);
  const casl: Timing[] = [];
  for (let i = 0; i < CASL_RUNS; i++) casl.push(caslOnce(inputs, apps, i === 0 ? caslDecisions : undefined));
  const checked = verify(state, subset, appIds, caslDecisions);
  const [none, view, edit] = gh[0]!.counts;
  console.log(
    `matrix: ${cells.toLocaleString('en-US')} decisions (edit ${edit}, view ${view}, none ${none}); ` +
      `${checked.toLocaleString('en-US')} identical to CASL`,
  );

  const g = medians(gh);
  const c = medians(casl);
  const caslTotal = c.total * scale;
  const caslDecide = c.decide * scale;
  const subsetNote = `${subset.length.toLocaleString('en-US')} of ${userIds.length.toLocaleString('en-US')} users timed, ×${scale}`;
  const ratio = caslTotal / g.total;
  const ratioDecide = caslDecide / g.decide;
  const size = `${userIds.length.toLocaleString('en-US')} users × ${appIds.length.toLocaleString('en-US')} apps`;
  return [
    {
      name: `access matrix ${size}, incl. building index/abilities (CASL extrapolated)`,
      value: round(g.total),
      unit: 'ms',
      goal: '≥ 10× faster than CASL',
      met: ratio >= 10,
      baseline: `@casl/ability 7.0.1, ToolJet-style abilities: ${round(caslTotal)} ms (build ${round(c.build * scale)} + checks ${round(caslDecide)}; ${subsetNote})`,
      ratio: round(ratio),
    },
    {
      name: `access matrix ${size}, decisions only (CASL extrapolated)`,
      value: round(g.decide),
      unit: 'ms',
      goal: 'reported (no goal)',
      met: true,
      baseline: `@casl/ability 7.0.1 checks only: ${round(caslDecide)} ms (${subsetNote})`,
      ratio: round(ratioDecide),
    },
    {
      name: `access matrix: Gatehouse index + ${userIds.length.toLocaleString('en-US')} computeAccess (build part)`,
      value: round(g.build),
      unit: 'ms',
      goal: 'reported (no goal)',
      met: true,
      baseline: `@casl/ability 7.0.1 building abilities: ${round(c.build * scale)} ms (${subsetNote})`,
      ratio: round((c.build * scale) / g.build),
    },
  ];
}
