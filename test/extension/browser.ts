/** Real-Chromium helpers for the extension tests (Debian's Chromium; never a downloaded browser). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Worker } from 'playwright-core';
import { build } from 'vite';
import { type BuildResult, buildExtension } from '../../scripts/build-extension.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `extension/content/panel.ts` as a script that defines `window.GatehousePanel`. */
export async function bundlePanel(): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      lib: { entry: resolve('extension/content/panel.ts'), formats: ['iife'], name: 'GatehousePanel' },
    },
  });
  const first = (Array.isArray(out) ? out[0] : out) as { output: { type: string; code?: string }[] };
  return first.output.find((o) => o.type === 'chunk')?.code ?? '';
}

/** Builds the extension into a fresh temporary directory (tests run in parallel processes). */
export async function buildTempExtension(): Promise<BuildResult & { cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-ext-'));
  const result = await buildExtension(join(dir, 'extension'));
  return { ...result, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface LoadedExtension {
  readonly context: BrowserContext;
  readonly worker: Worker;
  readonly id: string;
  close(): Promise<void>;
}

/** Chromium (new headless) with the built extension loaded; the id comes from the worker's URL. */
export async function launchWithExtension(extensionDir: string): Promise<LoadedExtension> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'gatehouse-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [`--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
  });
  const worker =
    context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  return {
    context,
    worker,
    id: new URL(worker.url()).host,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
