/**
 * The answer to bytes on a connection that do not parse as HTTP (Node's `clientError`). A request
 * already parsed on that connection and still being answered keeps its own answer, and the connection
 * closes after it: the bytes behind it (say a body sent without Content-Length or chunking, as Node's
 * client does for OPTIONS) are no request of their own. Otherwise the one error shape as JSON, then close.
 */
import type { Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorRow } from '../errors.ts';

const BODY = JSON.stringify({
  error: { code: 'bad-request', message: 'The request is not valid HTTP' },
});
const STATUS = errorRow('bad-request').status;
const ANSWER =
  `HTTP/1.1 ${STATUS} Bad Request\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
  `cache-control: no-store\r\nx-content-type-options: nosniff\r\ncontent-length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`;

export function answerClientErrors(server: Server): void {
  const inFlight = new WeakMap<Duplex, ServerResponse>();
  server.prependListener('request', (req, res) => {
    inFlight.set(req.socket, res);
    res.once('close', () => {
      if (inFlight.get(req.socket) === res) inFlight.delete(req.socket);
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const pending = inFlight.get(socket);
    // A parse error only: a timeout (ERR_HTTP_REQUEST_TIMEOUT) ends the connection whatever is pending.
    if (pending && !pending.writableEnded && err.code?.startsWith('HPE_')) {
      if (!pending.headersSent) pending.setHeader('connection', 'close');
      else pending.once('finish', () => socket.end());
      return;
    }
    if (socket.writable) socket.end(ANSWER);
    else socket.destroy();
  });
}
