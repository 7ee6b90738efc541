import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

import type { Logger } from 'pino';

import type { WebMetrics } from './metrics.js';

/** The statuses Node itself gives the errors its HTTP parser and timers raise. */
const STATUS_BY_CODE: Partial<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/** The client went away mid-request: reset, or closed before the request was complete. */
const CLIENT_LEFT = new Set(['ECONNRESET', 'HPE_INVALID_EOF_STATE']);

/**
 * Requests that never reach the app: a request line or headers Node's parser rejects,
 * a header block over 16 KiB, headers that took too long. Node would answer them
 * (400, 431, 413, 408) and close the connection without a trace; this answers them the
 * same way and also writes a request line and counts them, so an operator sees a client
 * sending garbage. The raw bytes are not logged: they may hold another client's headers.
 * A connection the client reset or closed half-way through a request is closed quietly:
 * nobody is left to answer, and an operator can do nothing about it.
 */
export function clientErrorHandler(logger: Logger, metrics: WebMetrics) {
  return (error: NodeJS.ErrnoException, socket: Duplex): void => {
    if (CLIENT_LEFT.has(error.code ?? '') || !socket.writable) {
      socket.destroy();
      return;
    }

    // Only a connection that has had no answer yet can take one, as Node decides too.
    if ((socket as Socket).bytesWritten > 0) {
      logger.warn(
        { errorCode: error.code ?? 'unknown', reason: error.message },
        'connection closed: unparsable request after an answered one',
      );
      socket.destroy();
      return;
    }

    const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
    logger.warn(
      { status, errorCode: error.code ?? 'unknown', reason: error.message },
      'request rejected before routing',
    );
    metrics.request('other', status, 0);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  };
}
