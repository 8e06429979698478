/**
 * Access matrix: users × apps, each cell Edit / View / none (from core accessFor), filterable by group,
 * role and app name. Pure `buildMatrix` for tests and the CSV export.
 */
import {
  type App,
  accessFor,
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

export function buildMatrix(state: WorkspaceState, f: MatrixFilter): Matrix {
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
  const levels: (Level | null)[][] = [];
  const hidden: boolean[][] = [];
  for (const u of users) {
    const access = accessFor(state, u.id);
    const row: (Level | null)[] = [];
    const hrow: boolean[] = [];
    for (const a of apps) {
      const r = access?.hasAccess ? access.app(a.id) : null;
      row.push(r?.level ?? null);
      hrow.push(r?.hidden ?? false);
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
  readonly matrix = $derived(
    workspace.state
      ? buildMatrix(workspace.state, {
          groupId: this.groupId,
          role: this.role,
          app: this.app,
          user: this.user,
        })
      : { users: [], apps: [], levels: [], hidden: [] },
  );
}
