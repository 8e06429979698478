/**
 * The end-user wording of an access summary (SPEC §4), once: a level, "via" which groups and grants it
 * comes, why there is no access, whom to ask and the prefilled request. The web's My access page and the
 * extension (panel and popup) show these texts and write none of their own. Access itself is the
 * summary's (core's `accessFor`): a level of null is no access, whatever the account's status; the status
 * only picks the words. Pure: plain strings, never HTML (callers insert them as text).
 */
import { FLAG_LABELS, type Flag, LEVEL_LABELS, type Level } from '../model.ts';
import type { AccessSummary, AppSummary } from './summarize.ts';
import type { Via } from './user-access.ts';

interface Person {
  readonly name: string;
  readonly email: string;
}

/** What a level reads as: `Edit`, `View (hidden from dashboard)`, `No access`. */
export function levelText(level: Level | null, hidden = false): string {
  if (level === null) return 'No access';
  return hidden ? `${LEVEL_LABELS[level]} (hidden from dashboard)` : LEVEL_LABELS[level];
}

/** Where a grant comes from: a custom group by its name, a role's default group as `Builder role`. */
export function viaGroupText(v: Via): string {
  return v.groupKind === 'default' ? `${v.groupName} role` : v.groupName;
}

/** The groups a level comes through, each once with its grants: `HR (HR apps, Payroll read), Builder role (All apps)`. */
export function viaText(via: readonly Via[]): string {
  const grants = new Map<string, string[]>();
  for (const v of via) {
    const group = viaGroupText(v);
    const names = grants.get(group);
    if (!names) grants.set(group, [v.grantName]);
    else if (!names.includes(v.grantName)) names.push(v.grantName);
  }
  return [...grants].map(([group, names]) => `${group} (${names.join(', ')})`).join(', ');
}

/** One grant in full: `HR: “Payroll read” (View, hidden from dashboard)`. */
export function viaGrantText(v: Via): string {
  const hidden = v.hideFromDashboard ? ', hidden from dashboard' : '';
  return `${viaGroupText(v)}: “${v.grantName}” (${LEVEL_LABELS[v.level]}${hidden})`;
}

/** A level with where it comes from: `View — via HR (HR apps)`, or `No access`. */
export function accessText(a: {
  readonly level: Level | null;
  readonly hidden?: boolean;
  readonly via: readonly Via[];
}): string {
  const level = levelText(a.level, a.hidden);
  return a.level !== null && a.via.length > 0 ? `${level} — via ${viaText(a.via)}` : level;
}

/**
 * The apps of a summary as My access lists them (issue 11): those the user can open (on their dashboard),
 * those reachable by link only (View, hidden from the dashboard), and those they have no access to.
 */
export function appSections(summary: Pick<AccessSummary, 'apps'>): {
  readonly open: readonly AppSummary[];
  readonly byLink: readonly AppSummary[];
  readonly none: readonly AppSummary[];
} {
  const open: AppSummary[] = [];
  const byLink: AppSummary[] = [];
  const none: AppSummary[] = [];
  for (const a of summary.apps) (a.level === null ? none : a.hidden ? byLink : open).push(a);
  return { open, byLink, none };
}

/** Whom to ask, in a sentence: `Ask Ada <ada@corp.com> or Bo <bo@corp.com>.`; null without admins. */
export function whomToAsk(summary: Pick<AccessSummary, 'admins'>): string | null {
  const people = summary.admins.map(personText);
  if (people.length === 0) return null;
  const list = people.length === 1 ? people[0] : `${people.slice(0, -1).join(', ')} or ${people.at(-1)}`;
  return `To get access, ask a workspace admin: ${list}.`;
}

/** A workspace permission: `Apps: create: Yes — via Finance`, `Apps: create: No`. */
export function permissionText(summary: AccessSummary, flag: Flag): string {
  if (!summary.flags[flag]) return `${FLAG_LABELS[flag]}: No`;
  // flagVia names groups only: a name that is none of the user's custom groups is the role's default group.
  const custom = new Set(summary.groups.map((g) => g.name));
  const via = (summary.flagVia[flag] ?? []).map((n) => (custom.has(n) ? n : `${n} role`));
  return `${FLAG_LABELS[flag]}: Yes${via.length > 0 ? ` — via ${via.join(', ')}` : ''}`;
}

/** Why there is no access, in a sentence: `No group you are in grants access to CRM.` */
export function noAccessReason(summary: AccessSummary, resourceName: string): string {
  return summary.user.status === 'archived'
    ? `Your account in ${summary.workspace.name} is archived, so it has no access.`
    : `No group you are in grants access to ${resourceName}.`;
}

/** A note on the account when its status takes its access away: `Archived: no access`; else null. */
export function statusNote(summary: AccessSummary): string | null {
  return summary.user.status === 'archived' ? 'Archived: no access' : null;
}

/** Why there is no access, short, for a table cell. */
export function noAccessShort(summary: AccessSummary): string {
  return statusNote(summary) ?? 'No group grants it';
}

/** A person to ask: `Ada Admin <ada@corp.com>`, or the address alone. */
export function personText(p: Person): string {
  return p.name && p.name !== p.email ? `${p.name} <${p.email}>` : p.email;
}

/** The prefilled request for access: to every admin, saying what is asked for and where. */
export function requestAccessMessage(
  summary: AccessSummary,
  resourceName: string,
  pageUrl?: string,
): { readonly to: readonly string[]; readonly subject: string; readonly body: string } {
  const ws = summary.workspace.name;
  return {
    to: summary.admins.map((a) => a.email).filter((e) => e.includes('@')),
    subject: `Access request: ${resourceName} (${ws})`,
    body: [
      'Hello,',
      '',
      `Could I get access to “${resourceName}” in the ${ws} workspace?`,
      `No group I am in grants it at the moment.${pageUrl ? ` I was on: ${pageUrl}` : ''}`,
      '',
      'Thank you,',
      personText(summary.user),
    ].join('\n'),
  };
}

/** The request as a `mailto:` URL, or null when no admin has an address. */
export function requestAccessMailto(
  summary: AccessSummary,
  resourceName: string,
  pageUrl?: string,
): string | null {
  const m = requestAccessMessage(summary, resourceName, pageUrl);
  // Each address encoded: an address must never add headers (bcc, body) to the link.
  const to = m.to.map((e) => encodeURIComponent(e)).join(',');
  if (!to) return null;
  return `mailto:${to}?subject=${encodeURIComponent(m.subject)}&body=${encodeURIComponent(m.body)}`;
}
