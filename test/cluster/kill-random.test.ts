/**
 * Cluster test 3, random times (design/scale-out.md): mid-storm, an instance chosen at random is
 * SIGKILLed after a random delay, wherever its pipeline is. Right after the kill, before its clients resend
 * anything elsewhere, every update any instance acknowledged (answered a step 1 after: acks.ts) and every
 * update any client received is in PostgreSQL; then its clients move to another instance, it starts
 * again, and every edit any client made is stored and everyone converges. The choices come from a seeded
 * PRNG: the seed is printed, and `CLUSTER_SEED=<seed>` replays them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { int, mulberry32, pick } from '../../bench/prng.ts';
import { connect, groupNames, until } from '../sync-server/helpers.ts';
import { acknowledge } from './acks.ts';
import { type Cluster, createWorkspace, setupWorkspace, startCluster } from './harness.ts';
import { converged, received, spreadClients, storm } from './storm.ts';

const seed = Number(process.env.CLUSTER_SEED) || Math.floor(Math.random() * 2 ** 31);
console.log(`kill -9 at random times: seed ${seed} (CLUSTER_SEED=${seed} replays the choices)`);
const rng = mulberry32(seed);

let c: Cluster;
let token: string;
beforeAll(async () => {
  c = await startCluster(3);
  token = await setupWorkspace(c, 'rand');
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

const notIn = (names: Iterable<string>, stored: Set<string>) => [...names].filter((n) => !stored.has(n));

it.each([1, 2, 3])(
  'round %i: an instance SIGKILLed at a random time loses no acknowledged update and everyone converges',
  async (round) => {
    const victim = int(rng, 0, 2);
    const killAfterMs = int(rng, 0, 2_500);
    const moveTo = pick(
      rng,
      [0, 1, 2].filter((i) => i !== victim),
    );
    console.log(
      `seed ${seed} round ${round}: kill instance ${victim} ${killAfterMs} ms after the first acknowledgement, its clients to ${moveTo}`,
    );
    const slug = await createWorkspace(c, token, `rand${round}`);
    const clients = await spreadClients(c, slug, token, 2);
    const current = [...clients];
    const s = storm(clients);
    const acks = acknowledge(() => current, s);
    let restarted = false;
    try {
      await until(() => acks.names().size > 0, 10_000, 'a first acknowledgement');
      await new Promise((r) => setTimeout(r, killAfterMs));
      await c.kill(victim);
      const acked = acks.names();
      const relayed = received(current);
      const stored = new Set(groupNames(await c.storedDoc(slug)));
      console.log(
        `round ${round} at the kill: ${acked.size} acknowledged, ${relayed.size} received, ${stored.size} stored`,
      );
      expect(notIn(acked, stored)).toEqual([]);
      expect(notIn(relayed, stored)).toEqual([]);
      // Its clients reconnect elsewhere with everything they hold (their step 2 resends it), editing on.
      for (const k of [2 * victim, 2 * victim + 1]) {
        current[k]!.provider.destroy();
        current[k] = connect(c.instances[moveTo]!.server, slug, token, current[k]!.doc);
      }
      await c.start(victim);
      restarted = true;
      await new Promise((r) => setTimeout(r, 500));
      const made = await s.stop();
      const names = await converged(c, slug, token, current, 40_000);
      expect(names.length).toBe(made);
      const after = new Set(names);
      expect(notIn(acks.names(), after)).toEqual([]);
      expect(notIn(received(current), after)).toEqual([]);
    } finally {
      acks.stop();
      await s.stop();
      for (const cl of current) cl.destroy();
      if (!restarted) {
        // The next round needs three instances, whatever failed here.
        await c.kill(victim);
        await c.start(victim);
      }
    }
  },
  120_000,
);
