/**
 * The access panel: a fixed-position host element with an open shadow root. All text goes in through
 * `textContent` (names are user-supplied); the only URL set is the worker's `mailto:` link.
 */
import type { PanelModel } from '../panel-model.ts';
import { PANEL_CSS } from './panel-css.ts';

export const PANEL_TAG = 'gatehouse-access-panel';

export interface PanelHandle {
  readonly host: HTMLElement;
  update(model: PanelModel): void;
  remove(): void;
}

type Child = Node | string | null | false;

function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

function list(items: readonly string[], empty: string): HTMLElement {
  return items.length ? h('ul', {}, ...items.map((t) => h('li', {}, t))) : h('p', { class: 'muted' }, empty);
}

function timeOf(ms: number): string {
  return new Date(ms).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

function staleText(m: PanelModel): string {
  const since = `Showing your access as of ${timeOf(m.fetchedAt)}.`;
  if (m.staleReason === 'signed-out')
    return `Your session has ended: sign in again from the Gatehouse extension. ${since}`;
  if (m.staleReason === 'unreachable') return `Offline: the Gatehouse server cannot be reached. ${since}`;
  return `Could not refresh your access. ${since}`;
}

function body(m: PanelModel): Child[] {
  return [
    m.stale && h('p', { class: 'stale', role: 'status', 'data-gh': 'stale' }, staleText(m)),
    h('h2', { 'data-gh': 'app' }, m.app),
    h(
      'dl',
      {},
      h('dt', {}, 'Access'),
      h('dd', { 'data-gh': 'level' }, m.accessText),
      h('dt', {}, 'Your role'),
      h('dd', { 'data-gh': 'role' }, m.role),
      h('dt', {}, 'Workspace'),
      h('dd', {}, m.workspace),
    ),
    ...(m.level === 'none'
      ? [
          h('p', { class: 'reason', 'data-gh': 'reason' }, m.reason ?? ''),
          h('h3', {}, 'Admins to ask'),
          h('div', { 'data-gh': 'admins' }, list(m.admins, 'No active admin.')),
          m.requestMailto &&
            h('a', { class: 'request', href: m.requestMailto, 'data-gh': 'request' }, 'Request access'),
        ]
      : [h('h3', {}, 'Granted by'), h('div', { 'data-gh': 'via' }, list(m.via, 'No group.'))]),
    h('h3', {}, 'Data sources'),
    h('div', { 'data-gh': 'data-sources' }, list(m.dataSources, 'None you can use.')),
    h('h3', {}, 'Workspace permissions'),
    h('div', { 'data-gh': 'permissions' }, list(m.permissions, 'None.')),
  ];
}

/** Builds the panel (not yet attached; `update` attaches it to the document on first use). */
export function createPanel(onCollapse: (key: string, collapsed: boolean) => void): PanelHandle {
  const host = document.createElement(PANEL_TAG);
  host.style.setProperty('all', 'initial', 'important');
  host.style.setProperty('position', 'fixed', 'important');
  host.style.setProperty('display', 'block', 'important');
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(PANEL_CSS);
  root.adoptedStyleSheets = [sheet];

  const badge = h('span', { class: 'badge', 'data-gh': 'badge' });
  const title = h('span', { class: 'title' });
  const dot = h('span', { class: 'stale-dot', title: 'Not up to date' });
  const chev = h('span', { class: 'chev', 'aria-hidden': 'true' });
  const toggle = h('button', {
    class: 'toggle',
    type: 'button',
    'aria-controls': 'gh-body',
    'data-gh': 'toggle',
  });
  // Focusable, so a keyboard can scroll it (and press Escape inside it).
  const content = h('div', { class: 'body', id: 'gh-body', tabindex: '0', 'data-gh': 'body' });
  const section = h('section', { class: 'panel' }, toggle, content);
  root.append(section);

  let model: PanelModel | null = null;
  let collapsed = false;

  const setCollapsed = (next: boolean) => {
    collapsed = next;
    content.hidden = next;
    toggle.setAttribute('aria-expanded', String(!next));
    chev.textContent = next ? '▲' : '▼';
  };

  toggle.addEventListener('click', () => {
    setCollapsed(!collapsed);
    if (model) onCollapse(model.key, collapsed);
  });
  section.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || collapsed) return;
    e.stopPropagation();
    setCollapsed(true);
    toggle.focus();
    if (model) onCollapse(model.key, true);
  });

  return {
    host,
    update(next) {
      // A new app starts as remembered, else collapsed unless there is no access (the person needs to
      // read why); later, only a remembered state that changed applies (the cache drew, then the worker).
      const first = model === null || model.key !== next.key;
      const changed = next.collapsed !== null && model?.collapsed !== next.collapsed;
      model = next;
      section.dataset.level = next.level;
      if (next.stale) section.dataset.stale = '';
      else delete section.dataset.stale;
      section.setAttribute('role', 'complementary');
      section.setAttribute('aria-label', `Gatehouse: your access to ${next.app}`);
      badge.textContent = next.levelText;
      title.textContent = next.app;
      toggle.replaceChildren(badge, title, ...(next.stale ? [dot] : []), chev);
      content.replaceChildren(...body(next).filter((c): c is Node | string => !!c));
      if (first) setCollapsed(next.collapsed ?? next.level !== 'none');
      else if (changed) setCollapsed(next.collapsed ?? collapsed);
      if (!host.isConnected) document.documentElement.append(host);
    },
    remove() {
      host.remove();
    },
  };
}
