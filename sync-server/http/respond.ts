/** HTTP edge helpers: one error shape `{error:{code,message,details?}}`, JSON replies, bounded body reading. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiErrorCode, errorRow } from '../errors.ts';

/** An error answer; its HTTP status comes from the error table (`sync-server/errors.ts`). */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = errorRow(code).status;
  }
}

const BASE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...BASE_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Seconds a client waits before retrying when storage is unreachable (503 storage-failed). */
const STORAGE_RETRY_AFTER_S = '5';

export function sendError(res: ServerResponse, err: ApiError): void {
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.details !== undefined) error.details = err.details;
  const headers =
    err.code === 'storage-failed' ? { 'retry-after': STORAGE_RETRY_AFTER_S, ...err.headers } : err.headers;
  sendJson(res, err.status, { error }, headers);
}

/** Reads a JSON body up to `limit` bytes. No body (or an empty one) reads as `undefined`. */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new ApiError('payload-too-large', `Request bodies are limited to ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new ApiError('payload-too-large', `Request bodies are limited to ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (!failed) reject(new ApiError('bad-request', 'The request body could not be read'));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) return resolve(undefined);
      const type = String(req.headers['content-type'] ?? '');
      if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type))
        return reject(
          new ApiError('unsupported-media-type', 'Send JSON with Content-Type: application/json'),
        );
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new ApiError('invalid-json', 'The request body is not valid JSON'));
      }
    });
  });
}
