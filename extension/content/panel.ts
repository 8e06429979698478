/**
 * The access panel: a fixed-position host element with an open shadow root. All text goes in through
 * `textContent` (names are user-supplied); the only URL set is the worker's `mailto:` link.
 */
import type { PanelAccessRequest } from '../messages.ts';
import type { PanelModel } from '../panel-model.ts';
import { PANEL_CSS } from './panel-css.ts';

export const PANEL_TAG = 'gatehouse-access-panel';

export interface PanelHandle {
  readonly host: HTMLElement;
  update(model: PanelModel): void;
  /** The worker's answer to this panel's Request access (`key`: the panel it was for). */
  requested(key: string, ok: boolean, text: string): void;
  remove(): void;
}

const DURATIONS: readonly [string, string][] = [
  ['1d', '1 day'],
  ['7d', '1 week'],
  ['30d', '30 days'],
  ['', 'Until revoked'],
];

/** The Request access form: level, reason, how long; the answer replaces it. */
function requestForm(
  onSend: (r: PanelAccessRequest) => void,
  answer: { ok: boolean; text: string } | null,
): HTMLElement {
  if (answer?.ok)
    return h('p', { class: 'requested', role: 'status', 'data-gh': 'request-result' }, answer.text);
  const level = h(
    'select',
    { 'data-gh': 'request-level', 'aria-label': 'Access to ask for' },
    h('option', { value: 'view' }, 'View'),
    h('option', { value: 'edit' }, 'Edit'),
  ) as HTMLSelectElement;
  const reason = h('textarea', {
    rows: '2',
    maxlength: '500',
    'data-gh': 'request-reason',
    'aria-label': 'Why you need it',
    placeholder: 'Why you need it',
  }) as HTMLTextAreaElement;
  const duration = h(
    'select',
    { 'data-gh': 'request-duration', 'aria-label': 'For how long' },
    ...DURATIONS.map(([v, t]) => h('option', { value: v }, t)),
  ) as HTMLSelectElement;
  duration.value = '7d';
  const send = h('button', { type: 'submit', class: 'request', 'data-gh': 'request-send' }, 'Send request');
  const form = h(
    'form',
    { class: 'request-form', 'data-gh': 'request-form' },
    level,
    reason,
    duration,
    send,
    answer ? h('p', { class: 'reason', role: 'alert', 'data-gh': 'request-error' }, answer.text) : null,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!reason.value.trim()) return reason.focus();
    const d = duration.value;
    onSend({
      type: 'panel.request',
      level: level.value === 'edit' ? 'edit' : 'view',
      reason: reason.value,
      duration: d === '1d' || d === '7d' || d === '30d' ? d : null,
    });
  });
  return form;
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

function body(m: PanelModel, form: HTMLElement | null): Child[] {
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
          form,
          m.requestMailto &&
            h('a', { class: 'mailto', href: m.requestMailto, 'data-gh': 'request' }, 'Email the admins'),
        ]
      : [
          h('h3', {}, 'Granted by'),
          h('div', { 'data-gh': 'via' }, list(m.via, 'No group.')),
          m.request?.status === 'approved' &&
            h('p', { class: 'muted', 'data-gh': 'request-state' }, m.request.text),
        ]),
    h('h3', {}, 'Data sources'),
    h('div', { 'data-gh': 'data-sources' }, list(m.dataSources, 'None you can use.')),
    h('h3', {}, 'Workspace permissions'),
    h('div', { 'data-gh': 'permissions' }, list(m.permissions, 'None.')),
  ];
}

/** Builds the panel (not yet attached; `update` attaches it to the document on first use). */
export function createPanel(
  onCollapse: (key: string, collapsed: boolean) => void,
  onRequest: (request: PanelAccessRequest) => void = () => {},
): PanelHandle {
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
  /** The last answer to a request, per panel key (kept while the page is open). */
  const answers = new Map<string, { ok: boolean; text: string }>();
  /** The request state last drawn per panel key: a decision replaces the answer to the sending. */
  const shownStatus = new Map<string, string>();
  const draw = (m: PanelModel) => {
    const asked = m.request ?? null;
    if (shownStatus.get(m.key) === 'open' && asked && asked.status !== 'open') answers.delete(m.key);
    if (asked) shownStatus.set(m.key, asked.status);
    const answer = answers.get(m.key) ?? null;
    let form: HTMLElement | null = null;
    if (m.level === 'none' && !m.stale) {
      if (!answer?.ok && asked?.status === 'open')
        // Asked before (on another page, before a reload): no second request, the state instead.
        form = h('p', { class: 'requested', role: 'status', 'data-gh': 'request-state' }, asked.text);
      else if (!answer?.ok && asked?.status === 'denied')
        form = h(
          'div',
          {},
          h('p', { class: 'reason', role: 'status', 'data-gh': 'request-state' }, asked.text),
          requestForm(onRequest, answer),
        );
      else form = requestForm(onRequest, answer);
    }
    content.replaceChildren(...body(m, form).filter((c): c is Node | string => !!c));
  };

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
      draw(next);
      if (first) setCollapsed(next.collapsed ?? next.level !== 'none');
      else if (changed) setCollapsed(next.collapsed ?? collapsed);
      if (!host.isConnected) document.documentElement.append(host);
    },
    requested(key, ok, text) {
      answers.set(key, { ok, text });
      if (model?.key === key) draw(model);
    },
    remove() {
      host.remove();
    },
  };
}
