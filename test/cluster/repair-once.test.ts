/**
 * Cluster test 7 (design/scale-out.md): two apps given one name at once by clients on two instances (each
 * valid alone, broken merged) are repaired exactly once: every instance that sees the merge may try, but a
 * repair is fenced by the head seq it was decided on, so only the first stores anything.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readState } from '../../core/index.ts';
import { connect, run, synced, until } from '../sync-server/helpers.ts';
import { auditCount, type Cluster, setupWorkspace, startCluster } from './harness.ts';
import { converged } from './storm.ts';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster(3);
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

it('a conflict made on two instances is repaired exactly once', async () => {
  const token = await setupWorkspace(c, 'rep');
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
    const names = [...readState(a.doc).apps.values()]
      .filter((x) => x.deletedAt === undefined)
      .map((x) => x.name);
    expect(names.filter((n) => n === `Same ${round}`).length).toBe(1);
    a.destroy();
    b.destroy();
  }
}, 120_000);
