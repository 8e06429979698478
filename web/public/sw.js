/**
 * Gatehouse service worker: caches the app shell so a reload works offline.
 * - Navigations to the app: network first, falling back to the cached index.html. Only an answer the
 *   server marks as the shell (`x-gatehouse-shell: 1`) is cached as the shell: a JSON health check or a
 *   demo app page opened on the same origin never becomes the offline start page.
 * - Navigations outside the app (/healthz, /demo-apps/, /api/, /sync) are never served from the shell.
 * - /assets/* (hashed, immutable): cache first, stored on first fetch; the app warms every lazy chunk.
 * - /api and /sync are never cached.
 */
const CACHE = 'gatehouse-shell-v2';
const SHELL = ['/', '/index.html', '/icon.svg', '/manifest.webmanifest', '/theme.js'];

/** The shell plus the entry assets that index.html references. */
async function precacheShell() {
  const cache = await caches.open(CACHE);
  await cache.addAll(SHELL);
  const html = await (await cache.match('/index.html')).text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  await cache.addAll(assets);
}

self.addEventListener('install', (event) => {
  event.waitUntil(precacheShell().then(() => self.skipWaiting()));
});

// The page sends the URLs of every chunk it loaded (it warms all lazy pages), so they work offline too.
self.addEventListener('message', (event) => {
  const data = event.data;
  if (data?.type !== 'precache' || !Array.isArray(data.urls)) return;
  const urls = data.urls
    .map((u) => new URL(u, self.location.origin))
    .filter((u) => u.origin === self.location.origin && u.pathname.startsWith('/assets/'))
    .map((u) => u.pathname);
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([...new Set(urls)]))
      .then(() => event.ports[0]?.postMessage({ ok: true }))
      .catch(() => event.ports[0]?.postMessage({ ok: false })),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

/** Paths the server answers with something other than the app: never the shell's to serve. */
const NOT_APP = ['/healthz', '/demo-apps/', '/api/', '/sync'];
const isAppPath = (pathname) => !NOT_APP.some((p) => pathname === p || pathname.startsWith(p));

async function networkFirstShell(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.headers.get('x-gatehouse-shell') === '1')
      await cache.put('/index.html', response.clone());
    return response;
  } catch {
    return (await cache.match('/index.html')) || (await cache.match('/')) || Response.error();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/sync')) return;
  if (request.mode === 'navigate') {
    if (!isAppPath(url.pathname)) return;
    event.respondWith(networkFirstShell(request));
    return;
  }
  if (url.pathname.startsWith('/assets/') || SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});
