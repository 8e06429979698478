/**
 * `npm run bench -- [name...]`: runs `bench/<name>.ts` (each exports `run(): Promise<Row[]>`), prints a
 * table and writes `bench/results/<name>.json` as `{ machine, rows }`. No name runs every one that exists.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machine } from './measure.ts';
import type { BenchModule, BenchResult, Row } from './row.ts';

/** The benchmarks of the project, in run order (sync, web and extension are added by their owners). */
export const BENCHMARKS = [
  'core',
  'sync',
  'web',
  'extension',
  'decisions',
  'identity',
  'cluster',
  'history',
] as const;

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(HERE, 'results');
const NAME = /^[a-z][a-z0-9-]*$/;

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'value', 'goal', 'met', 'ratio', 'baseline'];
  const body = rows.map((r) => [
    r.name,
    `${formatValue(r.value)} ${r.unit}`,
    r.goal,
    r.met ? 'yes' : 'NO',
    r.ratio === undefined ? '' : `${formatValue(r.ratio)}×`,
    r.baseline ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function load(name: string): Promise<BenchModule | string> {
  const file = join(HERE, `${name}.ts`);
  if (!existsSync(file)) return `bench/${name}.ts does not exist yet`;
  if (name === 'run') return 'bench/run.ts is the runner';
  const mod = (await import(pathToFileURL(file).href)) as Partial<BenchModule>;
  if (typeof mod.run !== 'function') return `bench/${name}.ts is a helper (it exports no run())`;
  return mod as BenchModule;
}

async function main(argv: readonly string[]): Promise<number> {
  const named = argv.filter((a) => a !== '--');
  const bad = named.filter((n) => !NAME.test(n));
  if (bad.length > 0) {
    console.error(`Not a benchmark name: ${bad.join(', ')} (known: ${BENCHMARKS.join(', ')})`);
    return 2;
  }
  const names = named.length > 0 ? named : [...BENCHMARKS];
  let failed = 0;
  let ran = 0;
  for (const name of names) {
    const mod = await load(name);
    if (typeof mod === 'string') {
      if (named.length > 0) console.log(`skipped ${name}: ${mod}`);
      continue;
    }
    console.log(`\n== ${name} ==`);
    const started = performance.now();
    const rows = await mod.run();
    const result: BenchResult = { machine: machine(), rows };
    mkdirSync(RESULTS, { recursive: true });
    const out = join(RESULTS, `${name}.json`);
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(formatTable(rows));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}; ${seconds} s`,
    );
    console.log(`wrote ${join('bench', 'results', `${name}.json`)}`);
    failed += rows.filter((r) => !r.met).length;
    ran++;
  }
  if (ran === 0) console.log('No benchmark ran.');
  else if (failed > 0) console.log(`\n${failed} goal(s) missed.`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
