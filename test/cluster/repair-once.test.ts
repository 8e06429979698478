/**
 * Cluster tests 7 and 6 (design/scale-out.md): two apps given one name at once by clients on two
 * instances (each valid alone, broken merged) are repaired exactly once: every instance that sees the
 * merge may try, but a repair is fenced by the head seq it was decided on, so only the first stores
 * anything. And a stale repair: an instance SIGSTOPped with its repair decided (crash-points.ts
 * `before-repair-commit`) while another instance repairs fails its fence when it resumes.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readState } from '../../core/index.ts';
import { connect, run, synced, until } from '../sync-server/helpers.ts';
import { auditCount, type Cluster, createWorkspace, setupWorkspace, startCluster } from './harness.ts';
import { converged } from './storm.ts';

let c: Cluster;
let token: string;
beforeAll(async () => {
  c = await startCluster(3);
  token = await setupWorkspace(c, 'rep');
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

const appsNamed = (cl: { doc: Parameters<typeof readState>[0] }, name: string) =>
  [...readState(cl.doc).apps.values()].filter((x) => x.deletedAt === undefined && x.name === name).length;

it('a conflict made on two instances is repaired exactly once', async () => {
  for (let round = 0; round < 3; round++) {
    const a = connect(c.instances[round % 3]!.server, 'rep', token);
    const b = connect(c.instances[(round + 1) % 3]!.server, 'rep', token);
    await Promise.all([synced(a, 15_000), synced(b, 15_000)]);
    const before = await auditCount(c.databaseUrl, 'repair');
    // Offline, each names an app the same; then both come back at once.
    a.provider.disconnect();
    b.provider.disconnect();
    run(a.doc, { type: 'app.create', name: `Same ${round}` });
    run(b.doc, { type: 'app.create', name: `Same ${round}` });
    a.provider.connect();
    b.provider.connect();
    await until(() => a.provider.synced && b.provider.synced, 15_000, 'both back');
    await until(async () => (await auditCount(c.databaseUrl, 'repair')) > before, 15_000, 'a repair');
    await new Promise((r) => setTimeout(r, 2_500)); // every instance has seen the merge (head poll included)
    expect(await auditCount(c.databaseUrl, 'repair')).toBe(before + 1);
    await converged(c, 'rep', token, [a, b]);
    expect(appsNamed(a, `Same ${round}`)).toBe(1);
    a.destroy();
    b.destroy();
  }
}, 120_000);

/** The state letter of a process (`T`: stopped), from /proc. */
const procState = (pid: number) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];

it('an instance SIGSTOPped with its repair decided fails its head_seq fence on resume', async () => {
  await c.kill(2);
  const victim = await c.start(2, { GATEHOUSE_STOP_AT: 'before-repair-commit', LOG_LEVEL: 'info' });
  const slug = await createWorkspace(c, token, 'stale');
  // Both edits land on instance 2, which decides the repair first; instance 0 holds the doc too.
  const observer = connect(c.instances[0]!.server, slug, token);
  const a = connect(victim.server, slug, token);
  const b = connect(victim.server, slug, token);
  await Promise.all([observer, a, b].map((cl) => synced(cl, 15_000)));
  const before = await auditCount(c.databaseUrl, 'repair');
  a.provider.disconnect();
  b.provider.disconnect();
  run(a.doc, { type: 'app.create', name: 'Twin' });
  run(b.doc, { type: 'app.create', name: 'Twin' });
  a.provider.connect();
  b.provider.connect();
  const pid = victim.child.pid!;
  try {
    await until(() => procState(pid) === 'T', 15_000, 'instance 2 stopped before storing its repair');
    // Meanwhile another instance sees the merge (stream or head poll) and repairs it.
    await until(
      async () => (await auditCount(c.databaseUrl, 'repair')) > before,
      15_000,
      'a repair elsewhere',
    );
  } finally {
    victim.child.kill('SIGCONT');
  }
  await until(
    () => victim.output.includes('repair skipped: another instance committed first'),
    15_000,
    'the stale repair refused by its fence',
  );
  await new Promise((r) => setTimeout(r, 2_500));
  expect(await auditCount(c.databaseUrl, 'repair')).toBe(before + 1);
  await converged(c, slug, token, [observer, a, b]);
  expect(appsNamed(observer, 'Twin')).toBe(1);
  for (const cl of [observer, a, b]) cl.destroy();
}, 120_000);
