// Writes the latest benchmark figures (bench/results/*.json) into README.md's performance section,
// between the `<!-- bench:start -->` and `<!-- bench:end -->` markers. Run after `npm run bench`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ORDER = ['core', 'sync', 'web', 'extension', 'decisions', 'identity', 'cluster', 'history'];
const TITLES = {
  core: 'Core engine',
  sync: 'Sync server',
  web: 'Admin app',
  extension: 'Extension',
  decisions: 'Decisions (AuthZEN)',
  identity: 'Identity (SCIM provisioning)',
  cluster: 'Cluster (PostgreSQL + Redis)',
  history: 'Permission history',
};

const cell = (s) => String(s).replaceAll('|', '\\|');
const num = (v) =>
  typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(v);

/**
 * A row's floor (the physical limit measured in the same run): its `floor` field, else the clause of its
 * note that starts with "floor" (the benchmarks write it there), moved out of the note.
 */
function floorOf(r) {
  const note = r.baseline ?? '';
  if (r.floor) return { floor: r.floor, note };
  const m = /(^|;\s*)(floor\b[^;]*)/i.exec(note);
  if (!m) return { floor: '', note };
  const rest = (note.slice(0, m.index) + note.slice(m.index + m[0].length)).replace(/^;\s*/, '').trim();
  return {
    floor: m[2].replace(/^floor\s*(\(([^)]*)\))?:?\s*/i, (_, __, what) => (what ? `${what}: ` : '')),
    note: rest,
  };
}

const parts = [];
for (const name of ORDER) {
  const file = path.join(root, 'bench/results', `${name}.json`);
  if (!fs.existsSync(file)) continue;
  const { machine, rows } = JSON.parse(fs.readFileSync(file, 'utf8'));
  const load = machine.loadAverage
    ? `, load average ${machine.loadAverage.map((x) => x.toFixed(1)).join(' / ')}`
    : '';
  parts.push(`### ${TITLES[name]} (\`npm run bench -- ${name}\`)\n`);
  parts.push(
    `Measured ${machine.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpu}, ${machine.cores} cores, ` +
      `${machine.memoryGiB} GiB, Node ${machine.node}${load}.\n`,
  );
  parts.push('| measure | value | goal | met | floor | ratio | baseline / note |');
  parts.push('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const { floor, note } = floorOf(r);
    parts.push(
      `| ${cell(r.name)} | ${num(r.value)} ${cell(r.unit)} | ${cell(r.goal)} | ${r.met ? 'yes' : '**no**'} | ${cell(floor)} | ${r.ratio === undefined ? '' : `${num(r.ratio)}×`} | ${cell(note)} |`,
    );
  }
  parts.push('');
}

const readme = path.join(root, 'README.md');
const text = fs.readFileSync(readme, 'utf8');
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
const i = text.indexOf(start);
const j = text.indexOf(end);
if (i < 0 || j < i) throw new Error('README.md has no bench markers');
fs.writeFileSync(readme, `${text.slice(0, i + start.length)}\n${parts.join('\n')}\n${text.slice(j)}`);
console.log(`README.md: wrote ${parts.filter((p) => p.startsWith('|')).length} table lines`);
