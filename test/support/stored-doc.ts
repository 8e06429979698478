/**
 * A workspace's doc rebuilt from what PostgreSQL stores (its snapshot, then its updates in seq order):
 * what a cluster converged to, whatever any instance holds in memory.
 */
import pg from 'pg';
import * as Y from 'yjs';

export async function storedDocIn(databaseUrl: string, slug: string): Promise<Y.Doc> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ data: Buffer }>(
      `SELECT data FROM (
         SELECT 0 AS k, 0::bigint AS seq, s.data FROM doc_snapshots s JOIN workspaces w ON w.id = s.workspace_id WHERE w.slug = $1
         UNION ALL
         SELECT 1, u.seq, u.data FROM doc_updates u JOIN workspaces w ON w.id = u.workspace_id WHERE w.slug = $1
       ) t ORDER BY k, seq`,
      [slug],
    );
    const doc = new Y.Doc();
    for (const r of rows) Y.applyUpdate(doc, new Uint8Array(r.data));
    return doc;
  } finally {
    await client.end();
  }
}
