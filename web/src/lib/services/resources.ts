/** App and data-source mutations; URL patterns are checked with core validateUrlPattern. */
import { type AppLevel, validateUrlPattern } from '../../../../core/index.ts';
import { run } from './mutate.ts';

/** Splits a textarea of patterns (one per line or comma-separated) and validates each. */
export function parsePatterns(text: string): { patterns: string[]; errors: string[] } {
  const patterns: string[] = [];
  const errors: string[] = [];
  for (const raw of text.split(/[\n,]+/)) {
    const p = raw.trim();
    if (!p) continue;
    const r = validateUrlPattern(p);
    if (r.ok) patterns.push(r.value);
    // Core's message already quotes the pattern; prefix it only when it does not.
    else errors.push(r.error.message.includes(p) ? r.error.message : `${p}: ${r.error.message}`);
  }
  return { patterns, errors };
}

export const appService = {
  create: (name: string, urlPatterns: string[], forwardAuthLevel: AppLevel | null = null) =>
    run(
      { type: 'app.create', name, urlPatterns, forwardAuthLevel },
      { summary: `Create app “${name}”`, success: 'App created', quiet: true },
    ),
  update: (
    appId: string,
    patch: { name?: string; urlPatterns?: string[]; forwardAuthLevel?: AppLevel | null },
    label: string,
  ) =>
    run(
      { type: 'app.update', appId, ...patch },
      { summary: `Update app “${label}”`, success: 'App updated', quiet: true },
    ),
  delete: (appId: string, name: string) =>
    run({ type: 'app.delete', appId }, { summary: `Delete app “${name}”`, success: 'App deleted' }),
};

export const dataSourceService = {
  create: (name: string, kind: string) =>
    run(
      { type: 'dataSource.create', name, kind },
      { summary: `Create data source “${name}”`, success: 'Data source created', quiet: true },
    ),
  update: (dataSourceId: string, patch: { name?: string; kind?: string }, label: string) =>
    run(
      { type: 'dataSource.update', dataSourceId, ...patch },
      { summary: `Update data source “${label}”`, success: 'Data source updated', quiet: true },
    ),
  delete: (dataSourceId: string, name: string) =>
    run(
      { type: 'dataSource.delete', dataSourceId },
      { summary: `Delete data source “${name}”`, success: 'Data source deleted' },
    ),
};
