/**
 * A fan-out stream entry: `XADD ws:{id} MAXLEN ~ 10000 * seq N f F n K i <instance> u <base64 update>` —
 * the committed update itself (never a diff computed for one peer), written as seqs F … N (K = N - F + 1).
 * F is what the append reports it wrote (storage `Appended`), not N minus the records in the batch: a
 * deduplicated resend takes no seq. An entry without `f` (an older instance) is read as N - K + 1.
 * Entries are read back raw; one that does not parse is skipped (it must never stop the reader loop).
 */
export const STREAM_MAXLEN = '10000';

export const streamKey = (workspaceId: string): string => `ws:${workspaceId}`;

export interface StreamEntry {
  /** The last seq written. */
  readonly seq: number;
  /** The first seq written (≤ seq). */
  readonly first: number;
  readonly instance: string;
  readonly update: Uint8Array;
}

export function xaddArgs(workspaceId: string, entry: StreamEntry): string[] {
  return [
    'XADD',
    streamKey(workspaceId),
    'MAXLEN',
    '~',
    STREAM_MAXLEN,
    '*',
    'seq',
    String(entry.seq),
    'f',
    String(entry.first),
    'n',
    String(entry.seq - entry.first + 1),
    'i',
    entry.instance,
    'u',
    Buffer.from(entry.update).toString('base64'),
  ];
}

/** Field list `[f, v, f, v…]` → entry, or null when malformed. */
export function parseEntry(fields: unknown): StreamEntry | null {
  if (!Array.isArray(fields)) return null;
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) m.set(String(fields[i]), String(fields[i + 1]));
  const seq = Number(m.get('seq'));
  const f = m.get('f');
  const first = f === undefined ? seq - Number(m.get('n')) + 1 : Number(f);
  const instance = m.get('i');
  const u = m.get('u');
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(first) || first < 1 || first > seq) return null;
  if (!instance || u === undefined) return null;
  const update = new Uint8Array(Buffer.from(u, 'base64'));
  if (update.length === 0) return null;
  return { seq, first, instance, update };
}

/** An XREAD reply (RESP2 array or RESP3 map) → `[key, [[id, fields]…]]` pairs. */
export function readReply(reply: unknown): [string, [string, unknown][]][] {
  if (reply === null || reply === undefined) return [];
  const pairs: [unknown, unknown][] = Array.isArray(reply)
    ? (reply as [unknown, unknown][])
    : reply instanceof Map
      ? [...reply.entries()]
      : Object.entries(reply as Record<string, unknown>);
  const out: [string, [string, unknown][]][] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || !Array.isArray(pair[1])) continue;
    const entries: [string, unknown][] = [];
    for (const e of pair[1] as unknown[]) if (Array.isArray(e)) entries.push([String(e[0]), e[1]]);
    out.push([String(pair[0]), entries]);
  }
  return out;
}
