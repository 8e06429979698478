/** The server address a person typed, made canonical; and the host permission that covers it. */

/** `https://host[:port][/path]` without a trailing slash (https assumed when no scheme is typed, http for localhost), or null. */
export function normalizeServerUrl(input: string): string | null {
  const s = input.trim();
  if (!s) return null;
  try {
    const local = /^(localhost|127\.0\.0\.1)(:|\/|$)/i.test(s);
    const url = new URL(
      /^[a-z][a-z0-9+.-]*:\/\/|^https?:/i.test(s) ? s : `${local ? 'http' : 'https'}://${s}`,
    );
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.username || url.password || url.search || url.hash) return null;
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/** The host permission pattern for a normalized server URL (any port, as Chrome matches). */
export function serverPermission(serverUrl: string): string {
  const url = new URL(serverUrl);
  return `${url.protocol}//${url.hostname}/*`;
}
