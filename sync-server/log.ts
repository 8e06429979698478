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

/** Path segments that are secrets themselves: the invitation token after `/invitations/`. */
const SECRET_SEGMENT = /(\/invitations\/)[^/?#]+/gi;

/** A path fit for a log line: no query string (which may hold `?token=`), invitation tokens redacted. */
export function safePath(url: string | undefined): string {
  if (!url) return '';
  const i = url.indexOf('?');
  return (i < 0 ? url : url.slice(0, i)).replace(SECRET_SEGMENT, '$1[redacted]').slice(0, 200);
}
