/**
 * Builds the browser extension into dist/extension/ and zips it (`npm run build:extension`):
 * the service worker and the popup as ES modules, the content script as one IIFE file, the icons drawn
 * here as PNGs (so no binary files live in the repository).
 */
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { build, type InlineConfig } from 'vite';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'extension');
export const ICON_SIZES = [16, 32, 48, 128] as const;

export interface BuildResult {
  readonly outDir: string;
  readonly zipFile: string;
  /** Bytes of the minified content script. */
  readonly contentScriptBytes: number;
}

// --- icons: a tiny PNG encoder (RGBA, no filtering) ---

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePng(
  size: number,
  pixel: (x: number, y: number) => [number, number, number, number],
): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

/** A blue rounded square with a white gate (an arch with an open doorway). */
function iconPixel(size: number) {
  return (px: number, py: number): [number, number, number, number] => {
    const x = (px + 0.5) / size;
    const y = (py + 0.5) / size;
    const r = 0.2;
    const cx = Math.min(Math.max(x, r), 1 - r);
    const cy = Math.min(Math.max(y, r), 1 - r);
    if (Math.hypot(x - cx, y - cy) > r) return [0, 0, 0, 0];
    const inGate =
      x > 0.24 && x < 0.76 && y > 0.3 && y < 0.8 && (y > 0.5 || Math.hypot(x - 0.5, y - 0.5) < 0.26);
    const inDoor =
      x > 0.38 && x < 0.62 && y > 0.46 && y < 0.8 && (y > 0.58 || Math.hypot(x - 0.5, y - 0.58) < 0.12);
    return inGate && !inDoor ? [255, 255, 255, 255] : [9, 105, 218, 255];
  };
}

// --- build ---

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out.sort();
}

const common = (outDir: string): InlineConfig => ({
  configFile: false,
  root: SRC,
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir,
    emptyOutDir: false,
    target: 'chrome120',
    minify: true,
    sourcemap: false,
    modulePreload: false,
  },
});

export async function buildExtension(outDir = join(ROOT, 'dist', 'extension')): Promise<BuildResult> {
  const zipFile = `${outDir.replace(/\/+$/, '')}.zip`;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'icons'), { recursive: true });
  const base = common(outDir);

  // One self-contained file per entry: a waking worker then loads a single module, no shared chunk.
  for (const [name, entry] of [
    ['background', 'background/index.ts'],
    ['popup', 'popup/index.ts'],
  ] as const)
    await build({
      ...base,
      build: {
        ...base.build,
        rolldownOptions: {
          input: { [name]: join(SRC, entry) },
          output: { format: 'es', entryFileNames: '[name].js' },
        },
      },
    });
  await build({
    ...base,
    build: {
      ...base.build,
      lib: {
        entry: join(SRC, 'content/index.ts'),
        formats: ['iife'],
        name: 'gatehouseContent',
        fileName: () => 'content.js',
      },
    },
  });

  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const manifest = JSON.parse(await readFile(join(SRC, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(
    join(outDir, 'manifest.json'),
    `${JSON.stringify({ ...manifest, version: pkg.version }, null, 2)}\n`,
  );
  await copyFile(join(SRC, 'popup/popup.html'), join(outDir, 'popup.html'));
  await copyFile(join(SRC, 'popup/popup.css'), join(outDir, 'popup.css'));
  for (const size of ICON_SIZES)
    await writeFile(join(outDir, `icons/icon-${size}.png`), encodePng(size, iconPixel(size)));

  const files: Record<string, Uint8Array> = {};
  for (const file of await filesUnder(outDir)) files[relative(outDir, file)] = await readFile(file);
  await writeFile(zipFile, zipSync(files, { level: 9, mtime: new Date('2020-01-01T00:00:00Z') }));
  return { outDir, zipFile, contentScriptBytes: (await stat(join(outDir, 'content.js'))).size };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outArg = process.argv[2];
  const result = await buildExtension(outArg ? resolve(outArg) : undefined);
  console.log(
    `extension: ${relative(ROOT, result.outDir)}/ and ${relative(ROOT, result.zipFile)} ` +
      `(content script ${(result.contentScriptBytes / 1024).toFixed(1)} KB)`,
  );
}
