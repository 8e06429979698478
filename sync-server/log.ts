/** Structured logs (pino). Secrets never reach a log line: known fields are redacted, URLs are stripped of queries. */
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'password',
        'token',
        'secret',
        'authorization',
        'cookie',
        '*.password',
        '*.token',
        '*.secret',
        '*.authorization',
        '*.cookie',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}

/** A path without its query string (which may hold `?token=`). */
export function safePath(url: string | undefined): string {
  if (!url) return '';
  const i = url.indexOf('?');
  return (i < 0 ? url : url.slice(0, i)).slice(0, 200);
}
