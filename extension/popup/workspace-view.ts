/**
 * One workspace in the popup: role, groups, every app with its level and via (those you can open first,
 * then reachable by link, then no access), data sources, permissions.
 */
import {
  accessText,
  appSections,
  levelText,
  noAccessShort,
  permissionText,
  personText,
  viaText,
} from '../../core/access/present.ts';
import { FLAGS, ROLE_LABELS, type Role } from '../../core/model.ts';
import { ERROR_TEXT } from '../errors.ts';
import type { WorkspaceView } from '../messages.ts';
import { h } from './dom.ts';

/** The role's label (the account list's role is a plain string from the server). */
const roleText = (role: string) => ROLE_LABELS[role as Role] ?? role;

function list(items: readonly string[], empty: string): HTMLElement {
  return items.length ? h('ul', {}, ...items.map((t) => h('li', {}, t))) : h('p', { class: 'muted' }, empty);
}

export function workspaceView(w: WorkspaceView): HTMLElement {
  const s = w.summary;
  const section = h(
    'section',
    { class: 'ws', 'data-ws': w.slug },
    h('h2', {}, w.name),
    h('p', { class: 'muted', 'data-gh': 'role' }, `Role: ${roleText(s?.user.role ?? w.role)}`),
  );
  if (w.stale || !s) {
    const why = w.staleReason ? ERROR_TEXT[w.staleReason] : 'Not loaded yet.';
    const since = w.fetchedAt ? ` Showing your access as of ${new Date(w.fetchedAt).toLocaleString()}.` : '';
    section.append(h('p', { class: 'note', role: 'status', 'data-gh': 'stale' }, why + since));
  }
  if (!s) return section;
  section.append(
    h('h3', {}, 'Your groups'),
    s.groups.length
      ? h('ul', {}, ...s.groups.map((g) => h('li', {}, g.name)))
      : h('p', { class: 'muted' }, 'No custom group.'),
    h('h3', {}, 'Apps'),
    s.apps.length
      ? h(
          'table',
          {},
          h('tr', {}, h('th', {}, 'App'), h('th', {}, 'Access'), h('th', {}, 'Via')),
          // As My access orders them: the apps you can open, then reachable by link, then no access.
          ...Object.values(appSections(s))
            .flat()
            .map((a) =>
              h(
                'tr',
                { 'data-app': a.slug },
                h('td', {}, a.name),
                h('td', { class: `level level-${a.level ?? 'none'}` }, levelText(a.level, a.hidden)),
                h('td', {}, a.level ? viaText(a.via) : noAccessShort(s)),
              ),
            ),
        )
      : h('p', { class: 'muted' }, 'No apps in this workspace.'),
    h('h3', {}, 'Data sources'),
    list(
      s.dataSources.filter((d) => d.level).map((d) => `${d.name}: ${accessText(d)}`),
      'None you can use.',
    ),
    h('h3', {}, 'Workspace permissions'),
    list(
      FLAGS.filter((f) => s.flags[f]).map((f) => permissionText(s, f)),
      'None.',
    ),
  );
  if (!s.apps.some((a) => a.level) && s.admins.length)
    section.append(h('p', { class: 'muted' }, `Admins: ${s.admins.map(personText).join(', ')}`));
  return section;
}
