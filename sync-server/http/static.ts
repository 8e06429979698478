/**
 * Serves the built admin app (dist/web) with SPA fallback, a placeholder when it is not built, and the
 * small demo app pages used by `--demo` workspaces.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
};

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2937}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style></head><body>${body}</body></html>`;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

/** `/demo-apps/:slug/…`: a stand-in internal app, so the extension has pages to annotate. */
export function serveDemoApp(res: ServerResponse, pathname: string): void {
  const slug = (pathname.split('/')[2] ?? '').replace(/[^a-z0-9-]/gi, '').slice(0, 60);
  const title = slug
    .split('-')
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
  page(
    res,
    200,
    `${title || 'Demo app'} — demo`,
    `<h1>${escapeHtml(title || 'Demo app')}</h1><p>This is a stand-in internal app of the demo workspace.
With the Gatehouse extension installed and signed in, a panel on this page tells you what you can do here and why.</p>
<p><a href="/demo-apps/${escapeHtml(slug)}/records">Records</a> · <a href="/demo-apps/${escapeHtml(slug)}/settings">Settings</a></p>`,
  );
}

export function createStaticHandler(webDir: string | null) {
  const root = webDir ? path.resolve(webDir) : null;
  const hasIndex = () => root !== null && fs.existsSync(path.join(root, 'index.html'));

  return function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('Method not allowed');
      return;
    }
    if (!hasIndex()) {
      page(
        res,
        200,
        'Gatehouse',
        `<h1>Gatehouse is running</h1><p>The admin app is not built yet. Run <code>npm run build</code>
(or restart with <code>npm start</code>, which builds it), then reload.</p>
<p>The REST API is live: see <a href="/api/openapi.json">/api/openapi.json</a>.</p>`,
      );
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      rel = '/';
    }
    const file = path.resolve(root!, `.${path.posix.normalize(rel)}`);
    const inside = file === root || file.startsWith(root! + path.sep);
    let target = path.join(root!, 'index.html');
    if (inside && !rel.includes('\0')) {
      try {
        if (fs.statSync(file).isFile()) target = file;
      } catch {
        // not a file: SPA fallback below (unless it looks like a missing asset)
        if (/\.[a-z0-9]{1,8}$/i.test(rel) && !rel.endsWith('.html')) {
          res.writeHead(404, { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' });
          res.end('Not found');
          return;
        }
      }
    }
    const ext = path.extname(target).toLowerCase();
    const immutable = target.includes(`${path.sep}assets${path.sep}`);
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (path.basename(target) === 'sw.js' || path.basename(target) === 'service-worker.js')
      headers['service-worker-allowed'] = '/';
    // The service worker caches a navigation's answer as the offline shell only when it carries this.
    if (target === path.join(root!, 'index.html')) headers['x-gatehouse-shell'] = '1';
    fs.stat(target, (err, st) => {
      if (err) {
        page(res, 404, 'Not found', '<h1>Not found</h1>');
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': String(st.size) });
      if (req.method === 'HEAD') return void res.end();
      fs.createReadStream(target)
        .on('error', () => res.destroy())
        .pipe(res);
    });
  };
}
