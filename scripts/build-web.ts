/** Builds the admin app into `outDir` with Vite, as production (tests and benchmarks each use their own dir). */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export function buildWebInto(outDir: string): void {
  execFileSync(
    process.execPath,
    [
      path.resolve('node_modules/vite/bin/vite.js'),
      'build',
      '--logLevel',
      'error',
      '--outDir',
      outDir,
      '--emptyOutDir',
    ],
    // vitest sets NODE_ENV=test, which would make Vite build a development bundle.
    { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
}
