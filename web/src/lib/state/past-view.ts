/**
 * The workspace as of a past moment, for the read-only as-of view (issue 15): the server rebuilds the doc
 * from its history (GET …/history/doc?at=, one Yjs update), and core reads it as of that moment — the
 * same reader as the live state, so every page shows the past exactly as it showed the present then.
 */
import * as Y from 'yjs';
import { type AccessRequest, readRequests, readState, type WorkspaceState } from '../../../../core/index.ts';

export interface PastView {
  /** The moment shown (epoch ms). */
  readonly at: number;
  /** The last logged update it includes. */
  readonly seq: number;
  readonly state: WorkspaceState;
  readonly requests: readonly AccessRequest[];
}

export const READ_ONLY_MESSAGE =
  'You are viewing the workspace as of a past date: nothing can be changed. Go back to now to make changes.';

export type PastResult = { ok: true; view: PastView } | { ok: false; error: string };

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return `The server could not rebuild that moment (HTTP ${res.status})`;
}

export async function fetchPastView(slug: string, at: number): Promise<PastResult> {
  if (!Number.isFinite(at)) return { ok: false, error: 'Pick a date and time' };
  if (at > Date.now()) return { ok: false, error: 'That moment is in the future: pick a past date' };
  let res: Response;
  try {
    res = await fetch(`/api/workspaces/${encodeURIComponent(slug)}/history/doc?at=${Math.floor(at)}`, {
      credentials: 'same-origin',
    });
  } catch {
    return { ok: false, error: 'The server cannot be reached: the history is kept there' };
  }
  if (!res.ok) return { ok: false, error: await errorText(res) };
  const bytes = new Uint8Array(await res.arrayBuffer());
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, bytes);
    return {
      ok: true,
      view: {
        at,
        seq: Number(res.headers.get('x-history-seq') ?? 0),
        state: readState(doc, at),
        requests: readRequests(doc),
      },
    };
  } catch {
    return { ok: false, error: 'The server’s answer for that moment could not be read' };
  } finally {
    doc.destroy();
  }
}
