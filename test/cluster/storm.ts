/** Clients spread over the instances, a write storm, and the convergence checks of the cluster tests. */
import * as Y from 'yjs';
import { commit, DocReader, plan } from '../../core/index.ts';
import { type Client, connect, groupNames, synced, until } from '../sync-server/helpers.ts';
import type { Cluster } from './harness.ts';

/** `perInstance` clients on every instance, synced. */
export async function spreadClients(
  c: Cluster,
  slug: string,
  token: string,
  perInstance: number,
): Promise<Client[]> {
  const clients: Client[] = [];
  for (const inst of c.instances)
    for (let k = 0; k < perInstance; k++) clients.push(connect(inst.server, slug, token));
  await Promise.all(clients.map((cl) => synced(cl, 15_000)));
  return clients;
}

export interface Storm {
  /** Stops every client; resolves the count of groups made. */
  stop(): Promise<number>;
  /** Client i stops editing (while it moves to another instance) until `release(i)`. */
  hold(i: number): void;
  release(i: number): void;
  /** How many groups client i made so far: `<tag>c<i>-0` … `<tag>c<i>-<made - 1>`. */
  made(i: number): number;
}

/**
 * Every client creates groups `<tag>c<i>-<n>` until `stop()`; resolves the count made. Each client plans
 * from its own incremental reader (core's DocReader): reading the whole doc for every edit, as the tests'
 * `run` does, costs ~40 ms at 3,000 groups, and six such clients held this process's event loop (and
 * whatever else runs in it) for seconds.
 */
export function storm(clients: readonly Client[], pauseMs = 20, tag = ''): Storm {
  let on = true;
  let made = 0;
  const madeBy = clients.map(() => 0);
  const held = new Set<number>();
  const loops = clients.map(async (cl, i) => {
    const reader = new DocReader(cl.doc);
    try {
      for (let n = 0; on; n++) {
        if (held.has(i)) {
          n--;
          await new Promise((r) => setTimeout(r, pauseMs));
          continue;
        }
        const planned = plan(reader.state(), { type: 'group.create', name: `${tag}c${i}-${n}` });
        if (!planned.ok) throw new Error(`group.create: ${planned.error.message}`);
        commit(cl.doc, planned.value);
        made++;
        madeBy[i] = n + 1;
        await new Promise((r) => setTimeout(r, pauseMs + Math.random() * pauseMs));
      }
    } finally {
      reader.destroy();
    }
  });
  return {
    hold: (i) => void held.add(i),
    release: (i) => void held.delete(i),
    made: (i) => madeBy[i]!,
    async stop() {
      on = false;
      await Promise.all(loops);
      return made;
    },
  };
}

/** What each client received from others (group names it did not make). */
export function received(clients: readonly Client[], tag = ''): Set<string> {
  const out = new Set<string>();
  clients.forEach((cl, i) => {
    for (const name of groupNames(cl.doc)) if (!name.startsWith(`${tag}c${i}-`)) out.add(name);
  });
  return out;
}

const sameVector = (a: Y.Doc, b: Y.Doc) =>
  Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b)));

/**
 * Waits until every client, a fresh client on every instance (its view of that instance's doc) and the
 * doc rebuilt from PostgreSQL hold the same state; returns the group names.
 */
export async function converged(
  c: Cluster,
  slug: string,
  token: string,
  clients: readonly Client[],
  timeoutMs = 20_000,
): Promise<string[]> {
  const union = new Set(clients.flatMap((cl) => groupNames(cl.doc)));
  let stored = await c.storedDoc(slug);
  try {
    await until(
      async () => {
        stored = await c.storedDoc(slug);
        return groupNames(stored).length >= union.size && clients.every((cl) => sameVector(cl.doc, stored));
      },
      timeoutMs,
      'clients and PostgreSQL converge',
    );
  } catch (err) {
    const have = new Set(groupNames(stored));
    const missing = [...union].filter((n) => !have.has(n));
    const differ = clients.flatMap((cl, i) => (sameVector(cl.doc, stored) ? [] : [i]));
    const state = clients.map(
      (cl) =>
        `${cl.provider.wsconnected}/${cl.provider.synced}/${cl.closes
          .slice(-3)
          .map((e) => `${e.code}:${e.reason}`)
          .join('|')}`,
    );
    const logs = `${state.join('\n')}\n${c.instances.map((i) => i.output.slice(-600)).join('\n---\n')}`;
    throw new Error(
      `${(err as Error).message}: missing ${missing.slice(0, 10).join(', ')} (${missing.length}); clients differing ${differ.join(', ')}\n${logs}`,
    );
  }
  const fresh = c.instances
    .filter((i) => i.child.exitCode === null && i.child.signalCode === null)
    .map((i) => connect(i.server, slug, token));
  try {
    await Promise.all(fresh.map((f) => synced(f, 15_000)));
    await until(() => fresh.every((f) => sameVector(f.doc, stored)), timeoutMs, 'every instance converges');
  } finally {
    for (const f of fresh) f.destroy();
  }
  const names = groupNames(stored);
  for (const cl of clients) if (groupNames(cl.doc).join() !== names.join()) throw new Error('client differs');
  return names;
}
