/** Repairers of names (rule 8) and slugs: what concurrent creates or renames made equal, the newer renamed. */
import type { App, DataSource, Group } from '../model.ts';
import { MAX_SLUG, MAX_TEXT } from '../rules/limits.ts';
import { isReservedGroupName, NameSet, normalizeName, sameName } from '../rules/names.ts';
import { type ConflictCause, fitName, groupRef, type Repairer, sortedByAge } from './repair-step.ts';

/** Group names: unique ignoring case and look-alikes (names.ts' sameName), never reserved. The oldest keeps the name. */
export const groupNames: Repairer = (step) => {
  const groups = sortedByAge(step.state.groups.values()).filter((g) => g.deletedAt === undefined);
  const taken = new NameSet();
  for (const g of groups) if (g.kind === 'default') taken.add(g.name);
  const renames: { g: Group; name: string }[] = [];
  for (const g of groups) {
    if (g.kind !== 'custom') continue;
    if (!taken.has(g.name) && !isReservedGroupName(g.name)) {
      taken.add(g.name);
      continue;
    }
    let n = 2;
    let name = fitName(g.name.trim(), ` (${n})`);
    while (taken.has(name) || isReservedGroupName(name)) name = fitName(g.name.trim(), ` (${++n})`);
    taken.add(name);
    renames.push({ g, name });
  }
  // The edits that met: the ones that gave each group the name (a create or a rename).
  const named = (x: Group): ConflictCause => ({
    entityId: x.id,
    fields: ['name', '(created)'],
    text: `Named a group “${x.name}”`,
  });
  for (const { g, name } of renames) {
    step.op({ type: 'entity.set', collection: 'groups', id: g.id, fields: { name } });
    const holder = groups.find((o) => o !== g && sameName(o.name, g.name));
    step.record(`Two groups were named “${g.name}”`, [groupRef(g)], `Renamed the newer one to “${name}”`, [
      ...(holder ? [named(holder)] : []),
      named(g),
    ]);
  }
};

/** Permission names: unique within their group, ignoring case. The oldest keeps the name. */
export const permissionNames: Repairer = (step) => {
  for (const g of sortedByAge(step.state.groups.values())) {
    if (g.deletedAt !== undefined) continue;
    const names = new Set<string>();
    for (const grant of sortedByAge(g.grants.values())) {
      if (grant.deletedAt !== undefined) continue;
      let name = grant.name;
      for (let n = 2; names.has(normalizeName(name)); n++) name = fitName(grant.name, ` (${n})`);
      names.add(normalizeName(name));
      if (name === grant.name) continue;
      step.op({ type: 'grant.set', groupId: g.id, grantId: grant.id, fields: { name } });
      step.record(
        `Two permissions of “${g.name}” were named “${grant.name}”`,
        [groupRef(g)],
        `Renamed the newer one to “${name}”`,
      );
    }
  }
};

/** Room kept in a slug for a `-n` suffix. */
const SLUG_BASE = MAX_SLUG - 6;

/** App slugs: unique among live apps; the oldest keeps its slug, the others get `-2`, `-3`… */
export const appSlugs: Repairer = (step) => {
  const apps = sortedByAge(step.state.apps.values()).filter((a) => a.deletedAt === undefined);
  const slugs = new Set(apps.map((a) => a.slug));
  const seen = new Set<string>();
  for (const a of apps) {
    if (!seen.has(a.slug)) {
      seen.add(a.slug);
      continue;
    }
    const base = a.slug.slice(0, SLUG_BASE);
    let n = 2;
    while (slugs.has(`${base}-${n}`)) n++;
    const slug = `${base}-${n}`;
    slugs.add(slug);
    seen.add(slug);
    step.op({ type: 'entity.set', collection: 'apps', id: a.id, fields: { slug } });
    const holder = apps.find((o) => o !== a && o.slug === a.slug);
    step.record(
      `Two apps used the slug “${a.slug}”`,
      [{ collection: 'apps', id: a.id, name: a.name }],
      `Changed the newer one's slug to “${slug}”`,
      [...(holder ? [holder] : []), a].map((x) => ({
        entityId: x.id,
        fields: ['slug', '(created)'],
        text: `Gave app “${x.name}” the slug “${a.slug}”`,
      })),
    );
  }
};

/** App and data-source names: unique per kind ignoring case and look-alikes. The oldest keeps the name. */
export const resourceNames: Repairer = (step) => {
  for (const collection of ['apps', 'dataSources'] as const) {
    const live = sortedByAge<App | DataSource>(step.state[collection].values()).filter(
      (r) => r.deletedAt === undefined,
    );
    const taken = new NameSet();
    for (const r of live) {
      if (!taken.has(r.name)) {
        taken.add(r.name);
        continue;
      }
      const base = r.name.trim();
      let n = 2;
      const numbered = (k: number) => base.slice(0, MAX_TEXT - ` (${k})`.length) + ` (${k})`;
      while (taken.has(numbered(n))) n++;
      const name = numbered(n);
      taken.add(name);
      const what = collection === 'apps' ? 'apps' : 'data sources';
      step.op({ type: 'entity.set', collection, id: r.id, fields: { name } });
      const holder = live.find((o) => o !== r && sameName(o.name, r.name));
      const kind = collection === 'apps' ? 'an app' : 'a data source';
      step.record(
        `Two ${what} were named “${r.name}”`,
        [{ collection, id: r.id, name: r.name }],
        `Renamed the newer one to “${name}”`,
        [...(holder ? [holder] : []), r].map((x) => ({
          entityId: x.id,
          fields: ['name', '(created)'],
          text: `Named ${kind} “${x.name}”`,
        })),
      );
    }
  }
};
