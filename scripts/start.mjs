// `npm start [-- --demo]`: builds what is missing (the admin app), then runs the server with tsx.
// Environment: PORT (8080), DATA_DIR (./data), PUBLIC_URL, LOG_LEVEL, … (see sync-server/config.ts).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!fs.existsSync(dir)) return 0;
  let t = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

const builtIndex = path.join(root, 'dist/web/index.html');
const webSource = fs.existsSync(path.join(root, 'web/index.html'));
// Build when missing, or when the app's sources (or core, which it bundles) changed since the last build.
const webBuilt =
  fs.existsSync(builtIndex) &&
  fs.statSync(builtIndex).mtimeMs >=
    Math.max(newest(path.join(root, 'web')), newest(path.join(root, 'core')));
if (!webBuilt && webSource && process.env.SKIP_WEB_BUILD !== '1') {
  console.log('Gatehouse: building the admin app (vite build)…');
  const vite = path.join(root, 'node_modules/vite/bin/vite.js');
  const r = spawnSync(process.execPath, [vite, 'build'], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (r.status !== 0) console.error('Gatehouse: the admin app did not build; the server starts without it.');
} else if (!webSource) {
  console.log('Gatehouse: the admin app is not written yet (no web/index.html); serving a placeholder page.');
}

const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, WEB_DIR: process.env.WEB_DIR ?? path.join(root, 'dist/web') },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
