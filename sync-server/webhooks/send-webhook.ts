/**
 * One webhook attempt over node:http(s): POST the body to the URL, connecting to the address the SSRF
 * check resolved and approved (webhook-url.ts) — the `lookup` given to the socket answers with it, so
 * DNS is not asked again — with TLS still verified against the URL's host name. Redirects are not
 * followed (a 3xx is a failure), at most 4 KiB of the answer is read, and the whole attempt is bounded by
 * `timeoutMs`.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './webhook-url.ts';

/** Bytes of the receiver's answer read at most (for the error text); the rest is discarded. */
const MAX_ANSWER_BYTES = 4096;
/** Characters of the answer kept in an attempt's error. */
const ERROR_SNIPPET = 200;

export interface AttemptOutcome {
  /** The receiver's status, or null when it gave none. */
  readonly httpStatus: number | null;
  /** Null on 2xx; else what went wrong, for admins. */
  readonly error: string | null;
}

export function sendWebhook(
  url: URL,
  target: ResolvedTarget,
  body: string,
  headers: Record<string, string>,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal },
): Promise<AttemptOutcome> {
  const pinned: LookupFunction = (_host, opts, cb) => {
    if (opts.all) (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else cb(null, target.address, target.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const req = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: pinned,
      agent: false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const timer = setTimeout(() => {
      done({ httpStatus: null, error: `No answer within ${Math.round(options.timeoutMs / 1000)} s` });
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      done({ httpStatus: null, error: networkError(err, url) }),
    );
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, ERROR_SNIPPET).trim();
        if (status >= 200 && status < 300) done({ httpStatus: status, error: null });
        else if (status >= 300 && status < 400)
          done({
            httpStatus: status,
            error: `HTTP ${status}: redirects are not followed (to ${res.headers.location ?? '?'})`,
          });
        else done({ httpStatus: status, error: `HTTP ${status}${text ? `: ${text}` : ''}` });
        req.destroy();
      };
      res.on('data', (c: Buffer) => {
        if (size < MAX_ANSWER_BYTES) chunks.push(c.subarray(0, MAX_ANSWER_BYTES - size));
        size += c.length;
        if (size >= MAX_ANSWER_BYTES) finish();
      });
      res.on('end', finish);
      res.on('error', finish);
    });
    req.end(body);
  });
}

function networkError(err: NodeJS.ErrnoException, url: URL): string {
  const where = url.host;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `Connection refused by ${where}`;
    case 'ECONNRESET':
      return `${where} closed the connection`;
    case 'ETIMEDOUT':
      return `Connecting to ${where} timed out`;
    case 'ABORT_ERR':
      return 'Stopped: the server was shutting down';
    default:
      return err.code?.startsWith('ERR_TLS') || err.code?.includes('CERT')
        ? `TLS: ${err.message}`
        : `${err.code ?? 'Error'}: ${err.message}`;
  }
}
