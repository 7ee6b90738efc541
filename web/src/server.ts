import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** While draining, idle keep-alive sockets are closed this often. */
const SWEEP_MS = 50;

export type ClientErrorListener = (error: NodeJS.ErrnoException, socket: Duplex) => void;

/**
 * Node's own limits stay in force: a header block over 16 KiB gets 431 and a request
 * line Node cannot parse gets 400, and the connection is closed either way;
 * `onClientError` answers those instead of Node, to log them (client-error.ts).
 */
export async function listen(
  app: RequestListener,
  host: string,
  port: number,
  onClientError?: ClientErrorListener,
): Promise<Server> {
  const server = createServer(app);
  if (onClientError) server.on('clientError', onClientError);
  server.listen({ host, port });
  await once(server, 'listening');
  return server;
}

export type DrainOutcome = 'drained' | 'forced';

/**
 * Stops accepting connections, lets requests in flight finish, and closes
 * keep-alive connections as soon as they are idle. Node's server.close() closes
 * only the sockets idle at that moment; a socket whose request finishes later
 * would stay open until keepAliveTimeout, so idle sockets are swept until the
 * server has closed and late requests on old sockets are answered with
 * `Connection: close`. After timeoutMs every remaining socket is destroyed.
 */
export function drain(server: Server, timeoutMs: number): Promise<DrainOutcome> {
  return new Promise((resolve) => {
    let outcome: DrainOutcome = 'drained';

    server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
    const force = setTimeout(() => {
      outcome = 'forced';
      server.closeAllConnections();
    }, timeoutMs);

    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve(outcome);
    });
    server.closeIdleConnections();
  });
}
