/**
 * Access matrix: users × apps, each cell Edit / View / none (from core's compiled access: one vector per
 * user, a cell is `vector[appIndex]`), filterable by group, role and app name. Pure `buildMatrix` for
 * tests and the CSV export (whose "via" column comes from accessFor, which carries the reasons).
 */
import {
  type App,
  accessFor,
  codeHidden,
  codeLevel,
  compiledAccess,
  type Level,
  liveValues,
  type User,
  type WorkspaceState,
} from '../../../../core/index.ts';
import { workspace } from './workspace.svelte.ts';

export interface MatrixFilter {
  readonly groupId: string;
  readonly role: string;
  readonly app: string;
  readonly user: string;
}

export interface Matrix {
  readonly users: readonly User[];
  readonly apps: readonly App[];
  /** levels[row][col]. */
  readonly levels: readonly (readonly (Level | null)[])[];
  readonly hidden: readonly (readonly boolean[])[];
}

export const MAX_MATRIX_USERS = 2000;

/** `previous`: the state the last matrix was built from, so the compiled access is updated, not rebuilt. */
export function buildMatrix(state: WorkspaceState, f: MatrixFilter, previous?: WorkspaceState): Matrix {
  const appQ = f.app.trim().toLowerCase();
  const userQ = f.user.trim().toLowerCase();
  const apps = [...liveValues(state.apps)]
    .filter((a) => !appQ || a.name.toLowerCase().includes(appQ))
    .sort((a, b) => a.name.localeCompare(b.name));
  const group = f.groupId ? state.groups.get(f.groupId) : undefined;
  const users: User[] = [];
  for (const u of state.users.values()) {
    if (f.role && u.role !== f.role) continue;
    if (group && (group.kind === 'custom' ? !group.members.has(u.id) : u.role !== group.role)) continue;
    if (userQ && !u.email.includes(userQ) && !u.name.toLowerCase().includes(userQ)) continue;
    users.push(u);
    if (users.length >= MAX_MATRIX_USERS) break;
  }
  users.sort((a, b) => a.email.localeCompare(b.email));
  const compiled = compiledAccess(state, previous);
  const columns = apps.map((a) => compiled.resources.appIndex.get(a.id)!);
  const levels: (Level | null)[][] = [];
  const hidden: boolean[][] = [];
  for (const u of users) {
    const codes = compiled.user(u.id)?.apps;
    const row: (Level | null)[] = [];
    const hrow: boolean[] = [];
    for (const i of columns) {
      const code = codes?.[i] ?? 0;
      row.push(codeLevel('app', code));
      hrow.push(codeHidden(code));
    }
    levels.push(row);
    hidden.push(hrow);
  }
  return { users, apps, levels, hidden };
}

/** Rows for an access review CSV: one line per user and app. */
export function matrixCsvRows(state: WorkspaceState, m: Matrix): string[][] {
  const rows: string[][] = [['email', 'name', 'role', 'status', 'app', 'level', 'hidden', 'via']];
  m.users.forEach((u, i) => {
    const access = accessFor(state, u.id);
    m.apps.forEach((a, j) => {
      const level = m.levels[i]?.[j] ?? null;
      const via = access?.hasAccess ? access.app(a.id).via.map((v) => v.groupName) : [];
      rows.push([
        u.email,
        u.name,
        u.role,
        u.status,
        a.name,
        level ?? 'none',
        m.hidden[i]?.[j] ? 'yes' : 'no',
        via.join('; '),
      ]);
    });
  });
  return rows;
}

export class AccessMatrixView {
  groupId = $state('');
  role = $state('');
  app = $state('');
  user = $state('');
  selected = $state.raw<{ userId: string; appId: string } | null>(null);
  /** The state of the last matrix (not reactive): the next one's compiled access is derived from it. */
  private shown: WorkspaceState | undefined;
  readonly matrix = $derived.by(() => {
    const state = workspace.state;
    if (!state) return { users: [], apps: [], levels: [], hidden: [] };
    const f = { groupId: this.groupId, role: this.role, app: this.app, user: this.user };
    const m = buildMatrix(state, f, this.shown);
    this.shown = state;
    return m;
  });
}
