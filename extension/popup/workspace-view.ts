/** One workspace in the popup: role, groups, every app with its level and via, data sources, permissions. */
import { FLAG_LABELS, FLAGS, LEVEL_LABELS } from '../../core/model.ts';
import { ERROR_TEXT } from '../errors.ts';
import type { WorkspaceView } from '../messages.ts';
import type { Via } from '../summary.ts';
import { h } from './dom.ts';

const ROLE_TEXT: Readonly<Record<string, string>> = {
  admin: 'Admin',
  builder: 'Builder',
  'end-user': 'End-user',
};

function list(items: readonly string[], empty: string): HTMLElement {
  return items.length ? h('ul', {}, ...items.map((t) => h('li', {}, t))) : h('p', { class: 'muted' }, empty);
}

const groupsOf = (via: readonly Via[]) => [...new Set(via.map((v) => v.groupName))].join(', ');

export function workspaceView(w: WorkspaceView): HTMLElement {
  const s = w.summary;
  const section = h(
    'section',
    { class: 'ws', 'data-ws': w.slug },
    h('h2', {}, w.name),
    h('p', { class: 'muted', 'data-gh': 'role' }, `Role: ${ROLE_TEXT[s?.user.role ?? w.role] ?? w.role}`),
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
          ...s.apps.map((a) =>
            h(
              'tr',
              { 'data-app': a.slug },
              h('td', {}, a.name),
              h(
                'td',
                { class: `level level-${a.level ?? 'none'}` },
                a.level ? LEVEL_LABELS[a.level] + (a.hidden ? ' (hidden)' : '') : 'No access',
              ),
              h('td', {}, a.level ? groupsOf(a.via) : 'No group grants it'),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No apps in this workspace.'),
    h('h3', {}, 'Data sources'),
    list(
      s.dataSources
        .filter((d) => d.level)
        .map((d) => `${d.name}: ${d.level ? LEVEL_LABELS[d.level] : ''} (via ${groupsOf(d.via)})`),
      'None you can use.',
    ),
    h('h3', {}, 'Workspace permissions'),
    list(
      FLAGS.filter((f) => s.flags[f]).map((f) => FLAG_LABELS[f]),
      'None.',
    ),
  );
  if (!s.apps.some((a) => a.level) && s.admins.length)
    section.append(
      h('p', { class: 'muted' }, `Admins: ${s.admins.map((a) => `${a.name} <${a.email}>`).join(', ')}`),
    );
  return section;
}
